import type { z } from 'zod';
import { log } from '../log.js';
import { type SourceId, UpstreamError } from './errors.js';

/*
 * Answers are parsed with zod's `safeParse` at the boundary. Unknown fields are accepted and
 * dropped from the output (zod's default for objects), so a newer upstream is served. These
 * functions take `ZodType<T, T>` (input and output alike): a schema with a transform or a
 * default would not type-check here, so what they return is what the upstream sent.
 */

/**
 * Validates a whole upstream answer at the boundary.
 * @throws UpstreamError `UPSTREAM_UNAVAILABLE` when the answer does not match the API
 */
export function parseAnswer<T>(source: SourceId, schema: z.ZodType<T, T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  log('warn', 'upstream answer failed validation', { source: source.name, issues: describeIssues(parsed.error) });
  throw new UpstreamError(
    source.name,
    'UPSTREAM_UNAVAILABLE',
    `${source.label} sent an answer that does not match its API.`,
  );
}

const logged = new Set<string>();

/** Logs a drifted item once per process (per source and item id), not on every page that holds it. */
function logItemOnce(source: SourceId, item: unknown, issues: string[]): void {
  const id =
    typeof item === 'object' && item !== null
      ? String(('sessionId' in item && item.sessionId) || ('id' in item && item.id) || issues.join('|'))
      : 'not-an-object';
  const key = `${source.name}:${id}`;
  if (logged.has(key)) return;
  if (logged.size > 10_000) logged.clear();
  logged.add(key);
  log('warn', 'upstream list item failed validation; it is left out', { source: source.name, issues });
}

/**
 * Validates list items one by one: a drifted item is left out (and logged once), the rest are served.
 */
export function parseItems<T>(
  source: SourceId,
  items: readonly unknown[],
  schema: z.ZodType<T, T>,
): { items: T[]; invalid: number } {
  const valid: T[] = [];
  let invalid = 0;
  for (const item of items) {
    const parsed = schema.safeParse(item);
    if (parsed.success) {
      valid.push(parsed.data);
    } else {
      invalid += 1;
      logItemOnce(source, item, describeIssues(parsed.error));
    }
  }
  return { items: valid, invalid };
}

// Paths and messages only: values could carry customer data.
function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

import type { z } from 'zod';
import { log } from '../log.js';
import { type SourceId, UpstreamError } from './errors.js';
import { validatorFor } from './validator.js';

/*
 * Answers are checked, not copied: the check generated from the schema (./validator.ts, which
 * allocates nothing) says whether the JSON value is valid, and the mapping reads the JSON value
 * itself. The payload schemas have no transforms or defaults, so what passes is already the
 * schema's output; these functions take `ZodType<T, T>` (input and output alike), so a schema
 * with a transform would not type-check here. Unknown fields stay in the JSON value, where
 * nothing reads them: records are built field by field, and GraphQL serves declared fields
 * only. An answer that fails is parsed again, for its issues.
 */

/**
 * Validates a whole upstream answer at the boundary.
 * @throws UpstreamError `UPSTREAM_UNAVAILABLE` when the answer does not match the API
 */
export function parseAnswer<T>(source: SourceId, schema: z.ZodType<T, T>, body: unknown): T {
  if (validatorFor(schema)(body)) return body;
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
  const isValid = validatorFor(schema);
  for (const item of items) {
    if (isValid(item)) {
      valid.push(item);
      continue;
    }
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

import { type SourceId, UpstreamError } from './errors.js';

/** Normalised token counts, whichever source they came from. */
export interface TokenUsageShape {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number | null;
  readonly cacheCreationTokens?: number | null;
  readonly thinkingTokens?: number | null;
  readonly factoryCredits?: number | null;
}

/** A `DateTime` as records hold it: epoch milliseconds, or UTC RFC 3339 text (any precision). */
export type DateTimeValue = number | string;

/**
 * What every source's session record has, under the `Session` interface's field names (so the
 * schema exposes them as properties). Each source's record adds its own fields.
 */
export interface SessionRecord {
  /** The registry name of its source (`SourceModule.name`). */
  readonly kind: string;
  readonly sourceId: string;
  readonly title: string | null;
  readonly upstreamStatus: string;
  readonly createdAt: DateTimeValue;
  readonly updatedAt: DateTimeValue;
  readonly finishedAt: DateTimeValue | null;
  /** Epoch microseconds of `createdAt`, the merged feed's ordering axis. */
  readonly createdAtMicros: number;
  readonly tags: readonly string[];
  readonly model: string | null;
  readonly tokenUsage: TokenUsageShape | null;
}

/** Where a session sits in its source's order: `createdAt` descending, then upstream id descending. */
export interface SessionKey {
  readonly micros: number;
  readonly id: string;
}

/** The ordering key of a session. */
export function sessionKey(session: SessionRecord): SessionKey {
  return { micros: session.createdAtMicros, id: session.sourceId };
}

/**
 * Compares two keys of one source in feed order: negative when `a` comes first
 * (newer, or same instant and larger id).
 */
export function compareKeys(a: SessionKey, b: SessionKey): number {
  if (a.micros !== b.micros) return b.micros - a.micros;
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}

/**
 * Invalid items one read may leave out before it stops following upstream pages: against an
 * upstream whose every item has drifted, skipping and refilling would walk the whole list.
 */
export function invalidItemBudget(count: number): number {
  return Math.max(count, 20);
}

/**
 * The end of a read that ran out of its invalid-item budget: its items, with more to come, or
 * a coded error when every item it saw was invalid (an empty page would have no cursor to go on).
 */
export function endDriftedRead<I>(
  source: SourceId,
  items: readonly I[],
  invalid: number,
): { items: readonly I[]; hasMore: true } {
  if (items.length > 0) return { items, hasMore: true };
  throw new UpstreamError(
    source.name,
    'UPSTREAM_UNAVAILABLE',
    `${source.label} sent ${invalid} sessions in a row that do not match its API; none could be served.`,
  );
}

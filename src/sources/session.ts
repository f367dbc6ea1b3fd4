import { SOURCE_LABEL, type SourceName, UpstreamError } from './errors.js';
import type { EverrunsSessionRecord } from './everruns/to-session.js';
import type { FactorySessionRecord } from './factory/to-session.js';

export type { EverrunsSessionRecord, FactorySessionRecord };

/** Normalised token counts, whichever source they came from. */
export interface TokenUsageShape {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number | null;
  readonly cacheCreationTokens?: number | null;
  readonly thinkingTokens?: number | null;
  readonly factoryCredits?: number | null;
}

/** Any session the gateway serves, tagged by its source. */
export type SessionRecord = FactorySessionRecord | EverrunsSessionRecord;

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

/** Source order in the merged feed when creation times tie. */
export const SOURCE_RANK: Record<SourceName, number> = { FACTORY: 0, EVERRUNS: 1 };

/**
 * Invalid items one read may leave out before it stops following upstream pages. A read skips
 * an invalid item and fetches more to fill its page; against an upstream whose every item has
 * drifted, that walked the whole list (a `first: 6` read made 235 calls on the emulator's
 * acme tenant). Past this many, the read serves what it has, or fails when it has nothing.
 */
export function invalidItemBudget(count: number): number {
  return Math.max(count, 20);
}

/**
 * The end of a read that ran out of its invalid-item budget: its items, with more to come, or
 * a coded error when every item it saw was invalid (an empty page would have no cursor to go on).
 */
export function endDriftedRead<I>(
  source: SourceName,
  items: readonly I[],
  invalid: number,
): { items: readonly I[]; hasMore: true } {
  if (items.length > 0) return { items, hasMore: true };
  throw new UpstreamError(
    source,
    'UPSTREAM_UNAVAILABLE',
    `${SOURCE_LABEL[source]} sent ${invalid} sessions in a row that do not match its API; none could be served.`,
  );
}

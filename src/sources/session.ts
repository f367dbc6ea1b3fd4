import type { SourceName } from './errors.js';
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

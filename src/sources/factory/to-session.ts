import type { SessionRecord, TokenUsageShape } from '../session.js';
import type { FactorySessionPayload, FactorySessionSettingsPayload } from './payload.js';

/** A Factory session as the gateway holds it: upstream words verbatim, times as UTC text. */
export interface FactorySessionRecord extends SessionRecord {
  readonly kind: 'FACTORY';
  readonly sourceId: string;
  readonly title: string | null;
  readonly upstreamStatus: string;
  readonly messageCount: number;
  /** UTC RFC 3339 text of Factory's epoch milliseconds. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** `completedAt`. */
  readonly finishedAt: string | null;
  /** Epoch microseconds of `createdAt`, the merged feed's ordering axis. */
  readonly createdAtMicros: number;
  readonly computerId: string | null;
  readonly settings: FactorySessionSettingsPayload | null;
  /** Tag names of `sessionSettings.tags`. */
  readonly tags: readonly string[];
  /** `sessionSettings.model`. */
  readonly model: string | null;
  /** `sessionSettings.tokenUsage`. */
  readonly tokenUsage: TokenUsageShape | null;
}

/** Maps a validated Factory payload to the gateway's record. */
export function toFactorySession(payload: FactorySessionPayload): FactorySessionRecord {
  return {
    kind: 'FACTORY',
    sourceId: payload.sessionId,
    title: payload.title ?? null,
    upstreamStatus: payload.status,
    messageCount: payload.messageCount,
    // Formatted here, once per upstream answer however many coalesced requests read it.
    createdAt: new Date(payload.createdAt).toISOString(),
    updatedAt: new Date(payload.updatedAt).toISOString(),
    finishedAt: payload.completedAt == null ? null : new Date(payload.completedAt).toISOString(),
    createdAtMicros: payload.createdAt * 1000,
    computerId: payload.computerId ?? null,
    settings: payload.sessionSettings ?? null,
    tags: payload.sessionSettings?.tags?.map((tag) => tag.name) ?? [],
    model: payload.sessionSettings?.model ?? null,
    tokenUsage: payload.sessionSettings?.tokenUsage ?? null,
  };
}

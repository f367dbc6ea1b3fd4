import type { TokenUsageShape } from '../session.js';
import type { FactorySessionPayload, FactorySessionSettingsPayload } from './payload.js';

/**
 * A Factory session as the gateway holds it: upstream words verbatim, times in epoch ms.
 * Fields the `Session` interface shares with Everruns (`upstreamStatus`, `model`, `tokenUsage`)
 * sit under their GraphQL names, so graphql-jit reads them as properties: a field with a
 * resolver costs a call and a resolve-info object per item (7 of them per item of a list page).
 */
export interface FactorySessionRecord {
  readonly kind: 'FACTORY';
  readonly sourceId: string;
  readonly title: string | null;
  readonly upstreamStatus: string;
  readonly messageCount: number;
  /** Epoch milliseconds, as Factory sends them. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly completedAt: number | null;
  /** Epoch microseconds of `createdAt`, the merged feed's ordering axis. */
  readonly createdAtMicros: number;
  readonly computerId: string | null;
  readonly settings: FactorySessionSettingsPayload | null;
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
    createdAt: payload.createdAt,
    updatedAt: payload.updatedAt,
    completedAt: payload.completedAt ?? null,
    createdAtMicros: payload.createdAt * 1000,
    computerId: payload.computerId ?? null,
    settings: payload.sessionSettings ?? null,
    model: payload.sessionSettings?.model ?? null,
    tokenUsage: payload.sessionSettings?.tokenUsage ?? null,
  };
}

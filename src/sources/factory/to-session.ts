import type { SessionRecord, TokenUsageShape } from '../session.js';
import type { SessionStateName } from '../source-module.js';
import { epochMsToText } from '../time.js';
import type { FactorySessionPayload, FactorySessionSettingsPayload } from './payload.js';

/** Factory's status words and the states they mean; any other word is UNKNOWN. */
export const FACTORY_STATES: Readonly<Record<string, SessionStateName>> = {
  pending: 'PENDING',
  running: 'RUNNING',
  idle: 'IDLE',
};

/**
 * A Factory session as the gateway holds it: upstream words verbatim. Its times are formatted on
 * first read and kept: a page's records are shared by the requests that waited for it, and a list
 * selects only some of its three times.
 */
export class FactorySessionRecord implements SessionRecord {
  readonly kind = 'FACTORY';
  readonly sourceId: string;
  readonly title: string | null;
  readonly upstreamStatus: string;
  readonly messageCount: number;
  /** Epoch microseconds of `createdAt`, the merged feed's ordering axis. */
  readonly createdAtMicros: number;
  /** `updatedAt` in epoch ms, as Factory sends it (live polling dates state changes with it). */
  readonly updatedAtMs: number;
  readonly computerId: string | null;
  readonly settings: FactorySessionSettingsPayload | null;
  /** Tag names of `sessionSettings.tags`. */
  readonly tags: readonly string[];
  /** `sessionSettings.model`. */
  readonly model: string | null;
  /** `sessionSettings.tokenUsage`. */
  readonly tokenUsage: TokenUsageShape | null;
  private created: string | null = null;
  private updated: string | null = null;
  private finished: string | null = null;

  constructor(private readonly payload: FactorySessionPayload) {
    this.sourceId = payload.sessionId;
    this.title = payload.title ?? null;
    this.upstreamStatus = payload.status;
    this.messageCount = payload.messageCount;
    this.createdAtMicros = payload.createdAt * 1000;
    this.updatedAtMs = payload.updatedAt;
    this.computerId = payload.computerId ?? null;
    this.settings = payload.sessionSettings ?? null;
    this.tags = payload.sessionSettings?.tags?.map((tag) => tag.name) ?? [];
    this.model = payload.sessionSettings?.model ?? null;
    this.tokenUsage = payload.sessionSettings?.tokenUsage ?? null;
  }

  get createdAt(): string {
    this.created ??= epochMsToText(this.payload.createdAt);
    return this.created;
  }

  get updatedAt(): string {
    this.updated ??= epochMsToText(this.payload.updatedAt);
    return this.updated;
  }

  /** `completedAt`. */
  get finishedAt(): string | null {
    const completedAt = this.payload.completedAt;
    if (completedAt == null) return null;
    this.finished ??= epochMsToText(completedAt);
    return this.finished;
  }
}

/** Maps a validated Factory payload to the gateway's record. */
export function toFactorySession(payload: FactorySessionPayload): FactorySessionRecord {
  return new FactorySessionRecord(payload);
}

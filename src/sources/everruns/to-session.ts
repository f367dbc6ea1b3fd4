import type { SessionRecord, TokenUsageShape } from '../session.js';
import { rfc3339ToMicros, toUtcText } from '../time.js';
import type { EverrunsCapabilityPayload, EverrunsSessionPayload } from './payload.js';

/** An Everruns session as the gateway holds it: times as UTC RFC 3339 text at upstream precision. */
export interface EverrunsSessionRecord extends SessionRecord {
  readonly kind: 'EVERRUNS';
  readonly sourceId: string;
  readonly organizationId: string;
  readonly agentId: string;
  readonly upstreamStatus: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Epoch microseconds of `createdAt`, the merged feed's ordering axis. */
  readonly createdAtMicros: number;
  readonly title: string | null;
  readonly preview: string | null;
  readonly outputPreview: string | null;
  readonly modelId: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly tags: readonly string[];
  readonly capabilities: readonly EverrunsCapabilityPayload[];
  /** `model_id`, again under the interface's name. */
  readonly model: string | null;
  /** `usage` with the interface's names (the only copy the record keeps). */
  readonly tokenUsage: TokenUsageShape | null;
}

function optionalTime(text: string | null | undefined): string | null {
  return text == null ? null : toUtcText(text);
}

/** Maps a validated Everruns payload to the gateway's record. */
export function toEverrunsSession(payload: EverrunsSessionPayload): EverrunsSessionRecord {
  return {
    kind: 'EVERRUNS',
    sourceId: payload.id,
    organizationId: payload.organization_id,
    agentId: payload.agent_id,
    upstreamStatus: payload.status,
    createdAt: toUtcText(payload.created_at),
    updatedAt: toUtcText(payload.updated_at),
    createdAtMicros: rfc3339ToMicros(payload.created_at),
    title: payload.title ?? null,
    preview: payload.preview ?? null,
    outputPreview: payload.output_preview ?? null,
    modelId: payload.model_id ?? null,
    startedAt: optionalTime(payload.started_at),
    finishedAt: optionalTime(payload.finished_at),
    tags: payload.tags ?? [],
    capabilities: payload.capabilities ?? [],
    model: payload.model_id ?? null,
    tokenUsage: payload.usage
      ? {
          inputTokens: payload.usage.input_tokens,
          outputTokens: payload.usage.output_tokens,
          cacheReadTokens: payload.usage.cache_read_tokens,
          cacheCreationTokens: payload.usage.cache_creation_tokens,
        }
      : null,
  };
}

import { z } from 'zod';
import { isRfc3339 } from '../time.js';

/**
 * zod schemas of Everruns API v1 answers (../shared/upstream/everruns-v1-sessions.openapi.json).
 * The server omits unset optional fields; `null` is accepted too. Unknown fields are
 * accepted and dropped (src/sources/parse.ts), and unknown status words kept, so newer
 * servers are served, not rejected.
 * As in ../factory/payload.ts, the schemas parsed on every answer are `z.compile`d.
 */

const timestamp = z.string().refine(isRfc3339, 'expected an RFC 3339 date-time');
const optionalTimestamp = timestamp.nullish();
const optionalString = z.string().nullish();
const optionalNumber = z.number().nullish();

export const everrunsUsagePayload = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_read_tokens: optionalNumber,
  cache_creation_tokens: optionalNumber,
});

export const everrunsCapabilityPayload = z.object({
  ref: z.string(),
  config: z.unknown().optional(),
});
export type EverrunsCapabilityPayload = z.output<typeof everrunsCapabilityPayload>;

export const everrunsSessionPayload = z.compile(
  z.object({
    id: z.string().min(1),
    organization_id: z.string(),
    agent_id: z.string(),
    status: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
    title: optionalString,
    preview: optionalString,
    output_preview: optionalString,
    model_id: optionalString,
    started_at: optionalTimestamp,
    finished_at: optionalTimestamp,
    tags: z.array(z.string()).nullish(),
    capabilities: z.array(everrunsCapabilityPayload).nullish(),
    usage: everrunsUsagePayload.nullish(),
  }),
);
export type EverrunsSessionPayload = z.output<typeof everrunsSessionPayload>;

/** The list envelope; items are checked one by one so one bad item cannot sink the page. */
export const everrunsSessionListPayload = z.compile(
  z.object({
    data: z.array(z.unknown()),
    total: z.number().int().min(0),
    offset: z.number().int().min(0),
    limit: z.number().int().min(0),
  }),
);

export const everrunsCancelPayload = z.compile(
  z.object({
    status: z.string(),
    message: z.string().nullish(),
  }),
);

/** A content part: only `type` is checked; the rest is kept, so a new part type is served whole. */
export const everrunsContentPartPayload = z.looseObject({ type: z.string() });
export type EverrunsContentPartPayload = z.output<typeof everrunsContentPartPayload>;

/** A message of `GET /v1/sessions/{id}/messages`, and the answer of `POST` there. */
export const everrunsMessagePayload = z.compile(
  z.object({
    id: z.string().min(1),
    role: z.string(),
    content: z.array(everrunsContentPartPayload),
    created_at: timestamp,
    sequence: z.number().int().nullish(),
  }),
);
export type EverrunsMessagePayload = z.output<typeof everrunsMessagePayload>;

/** The message list envelope (not paginated); items are checked one by one. */
export const everrunsMessageListPayload = z.compile(
  z.object({
    data: z.array(z.unknown()),
  }),
);

/** An event of `GET .../events` and of the `/sse` stream's `data:` lines; `data` is read per type. */
export const everrunsEventPayload = z.compile(
  z.object({
    id: z.string().min(1).max(256),
    type: z.string().min(1).max(256),
    ts: timestamp,
    // Any JSON: typed reads take what they know from an object; an unknown type serves it as sent.
    data: z.unknown(),
  }),
);
export type EverrunsEventPayload = z.output<typeof everrunsEventPayload>;

/** The events list envelope; items are checked one by one. */
export const everrunsEventListPayload = z.compile(z.object({ data: z.array(z.unknown()) }));

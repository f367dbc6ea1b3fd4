import { z } from 'zod';

/**
 * zod schemas of Factory Public API v0 answers (../shared/upstream/factory-v0-sessions.openapi.yaml),
 * parsed with `safeParse` (../parse.ts). The schemas parsed on every answer are `z.compile`d
 * (zod's documented ahead-of-time compilation: same results and issues, less work per parse);
 * test/payload.test.ts checks each one compiles.
 * Unknown fields are accepted and dropped (src/sources/parse.ts); enum-like words are
 * kept as plain strings so a new status or setting value is served rather than failing the
 * item. Optional fields also accept `null`, which the document does not promise but servers
 * send.
 */

const optionalString = z.string().nullish();
const optionalNumber = z.number().nullish();
/**
 * Values the gateway serves as a GraphQL type are checked for that type's range here: one that
 * passed as any number would fail only when serialised, where it nulls its whole list (the
 * fields are non-null; in the merged feed, the other source's sessions too) with an uncoded
 * error. Out of range here, the item is left out with `UPSTREAM_INVALID_ITEM` and the rest served.
 */
/** Unix milliseconds a `DateTime` can show: the range of JavaScript's Date (±10^8 days). */
const epochMs = z.number().min(-8.64e15).max(8.64e15);
/** A GraphQL `Int`: 32 bits, signed. */
const graphqlInt = z
  .number()
  .int()
  .min(-(2 ** 31))
  .max(2 ** 31 - 1);

export const factoryTokenUsagePayload = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheCreationTokens: optionalNumber,
  cacheReadTokens: optionalNumber,
  thinkingTokens: optionalNumber,
  factoryCredits: optionalNumber,
});
export type FactoryTokenUsagePayload = z.output<typeof factoryTokenUsagePayload>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringMap(value: unknown): value is Record<string, string> {
  if (!isRecord(value)) return false;
  // for-in rather than Object.values: no array per tag (JSON objects inherit no enumerable keys).
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

/**
 * A JSON object of strings, checked by one predicate: `z.record(z.string(), z.string())` runs a
 * key and a value schema per entry and was the costliest node of a page. The check is the
 * same; only the issue path stops at `metadata`.
 */
const stringMap = z.custom<Record<string, string>>(isStringMap, 'expected an object of strings');

export const factoryTagPayload = z.object({
  name: z.string(),
  metadata: stringMap.nullish(),
});
export type FactoryTagPayload = z.output<typeof factoryTagPayload>;

export const factorySessionSettingsPayload = z.object({
  model: optionalString,
  reasoningEffort: optionalString,
  interactionMode: optionalString,
  autonomyLevel: optionalString,
  autonomyMode: optionalString,
  specModeModel: optionalString,
  specModeReasoningEffort: optionalString,
  providerLock: optionalString,
  providerLockTimestamp: optionalString,
  apiProviderLock: optionalString,
  assistantActiveTimeMs: optionalNumber,
  tokenUsage: factoryTokenUsagePayload.nullish(),
  inclusiveTokenUsage: factoryTokenUsagePayload.nullish(),
  childInclusiveTokenUsageBySessionId: z.record(z.string(), factoryTokenUsagePayload).nullish(),
  archivedAt: optionalString,
  tags: z.array(factoryTagPayload).nullish(),
  enabledToolIds: z.array(z.string()).nullish(),
  disabledToolIds: z.array(z.string()).nullish(),
});
export type FactorySessionSettingsPayload = z.output<typeof factorySessionSettingsPayload>;

export const factorySessionPayload = z.compile(
  z.object({
    sessionId: z.string().min(1),
    status: z.string(),
    messageCount: graphqlInt,
    createdAt: epochMs,
    updatedAt: epochMs,
    title: optionalString,
    completedAt: epochMs.nullish(),
    computerId: optionalString,
    sessionSettings: factorySessionSettingsPayload.nullish(),
  }),
);
export type FactorySessionPayload = z.output<typeof factorySessionPayload>;

/** The list envelope; items are checked one by one so one bad item cannot sink the page. */
export const factorySessionListPayload = z.compile(
  z.object({
    sessions: z.array(z.unknown()),
    pagination: z.object({
      hasMore: z.boolean(),
      nextCursor: z.string().nullable(),
    }),
  }),
);

/** A content part: only `type` is checked; the rest is kept, so a new part type is served whole. */
export const factoryContentPartPayload = z.looseObject({ type: z.string() });
export type FactoryContentPartPayload = z.output<typeof factoryContentPartPayload>;

/** A message of `GET /api/v0/sessions/{id}/messages` (and of the one-message GET). */
export const factoryMessagePayload = z.compile(
  z.object({
    id: z.string().min(1),
    role: z.string(),
    content: z.array(factoryContentPartPayload),
    createdAt: epochMs,
    parentId: optionalString,
    isError: z.boolean().nullish(),
  }),
);
export type FactoryMessagePayload = z.output<typeof factoryMessagePayload>;

/** The message list envelope; items are checked one by one, as sessions are. */
export const factoryMessageListPayload = z.compile(
  z.object({
    messages: z.array(z.unknown()),
    pagination: z.object({
      hasMore: z.boolean(),
      nextCursor: z.string().nullable(),
    }),
  }),
);

/** `POST /api/v0/sessions/{id}/messages` answers the new message's id and the agent's status. */
export const factorySentMessagePayload = z.compile(
  z.object({
    messageId: z.string().min(1),
    status: optionalString,
  }),
);

/** `POST /api/v0/sessions/{id}/interrupt`: the documented body shows no fields, so all are optional. */
export const factoryInterruptPayload = z.compile(
  z.object({
    status: optionalString,
  }),
);

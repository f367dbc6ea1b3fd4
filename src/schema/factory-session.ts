import { z } from 'zod';
import { sourceOf } from '../context.js';
import { type CursorCodec, scopeDigest } from '../cursor.js';
import { factoryLister, factorySource, useFactory } from '../sources/factory/module.js';
import { type FactoryPosition, readFactory } from '../sources/factory/pager.js';
import type {
  FactorySessionSettingsPayload,
  FactoryTagPayload,
  FactoryTokenUsagePayload,
} from '../sources/factory/payload.js';
import type { FactorySessionRecord } from '../sources/factory/to-session.js';
import { builder } from './builder.js';
import { badInput, mutationErrors, notFoundAs, rejectedFieldAs, validateInput } from './errors.js';
import { decodeGlobalId, loadByGlobalId, nodeId, sessionEntityKey } from './node.js';
import { CURSOR_ID, CURSOR_SCOPE, CURSOR_TIME, decodeCursor, lazyConnection, pageSize } from './paging.js';
import { Session, TokenUsage } from './session.js';
import { sourceRequest } from './source-request.js';

interface MetadataEntry {
  readonly key: string;
  readonly value: string;
}

interface ChildUsage {
  readonly sessionId: string;
  readonly usage: FactoryTokenUsagePayload;
}

const FactoryTagMetadataEntry = builder.objectRef<MetadataEntry>('FactoryTagMetadataEntry').implement({
  description: 'One key/value pair of a Factory tag’s metadata.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Metadata key.' }),
    value: t.exposeString('value', { description: 'Metadata value.' }),
  }),
});

const FactoryTag = builder.objectRef<FactoryTagPayload>('FactoryTag').implement({
  description: 'A tag on a Factory session, with optional string metadata.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Tag name.' }),
    metadata: t.field({
      type: [FactoryTagMetadataEntry],
      description: 'Metadata entries (empty when the tag has none).',
      resolve: (tag) => Object.entries(tag.metadata ?? {}).map(([key, value]) => ({ key, value })),
    }),
  }),
});

const FactoryChildTokenUsage = builder.objectRef<ChildUsage>('FactoryChildTokenUsage').implement({
  description: 'Token usage of a child session, inclusive of its own children.',
  fields: (t) => ({
    sessionId: t.exposeString('sessionId', { description: 'Factory id of the child session.' }),
    usage: t.field({ type: TokenUsage, description: 'Its token usage.', resolve: (c) => c.usage }),
  }),
});

const FactorySessionSettings = builder.objectRef<FactorySessionSettingsPayload>('FactorySessionSettings').implement({
  description:
    'Factory `sessionSettings`. Enum-like values are served as the strings Factory sends, so a new value never nulls the field.',
  fields: (t) => {
    const text = (
      name: keyof FactorySessionSettingsPayload & string,
      description: string,
      deprecationReason?: string,
    ) =>
      t.string({
        nullable: true,
        description,
        ...(deprecationReason ? { deprecationReason } : {}),
        resolve: (s) => {
          const value = s[name];
          return typeof value === 'string' ? value : null;
        },
      });
    return {
      model: text('model', 'Model id.'),
      reasoningEffort: text('reasoningEffort', 'none, dynamic, off, minimal, low, medium, high, xhigh or max.'),
      interactionMode: text('interactionMode', 'auto, spec or agi.'),
      autonomyLevel: text('autonomyLevel', 'off, low, medium or high.'),
      autonomyMode: text(
        'autonomyMode',
        'Legacy autonomy mode.',
        'Factory deprecated it: use interactionMode and autonomyLevel.',
      ),
      specModeModel: text('specModeModel', 'Model used in spec mode.'),
      specModeReasoningEffort: text('specModeReasoningEffort', 'Reasoning effort in spec mode.'),
      providerLock: text('providerLock', 'Provider the session is locked to.'),
      providerLockTimestamp: text('providerLockTimestamp', 'When the provider lock was set, as Factory sends it.'),
      apiProviderLock: text('apiProviderLock', 'API provider the session is locked to.'),
      archivedAt: text('archivedAt', 'When the session was archived, as Factory sends it.'),
      assistantActiveTimeMs: t.float({
        nullable: true,
        description: 'Milliseconds the assistant was active.',
        resolve: (s) => s.assistantActiveTimeMs ?? null,
      }),
      tokenUsage: t.field({
        type: TokenUsage,
        nullable: true,
        description: 'Token usage of this session.',
        resolve: (s) => s.tokenUsage ?? null,
      }),
      inclusiveTokenUsage: t.field({
        type: TokenUsage,
        nullable: true,
        description: 'Token usage including child sessions.',
        resolve: (s) => s.inclusiveTokenUsage ?? null,
      }),
      childInclusiveTokenUsage: t.field({
        type: [FactoryChildTokenUsage],
        description: 'Inclusive token usage per child session (`childInclusiveTokenUsageBySessionId`).',
        resolve: (s) =>
          Object.entries(s.childInclusiveTokenUsageBySessionId ?? {}).map(([sessionId, usage]) => ({
            sessionId,
            usage,
          })),
      }),
      tags: t.field({ type: [FactoryTag], description: 'Tags.', resolve: (s) => s.tags ?? [] }),
      enabledToolIds: t.stringList({
        description: 'Tools enabled for the session.',
        resolve: (s) => s.enabledToolIds ?? [],
      }),
      disabledToolIds: t.stringList({
        description: 'Tools disabled for the session.',
        resolve: (s) => s.disabledToolIds ?? [],
      }),
    };
  },
});

export const FactorySession = builder.objectRef<FactorySessionRecord>('FactorySession');

builder.objectType(FactorySession, {
  description: 'A Factory agent session (Factory Public API v0).',
  interfaces: [builder.nodeInterfaceRef(), Session],
  isTypeOf: isFactorySession,
  fields: (t) => ({
    id: t.id(nodeId('FactorySession', (s) => s.sourceId)),
    computerId: t.exposeString('computerId', { nullable: true, description: 'The computer the session runs on.' }),
    messageCount: t.exposeInt('messageCount', { description: 'Messages in the session.' }),
    settings: t.field({
      type: FactorySessionSettings,
      nullable: true,
      description: 'Factory `sessionSettings`.',
      resolve: (s) => s.settings,
    }),
    // Not `tags`: that is `[String!]!` on Session, and one name with two types would force aliases.
    tagDetails: t.field({
      type: [FactoryTag],
      description: 'Tags with their metadata (`sessionSettings.tags`); `tags` has the names.',
      resolve: (s) => s.settings?.tags ?? [],
    }),
    archivedAt: t.string({
      nullable: true,
      description: 'When the session was archived (`sessionSettings.archivedAt`, as Factory sends it).',
      resolve: (s) => s.settings?.archivedAt ?? null,
    }),
  }),
});

/** Whether a value is a Factory session record. */
function isFactorySession(value: unknown): value is FactorySessionRecord {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === factorySource.name;
}

builder.asEntity(FactorySession, {
  key: sessionEntityKey,
  resolveReference: async (reference, context) => {
    const session = await loadByGlobalId(context, reference.id, factorySource.typename);
    return isFactorySession(session) ? session : null;
  },
});

export const FactorySessionConnection = builder.connectionObject(
  { type: FactorySession, name: 'FactorySessionConnection', description: 'A page of Factory sessions, newest first.' },
  { name: 'FactorySessionEdge', description: 'A Factory session and its cursor.' },
);

/** factorySessions: the upstream cursor of the item's page, items consumed of it, the item's key, the computerId's digest. */
const factoryCursor = z.tuple([
  z.string().max(4096).nullable(),
  z.number().int().min(0).max(1000),
  CURSOR_TIME,
  CURSOR_ID,
  CURSOR_SCOPE,
]);

function cursorOf(codec: CursorCodec, position: FactoryPosition, scope: string | null): string {
  return codec.encode('factorySessions', [
    position.cursor,
    position.consumed,
    position.key.micros,
    position.key.id,
    scope,
  ]);
}

builder.queryField('factorySessions', (t) =>
  t.field({
    type: FactorySessionConnection,
    nullable: true,
    description:
      'Factory sessions, newest first. Factory pages forward only (`first`/`after`). Null, with a coded error, when Factory fails.',
    args: {
      first: t.arg.int({ description: 'Page size, 1-100 (default 20).' }),
      after: t.arg.string({ description: 'Cursor to continue after.' }),
      computerId: t.arg.string({ description: 'Only sessions on this Factory computer.' }),
    },
    resolve: async (_root, args, context, info) => {
      const first = pageSize(args.first, 'first');
      const computerId = args.computerId ?? null;
      // The same check as the feed's `filter.computerId`.
      const problem = computerId === null ? null : factorySource.feed.filterField?.check(computerId);
      if (problem) throw badInput(`"computerId" ${problem}`, 'computerId');
      const scope = computerId === null ? null : scopeDigest([computerId]);
      const after = args.after
        ? decodeCursor(context.cursors, 'factorySessions', factoryCursor, args.after, 'after')
        : null;
      if (after && after[4] !== scope) {
        throw badInput(
          'This cursor was issued for a different computerId: page with the same computerId, or start without "after".',
          'after',
        );
      }
      const start = after ? { cursor: after[0], consumed: after[1], key: { micros: after[2], id: after[3] } } : null;
      const read = await readFactory(
        factoryLister(sourceRequest(context, factorySource.name, info)),
        start,
        first,
        computerId,
      );
      return lazyConnection(
        read.items,
        (item) => item.session,
        (item) => cursorOf(context.cursors, item.position, scope),
        read.hasMore,
        after !== null,
      );
    },
  }),
);

// ---- Mutations -------------------------------------------------------------------------------

/** A GraphQL enum over Factory's words: names are the words upper-cased, `-` as `_`. */
function factoryEnum(name: string, description: string, words: readonly string[], deprecated: readonly string[] = []) {
  return builder.enumType(name, {
    description,
    values: Object.fromEntries(
      words.map((word) => [
        word.toUpperCase().replaceAll('-', '_'),
        {
          value: word,
          description: `Factory \`${word}\`.`,
          ...(deprecated.includes(word) ? { deprecationReason: 'Factory deprecated it.' } : {}),
        },
      ]),
    ),
  });
}

const REASONING_EFFORTS = ['none', 'dynamic', 'off', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const FactoryReasoningEffort = factoryEnum('FactoryReasoningEffort', 'How hard the model reasons.', REASONING_EFFORTS);
const FactoryInteractionMode = factoryEnum('FactoryInteractionMode', 'How the session works with you.', [
  'auto',
  'spec',
  'agi',
]);
const FactoryAutonomyLevel = factoryEnum('FactoryAutonomyLevel', 'How much the agent may do unasked.', [
  'off',
  'low',
  'medium',
  'high',
]);
const FactoryAutonomyMode = factoryEnum(
  'FactoryAutonomyMode',
  'Legacy autonomy mode: use interactionMode and autonomyLevel.',
  ['normal', 'spec', 'auto-low', 'auto-medium', 'auto-high'],
);
const FactoryProvider = factoryEnum('FactoryProvider', 'A model provider to lock the session to.', [
  'anthropic',
  'openai',
  'generic-chat-completion-api',
  'factory',
  'google',
  'xai',
  'voyage',
]);
const FactoryApiProvider = factoryEnum('FactoryApiProvider', 'An API provider to lock the session to.', [
  'bedrock',
  'anthropic',
  'vertex_anthropic',
  'bedrock_anthropic',
  'openai',
  'azure_openai',
  'google',
  'xai',
  'fireworks',
  'baseten',
  'snowflake',
]);

const FactoryTagMetadataInput = builder.inputType('FactoryTagMetadataInput', {
  description: 'One metadata entry of a tag.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'Key, 1-100 characters, distinct within the tag.' }),
    value: t.string({ required: true, description: 'Value, at most 1000 characters.' }),
  }),
});

const FactoryTagInput = builder.inputType('FactoryTagInput', {
  description: 'A tag with optional metadata.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Name, 1-100 characters.' }),
    metadata: t.field({ type: [FactoryTagMetadataInput], required: false, description: 'At most 50 entries.' }),
  }),
});

const FactorySessionSettingsInput = builder.inputType('FactorySessionSettingsInput', {
  description:
    'The settings a creator may set (Factory `sessionSettings`). Usage counters, timestamps and archive state are Factory’s to set.',
  fields: (t) => ({
    model: t.string({ required: false, description: 'Model id, 1-200 characters.' }),
    reasoningEffort: t.field({ type: FactoryReasoningEffort, required: false, description: 'Reasoning effort.' }),
    interactionMode: t.field({ type: FactoryInteractionMode, required: false, description: 'Interaction mode.' }),
    autonomyLevel: t.field({ type: FactoryAutonomyLevel, required: false, description: 'Autonomy level.' }),
    autonomyMode: t.field({
      type: FactoryAutonomyMode,
      required: false,
      description: 'Legacy autonomy mode.',
      deprecationReason: 'Factory deprecated it: use interactionMode and autonomyLevel.',
    }),
    specModeModel: t.string({ required: false, description: 'Model for spec mode, 1-200 characters.' }),
    specModeReasoningEffort: t.field({
      type: FactoryReasoningEffort,
      required: false,
      description: 'Reasoning effort in spec mode.',
    }),
    providerLock: t.field({
      type: FactoryProvider,
      required: false,
      description: 'Lock the session to a model provider.',
    }),
    apiProviderLock: t.field({
      type: FactoryApiProvider,
      required: false,
      description: 'Lock the session to an API provider.',
    }),
    tags: t.field({ type: [FactoryTagInput], required: false, description: 'Tags: at most 50, distinct names.' }),
    enabledToolIds: t.stringList({
      required: false,
      description: 'Tools to enable (at most 200, 1-200 characters each).',
    }),
    disabledToolIds: t.stringList({ required: false, description: 'Tools to disable (none also enabled).' }),
  }),
});

const CreateFactorySessionInput = builder.inputType('CreateFactorySessionInput', {
  description: 'A new Factory session.',
  fields: (t) => ({
    computerId: t.string({ required: true, description: 'The computer to run on, 1-256 characters.' }),
    cwd: t.string({ required: false, description: 'Working directory on the computer, 1-4096 characters.' }),
    settings: t.field({ type: FactorySessionSettingsInput, required: false, description: 'Session settings.' }),
  }),
});

const shortText = (max: number) =>
  z
    .string()
    .trim()
    // Later checks would only repeat the problem of an empty value.
    .min(1, { error: 'must not be empty', abort: true })
    .max(max, `must be at most ${max} characters`);
const toolIds = z.array(shortText(200)).max(200, 'at most 200 tool ids');

const factorySettingsInput = z
  .object({
    model: shortText(200).nullish(),
    reasoningEffort: z.string().nullish(),
    interactionMode: z.string().nullish(),
    autonomyLevel: z.string().nullish(),
    autonomyMode: z.string().nullish(),
    specModeModel: shortText(200).nullish(),
    specModeReasoningEffort: z.string().nullish(),
    providerLock: z.string().nullish(),
    apiProviderLock: z.string().nullish(),
    tags: z
      .array(
        z.object({
          name: shortText(100),
          metadata: z
            .array(z.object({ key: shortText(100), value: z.string().max(1000, 'must be at most 1000 characters') }))
            .max(50, 'at most 50 metadata entries')
            .refine(
              (entries) => new Set(entries.map((e) => e.key)).size === entries.length,
              'metadata keys must be distinct',
            )
            .nullish(),
        }),
      )
      .max(50, 'at most 50 tags')
      .refine((list) => new Set(list.map((tag) => tag.name)).size === list.length, 'tag names must be distinct')
      .nullish(),
    enabledToolIds: toolIds.nullish(),
    disabledToolIds: toolIds.nullish(),
  })
  .refine((s) => !(s.enabledToolIds ?? []).some((id) => (s.disabledToolIds ?? []).includes(id)), {
    message: 'a tool cannot be both enabled and disabled',
    path: ['disabledToolIds'],
  });

const createFactoryInput = z.object({
  computerId: shortText(256).regex(/^\S+$/, 'must not contain spaces'),
  cwd: z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters').nullish(),
  settings: factorySettingsInput.nullish(),
});

/** A global id of a FactorySession, validated and turned into the upstream id. */
const factorySessionGlobalId = z.string().transform((text, ctx) => {
  const decoded = decodeGlobalId(text);
  if (!decoded || decoded.typename !== factorySource.typename || !factorySource.acceptsId(decoded.id)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be the `id` of a FactorySession (a global id, as queries return it)',
    });
    return z.NEVER;
  }
  return decoded.id;
});

const updateFactoryInput = z.object({
  id: factorySessionGlobalId,
  settings: factorySettingsInput.refine(
    (settings) => Object.values(settings).some((value) => value !== null && value !== undefined),
    'give at least one setting to change',
  ),
});

const deleteFactoryInput = z.object({ id: factorySessionGlobalId });

/** Drops absent (null) settings: Factory wants them left out, not null. */
function factorySettingsBody(
  settings: z.output<typeof factorySettingsInput> | null | undefined,
): Record<string, unknown> | undefined {
  if (!settings) return undefined;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === null || value === undefined) continue;
    body[key] =
      key === 'tags' && Array.isArray(value)
        ? settings.tags?.map((tag) => ({
            name: tag.name,
            ...(tag.metadata ? { metadata: Object.fromEntries(tag.metadata.map((e) => [e.key, e.value])) } : {}),
          }))
        : value;
  }
  return body;
}

const CreateFactorySessionPayload = builder
  .objectRef<{ readonly session: FactorySessionRecord }>('CreateFactorySessionPayload')
  .implement({
    description: 'A created Factory session.',
    fields: (t) => ({
      session: t.field({
        type: FactorySession,
        description: 'The session as Factory created it.',
        resolve: (p) => p.session,
      }),
    }),
  });

builder.mutationField('createFactorySession', (t) =>
  t.field({
    type: CreateFactorySessionPayload,
    description:
      'Creates a Factory session (`POST /api/v0/sessions`). Never retried: on a timeout, `outcomeUnknown` is true.',
    errors: mutationErrors(),
    args: { input: t.arg({ type: CreateFactorySessionInput, required: true, description: 'The new session.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(createFactoryInput, args.input);
      const factory = sourceOf(context, factorySource.name);
      const { client, call } = useFactory(factory.access);
      const sessionSettings = factorySettingsBody(input.settings);
      const session = await client
        .createSession(call, {
          computerId: input.computerId,
          ...(input.cwd != null ? { cwd: input.cwd } : {}),
          ...(sessionSettings ? { sessionSettings } : {}),
        })
        .catch(
          rejectedFieldAs({
            computerId: {
              path: ['input', 'computerId'],
              message: 'Factory has no computer with this id (for this key)',
            },
          }),
        );
      factory.sessions.prime(session);
      return { session };
    },
  }),
);

const UpdateFactorySessionInput = builder.inputType('UpdateFactorySessionInput', {
  description: 'Changes to a Factory session’s settings; give at least one.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The session’s global `id`.' }),
    settings: t.field({
      type: FactorySessionSettingsInput,
      required: true,
      description: 'The settings to change; the others stay as they are.',
    }),
  }),
});

const DeleteFactorySessionInput = builder.inputType('DeleteFactorySessionInput', {
  description: 'Names one Factory session.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The session’s global `id`.' }) }),
});

const FactorySessionPayload = builder
  .objectRef<{ readonly session: FactorySessionRecord }>('FactorySessionPayload')
  .implement({
    description: 'A Factory session after a change.',
    fields: (t) => ({
      session: t.field({
        type: FactorySession,
        description: 'The session as Factory now has it.',
        resolve: (p) => p.session,
      }),
    }),
  });

const DeleteFactorySessionPayload = builder
  .objectRef<{ readonly deletedId: string }>('DeleteFactorySessionPayload')
  .implement({
    description: 'A deleted Factory session (Factory soft-deletes: it can restore it for a while).',
    fields: (t) => ({
      deletedId: t.exposeID('deletedId', {
        description: 'Global id of the deleted session; `node` answers null for it now.',
      }),
    }),
  });

builder.mutationFields((t) => ({
  updateFactorySession: t.field({
    type: FactorySessionPayload,
    description:
      'Changes a Factory session’s settings (`PATCH /api/v0/sessions/{id}`). Never retried: on a timeout, `outcomeUnknown` is true.',
    errors: mutationErrors(),
    args: { input: t.arg({ type: UpdateFactorySessionInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(updateFactoryInput, args.input);
      const factory = sourceOf(context, factorySource.name);
      const { client, call } = useFactory(factory.access);
      const session = await client
        .updateSession(call, input.id, { sessionSettings: factorySettingsBody(input.settings) ?? {} })
        .catch(notFoundAs(args.input.id));
      factory.sessions.prime(session);
      return { session };
    },
  }),
  deleteFactorySession: t.field({
    type: DeleteFactorySessionPayload,
    description: 'Deletes a Factory session (`DELETE /api/v0/sessions/{id}`; Factory soft-deletes). Never retried.',
    errors: mutationErrors(),
    args: { input: t.arg({ type: DeleteFactorySessionInput, required: true, description: 'The session.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(deleteFactoryInput, args.input);
      const factory = sourceOf(context, factorySource.name);
      const { client, call } = useFactory(factory.access);
      await client.deleteSession(call, input.id).catch(notFoundAs(args.input.id));
      factory.sessions.forget(input.id);
      factory.messages?.drop(input.id);
      return { deletedId: args.input.id };
    },
  }),
}));

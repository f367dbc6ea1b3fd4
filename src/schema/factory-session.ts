import { z } from 'zod';
import type { GraphQLContext } from '../context.js';
import { type FactoryPosition, readFactory } from '../sources/factory/pager.js';
import type {
  FactorySessionSettingsPayload,
  FactoryTagPayload,
  FactoryTokenUsagePayload,
} from '../sources/factory/payload.js';
import type { FactorySessionRecord } from '../sources/factory/to-session.js';
import { builder } from './builder.js';
import { badInput } from './errors.js';
import { registerFeedSource } from './feed.js';
import { registerNodeType } from './node.js';
import { decodeCursor, encodeCursor, type FactoryCursor, factoryCursor, pageSize } from './paging.js';
import { Session, TokenUsage } from './session.js';

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

builder.node(FactorySession, {
  description: 'A Factory agent session (Factory Public API v0).',
  interfaces: [Session],
  id: { resolve: (s) => s.sourceId },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'FACTORY',
  fields: (t) => ({
    computerId: t.exposeString('computerId', { nullable: true, description: 'The computer the session runs on.' }),
    messageCount: t.exposeInt('messageCount', { description: 'Messages in the session.' }),
    settings: t.field({
      type: FactorySessionSettings,
      nullable: true,
      description: 'Factory `sessionSettings`.',
      resolve: (s) => s.settings,
    }),
    tags: t.field({
      type: [FactoryTag],
      description: 'Tags (from `sessionSettings.tags`).',
      resolve: (s) => s.settings?.tags ?? [],
    }),
    archivedAt: t.string({
      nullable: true,
      description: 'When the session was archived (`sessionSettings.archivedAt`, as Factory sends it).',
      resolve: (s) => s.settings?.archivedAt ?? null,
    }),
  }),
});

export const FactorySessionConnection = builder.connectionObject(
  { type: FactorySession, name: 'FactorySessionConnection', description: 'A page of Factory sessions, newest first.' },
  { name: 'FactorySessionEdge', description: 'A Factory session and its cursor.' },
);

function cursorOf(position: FactoryPosition, computerId: string | null): string {
  const cursor: FactoryCursor = {
    v: 1,
    k: 'f',
    c: position.cursor,
    n: position.consumed,
    t: position.key.micros,
    i: position.key.id,
    q: computerId,
  };
  return encodeCursor(cursor);
}

/** Lists Factory sessions through the request's loader, so the sessions prime it. */
export function factoryLister(context: GraphQLContext) {
  const { client, call } = context.factory.use();
  return (params: Parameters<typeof client.listSessions>[1]) =>
    context.loaders.factorySessions.list(client.listSessions(call, params));
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
    resolve: async (_root, args, context) => {
      const first = pageSize(args.first, 'first');
      const computerId = args.computerId ?? null;
      const after = args.after ? decodeCursor(factoryCursor, args.after, 'after', 'factorySessions') : null;
      if (after && after.q !== computerId) {
        throw badInput(
          'This cursor was issued for a different computerId: page with the same computerId, or start without "after".',
          'after',
        );
      }
      const start = after ? { cursor: after.c, consumed: after.n, key: { micros: after.t, id: after.i } } : null;
      const read = await readFactory(factoryLister(context), start, first, computerId);
      const edges = read.items.map((item) => ({ cursor: cursorOf(item.position, computerId), node: item.session }));
      return {
        edges,
        pageInfo: {
          hasNextPage: read.hasMore,
          hasPreviousPage: after !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
        },
      };
    },
  }),
);

registerNodeType('FactorySession', {
  accepts: (id) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(id),
  shape: 'letters, digits, `-`, `_` or `.`, at most 128',
  load: (context, id) => context.loaders.factorySessions.load(id),
});

const factoryFeedPosition = z.object({
  c: z.string().max(4096).nullable(),
  n: z.number().int().min(0).max(1000),
  t: z.number().int().nonnegative(),
  i: z.string().min(1).max(256),
});

registerFeedSource<FactoryPosition>({
  source: 'FACTORY',
  // Everruns' agentId cannot match a Factory session.
  admits: (filter) => filter.sources.has('FACTORY') && filter.agentId === null,
  stream: (context, filter) => {
    const list = factoryLister(context);
    return { source: 'FACTORY', read: (from, count) => readFactory(list, from, count, filter.computerId) };
  },
  encode: (position) => ({ c: position.cursor, n: position.consumed, t: position.key.micros, i: position.key.id }),
  decode: (json) => {
    const parsed = factoryFeedPosition.safeParse(json);
    if (!parsed.success) return null;
    const { c, n, t, i } = parsed.data;
    return { cursor: c, consumed: n, key: { micros: t, id: i } };
  },
});

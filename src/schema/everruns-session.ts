import { z } from 'zod';
import type { GraphQLContext } from '../context.js';
import { EVERRUNS_SESSION_ID } from '../sources/everruns/client.js';
import { type EverrunsPosition, readEverrunsBackward, readEverrunsForward } from '../sources/everruns/pager.js';
import type { EverrunsCapabilityPayload } from '../sources/everruns/payload.js';
import type { EverrunsSessionRecord } from '../sources/everruns/to-session.js';
import { builder } from './builder.js';
import { badInput } from './errors.js';
import { registerFeedSource } from './feed.js';
import { registerNodeType } from './node.js';
import { decodeCursor, type EverrunsCursor, encodeCursor, everrunsCursor, pageSize } from './paging.js';
import { Session, TokenUsage } from './session.js';

const EverrunsCapability = builder.objectRef<EverrunsCapabilityPayload>('EverrunsCapability').implement({
  description: 'A session-level capability (added to the agent’s own).',
  fields: (t) => ({
    ref: t.exposeString('ref', { description: 'Capability id.' }),
    config: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Capability-specific configuration, as Everruns sends it.',
      resolve: (c) => c.config ?? null,
    }),
  }),
});

export const EverrunsSession = builder.objectRef<EverrunsSessionRecord>('EverrunsSession');

builder.node(EverrunsSession, {
  description: 'An Everruns agent session (Everruns API v1).',
  interfaces: [Session],
  id: { resolve: (s) => s.sourceId },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'EVERRUNS',
  fields: (t) => ({
    organizationId: t.exposeString('organizationId', { description: 'Organisation (`org_` + 32 hex).' }),
    agentId: t.exposeString('agentId', { description: 'Agent working in the session (`agent_` + 32 hex).' }),
    modelId: t.exposeString('modelId', {
      nullable: true,
      description: 'Model override (`model_` + 32 hex), when set.',
    }),
    preview: t.exposeString('preview', { nullable: true, description: 'First user message, truncated.' }),
    outputPreview: t.exposeString('outputPreview', { nullable: true, description: 'Last assistant reply, truncated.' }),
    startedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the session started executing.',
      resolve: (s) => s.startedAt,
    }),
    tags: t.stringList({ description: 'Tags (empty when none).', resolve: (s) => s.tags }),
    capabilities: t.field({
      type: [EverrunsCapability],
      description: 'Session-level capabilities (empty when none).',
      resolve: (s) => s.capabilities,
    }),
    usage: t.field({
      type: TokenUsage,
      nullable: true,
      description: 'Cumulative token usage (the same counts as `tokenUsage`).',
      resolve: (s) =>
        s.usage && {
          inputTokens: s.usage.input_tokens,
          outputTokens: s.usage.output_tokens,
          cacheReadTokens: s.usage.cache_read_tokens,
          cacheCreationTokens: s.usage.cache_creation_tokens,
        },
    }),
  }),
});

interface EverrunsConnectionShape {
  readonly totalCount: number;
}

export const EverrunsSessionConnection = builder.connectionObject<typeof EverrunsSession, EverrunsConnectionShape>(
  {
    type: EverrunsSession,
    name: 'EverrunsSessionConnection',
    description: 'A page of Everruns sessions, newest first.',
    fields: (t) => ({
      totalCount: t.int({
        description: 'Sessions in the whole list (with the agentId filter), as Everruns counts them at this call.',
        resolve: (parent) => parent.totalCount,
      }),
    }),
  },
  { name: 'EverrunsSessionEdge', description: 'An Everruns session and its cursor.' },
);

function cursorOf(position: EverrunsPosition, agentId: string | null): string {
  const cursor: EverrunsCursor = {
    v: 1,
    k: 'e',
    o: position.offset,
    t: position.key.micros,
    i: position.key.id,
    a: agentId,
  };
  return encodeCursor(cursor);
}

/** Lists Everruns sessions through the request's loader, so the sessions prime it. */
export function everrunsLister(context: GraphQLContext) {
  const { client, call } = context.everruns.use();
  return (params: Parameters<typeof client.listSessions>[1]) =>
    context.loaders.everrunsSessions.list(client.listSessions(call, params));
}

function positionOf(cursor: EverrunsCursor, agentId: string | null, argument: string): EverrunsPosition {
  if (cursor.a !== agentId) {
    throw badInput(
      `This cursor was issued for a different agentId: page with the same agentId, or start without "${argument}".`,
      argument,
    );
  }
  return { offset: cursor.o, key: { micros: cursor.t, id: cursor.i } };
}

builder.queryField('everrunsSessions', (t) =>
  t.field({
    type: EverrunsSessionConnection,
    nullable: true,
    description:
      'Everruns sessions, newest first, with `totalCount`. Pages forward (`first`/`after`) or backward (`last`/`before`). Null, with a coded error, when Everruns fails.',
    args: {
      first: t.arg.int({ description: 'Page size forward, 1-100 (default 20).' }),
      after: t.arg.string({ description: 'Cursor to continue after.' }),
      last: t.arg.int({ description: 'Page size backward, 1-100.' }),
      before: t.arg.string({ description: 'Cursor to continue before.' }),
      agentId: t.arg.id({ description: 'Only sessions of this agent (`agent_` + 32 hex).' }),
    },
    resolve: async (_root, args, context) => {
      const agentId = args.agentId ?? null;
      if (agentId !== null && !/^agent_[0-9a-f]{32}$/.test(agentId)) {
        throw badInput('"agentId" must be `agent_` followed by 32 lowercase hex digits.', 'agentId');
      }
      const backward = args.last != null || args.before != null;
      if (backward && (args.first != null || args.after != null)) {
        throw badInput(
          'Page either forward (first/after) or backward (last/before), not both.',
          args.first != null ? 'first' : 'after',
        );
      }
      const list = everrunsLister(context);
      const read = backward
        ? await readEverrunsBackward(
            list,
            args.before
              ? positionOf(decodeCursor(everrunsCursor, args.before, 'before', 'everrunsSessions'), agentId, 'before')
              : null,
            pageSize(args.last, 'last'),
            agentId,
          )
        : await readEverrunsForward(
            list,
            args.after
              ? positionOf(decodeCursor(everrunsCursor, args.after, 'after', 'everrunsSessions'), agentId, 'after')
              : null,
            pageSize(args.first, 'first'),
            agentId,
          );
      const edges = read.items.map((item) => ({ cursor: cursorOf(item.position, agentId), node: item.session }));
      return {
        totalCount: read.total,
        edges,
        pageInfo: {
          hasNextPage: backward ? read.hasMore : read.hasMore,
          hasPreviousPage: backward ? read.startOffset > 0 : args.after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
        },
      };
    },
  }),
);

registerNodeType('EverrunsSession', {
  accepts: (id) => EVERRUNS_SESSION_ID.test(id),
  shape: '`session_` followed by 32 lowercase hex digits',
  load: (context, id) => context.loaders.everrunsSessions.load(id),
});

const everrunsFeedPosition = z.object({
  o: z.number().int().min(0),
  t: z.number().int().nonnegative(),
  i: z.string().min(1).max(256),
});

registerFeedSource<EverrunsPosition>({
  source: 'EVERRUNS',
  // Factory's computerId cannot match an Everruns session.
  admits: (filter) => filter.sources.has('EVERRUNS') && filter.computerId === null,
  stream: (context, filter) => {
    const list = everrunsLister(context);
    return {
      source: 'EVERRUNS',
      read: (from, count) => readEverrunsForward(list, from, count, filter.agentId),
    };
  },
  encode: (position) => ({ o: position.offset, t: position.key.micros, i: position.key.id }),
  decode: (json) => {
    const parsed = everrunsFeedPosition.safeParse(json);
    if (!parsed.success) return null;
    const { o, t, i } = parsed.data;
    return { offset: o, key: { micros: t, id: i } };
  },
});

import { z } from 'zod';
import type { CursorValue } from '../cursor.js';
import type { SourceName } from '../sources/errors.js';
import { Lane, type LaneState, mergeLanes } from '../sources/merge.js';
import { allSources, sourceNamed } from '../sources/registry.js';
import type { SessionRecord, TokenUsageShape } from '../sources/session.js';
import type { SessionStateName } from '../sources/source-module.js';
import { builder } from './builder.js';
import { badInput, reportPartialFailure } from './errors.js';
import { admits, type FeedFilter, filterDigest, gatewayKeeps } from './feed.js';
import { decodeCursor, lazyConnection, pageSize } from './paging.js';
import {
  countingSources,
  fieldOrigins,
  filterFieldOwners,
  sessionTypeFragments,
  sourceLabels,
  stateWords,
} from './source-docs.js';
import { sourceRequest } from './source-request.js';

export type { TokenUsageShape };

export const SessionSource = builder.enumType('SessionSource', {
  description: 'The upstream platform a session lives on.',
  values: Object.fromEntries(
    allSources().map((source) => [source.name, { value: source.name, description: source.description }]),
  ),
});

export const SessionState = builder.enumType('SessionState', {
  description:
    'The normalised state of a session. `upstreamStatus` keeps the upstream word verbatim; words this gateway does not know map to UNKNOWN.',
  values: {
    PENDING: { description: `Created, no turn has run yet (${stateWords('PENDING')}).` },
    RUNNING: { description: `A turn is running (${stateWords('RUNNING')}).` },
    IDLE: { description: `Waiting for input (${stateWords('IDLE')}).` },
    PAUSED: { description: `Paused (${stateWords('PAUSED')}).` },
    UNKNOWN: { description: 'A status word this gateway does not know; read `upstreamStatus`.' },
  } as const,
});

type State = SessionStateName;

/** The normalised state of a session: its source's table, UNKNOWN for any other word. */
export function stateOf(session: SessionRecord): State {
  const table = sourceNamed(session.kind)?.states ?? {};
  return Object.hasOwn(table, session.upstreamStatus) ? (table[session.upstreamStatus] ?? 'UNKNOWN') : 'UNKNOWN';
}

/** The GraphQL type of a session record: its source's session type. */
function typenameOf(session: SessionRecord): string {
  const source = sourceNamed(session.kind);
  if (!source) throw new Error(`a session of an unregistered source (${session.kind})`);
  return source.typename;
}

export const TokenUsage = builder.objectRef<TokenUsageShape>('TokenUsage').implement({
  description: 'Token counts of a session. Counts are SafeInt: they can pass 2^31.',
  fields: (t) => ({
    // Exposed (no resolver): graphql-jit then reads the property instead of calling a function.
    inputTokens: t.expose('inputTokens', { type: 'SafeInt', description: 'Input (prompt) tokens.' }),
    outputTokens: t.expose('outputTokens', { type: 'SafeInt', description: 'Output (completion) tokens.' }),
    cacheReadTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Tokens read from the prompt cache, when the source reports them.',
      resolve: (u) => u.cacheReadTokens ?? null,
    }),
    cacheCreationTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Tokens written to the prompt cache, when the source reports them.',
      resolve: (u) => u.cacheCreationTokens ?? null,
    }),
    thinkingTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Reasoning tokens (Factory only).',
      resolve: (u) => u.thinkingTokens ?? null,
    }),
    factoryCredits: t.float({
      nullable: true,
      description: 'Factory credits spent (Factory only).',
      resolve: (u) => u.factoryCredits ?? null,
    }),
  }),
});

export const Session = builder.interfaceRef<SessionRecord>('Session').implement({
  description: `An agent session on ${allSources().length === 2 ? 'either' : 'any'} platform. Query ${sessionTypeFragments()} for the rest.`,
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: typenameOf,
  fields: (t) => ({
    source: t.field({ type: SessionSource, description: 'The platform the session lives on.', resolve: (s) => s.kind }),
    sourceId: t.exposeString('sourceId', { description: "The upstream's own id of the session." }),
    title: t.exposeString('title', { nullable: true, description: 'Human-readable title, when the session has one.' }),
    state: t.field({ type: SessionState, description: 'Normalised state.', resolve: stateOf }),
    // Exposed fields read the record's property of the same name: no resolver per item.
    upstreamStatus: t.exposeString('upstreamStatus', {
      description: "The upstream's status word, verbatim (new words show here, never as null).",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the session was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the session last changed.' }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: `When the session finished (${fieldOrigins('finishedAt')}).`,
    }),
    tags: t.exposeStringList('tags', {
      description: `Tag names (${fieldOrigins('tags')}); empty when none.`,
    }),
    model: t.exposeString('model', {
      nullable: true,
      description: `The model (${fieldOrigins('model')}).`,
    }),
    tokenUsage: t.expose('tokenUsage', {
      type: TokenUsage,
      nullable: true,
      description: `Normalised token counts (${fieldOrigins('tokenUsage')}).`,
    }),
  }),
});

const SessionFilter = builder.inputType('SessionFilter', {
  description: `Narrows the merged feed. Fields combine with AND. A field only one source has (${filterFieldOwners()}) limits the feed to that source.`,
  fields: (t) => ({
    sources: t.field({ type: [SessionSource], required: false, description: 'Only these sources (default: all).' }),
    states: t.field({ type: [SessionState], required: false, description: 'Only sessions in these states.' }),
    // Each source's own filter field, in registry order.
    ...Object.fromEntries(
      allSources().flatMap(({ feed: { filterField: field } }) =>
        field
          ? [
              [
                field.name,
                field.type === 'ID'
                  ? t.id({ required: false, description: field.description })
                  : t.string({ required: false, description: field.description }),
              ],
            ]
          : [],
      ),
    ),
    createdAfter: t.field({
      type: 'DateTime',
      required: false,
      description: 'Only sessions created strictly after this instant.',
    }),
    createdBefore: t.field({
      type: 'DateTime',
      required: false,
      description: 'Only sessions created strictly before this instant.',
    }),
  }),
});

interface SessionConnectionShape {
  readonly totalCount: number | null;
  readonly unavailableSources: readonly SourceName[];
}

const counting = countingSources();

export const SessionConnection = builder.connectionObject<typeof Session, SessionConnectionShape>(
  {
    type: Session,
    name: 'SessionConnection',
    description: 'A page of the merged feed of both sources, newest first.',
    fields: (t) => ({
      totalCount: t.int({
        nullable: true,
        description: `Sessions in the whole feed, when it can be exact: only for a feed of ${counting.counted} alone without states/createdAfter/createdBefore (${counting.uncounted}). Null otherwise.`,
        resolve: (parent) => parent.totalCount,
      }),
      unavailableSources: t.field({
        type: [SessionSource],
        description:
          'Sources that failed for this page (each also has an entry in `errors`). Their sessions arrive on later pages once they recover, possibly out of global order.',
        resolve: (parent) => parent.unavailableSources,
      }),
    }),
  },
  { name: 'SessionEdge', description: 'A session of the merged feed and its cursor.' },
);

/** `sessions` cursors: the filter's digest, then per registered source (registry order) null (from the top), true (done) or [position]. */
const mergedCursor = z.tuple(
  [z.string().length(8)],
  z.union([z.null(), z.literal(true), z.tuple([z.custom<CursorValue>()])]),
);

/** The validated filter of the merged feed. */
function feedFilter(input: Readonly<Record<string, unknown>> | null | undefined): FeedFilter {
  const sources = stringList(input?.sources);
  const states = stringList(input?.states);
  if (sources?.length === 0)
    throw badInput('"filter.sources", when given, must name at least one source.', 'filter.sources');
  if (states?.length === 0)
    throw badInput('"filter.states", when given, must name at least one state.', 'filter.states');
  const fields = new Map<string, string>();
  for (const { feed } of allSources()) {
    const field = feed.filterField;
    const value = field ? input?.[field.name] : undefined;
    if (!field || typeof value !== 'string') continue;
    const problem = field.check(value);
    if (problem) throw badInput(`"filter.${field.name}" ${problem}`, `filter.${field.name}`);
    fields.set(field.name, value);
  }
  const createdAfter = dateTimeMicros(input?.createdAfter);
  const createdBefore = dateTimeMicros(input?.createdBefore);
  if (createdAfter !== null && createdBefore !== null && createdAfter >= createdBefore) {
    throw badInput('"filter.createdAfter" must be earlier than "filter.createdBefore".', 'filter.createdAfter');
  }
  return {
    sources: new Set(sources ?? allSources().map((source) => source.name)),
    states: states ? new Set(states) : null,
    fields,
    createdAfter,
    createdBefore,
  };
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : null;
}

function dateTimeMicros(value: unknown): number | null {
  return typeof value === 'object' && value !== null && 'micros' in value && typeof value.micros === 'number'
    ? value.micros
    : null;
}

builder.queryField('sessions', (t) =>
  t.field({
    type: SessionConnection,
    nullable: true,
    description: `Sessions of both sources in one feed, newest first (ties: ${sourceLabels(' before ')}, then each source’s own order). Pages forward. When one source fails, the page holds the others’ sessions, \`unavailableSources\` names it and \`errors\` has its coded error; the cursor keeps its place, so its sessions come once it recovers. Null only when every source failed.`,
    args: {
      first: t.arg.int({ description: 'Page size, 1-100 (default 20).' }),
      after: t.arg.string({ description: 'Cursor to continue after.' }),
      filter: t.arg({ type: SessionFilter, description: 'Narrows the feed.' }),
    },
    resolve: async (_root, args, context, info) => {
      const first = pageSize(args.first, 'first');
      const filter = feedFilter(args.filter);
      const digest = filterDigest(filter);
      const after = args.after ? decodeCursor(context.cursors, 'sessions', mergedCursor, args.after, 'after') : null;
      if (after && after.length !== allSources().length + 1) {
        throw badInput('"after" is not a cursor of sessions: pass a cursor that sessions returned.', 'after');
      }
      if (after && after[0] !== digest) {
        throw badInput(
          'This cursor was issued for a different filter: page with the same filter, or start without "after".',
          'after',
        );
      }
      const keep = gatewayKeeps(filter, stateOf);
      const sources = allSources().filter((source) => admits(source, filter));
      const lanes = sources.map((source) => {
        const saved = after ? after[allSources().indexOf(source) + 1] : null;
        let start: LaneState<unknown> = null;
        if (saved === true) start = 'done';
        else if (saved !== null && saved !== undefined) {
          start = source.feed.decode(saved[0]);
          if (start === null)
            throw badInput('"after" is not a cursor of sessions: pass a cursor that sessions returned.', 'after');
        }
        const request = sourceRequest(context, source.name, info);
        const stream = {
          source: source.name,
          rank: allSources().indexOf(source),
          read: (from: unknown, count: number) => source.feed.read(request, filter, from, count),
        };
        return new Lane(stream, start, { keep, stopAtOrBefore: filter.createdAfter });
      });
      // createdAfter ends a lane inside the upstream's list: its remainder no longer says "more".
      const page = await mergeLanes(lanes, first, keep !== null || filter.createdAfter !== null);
      if (lanes.length > 0 && page.failures.length === lanes.length) {
        for (const failure of page.failures.slice(1)) reportPartialFailure(context, failure, info);
        throw page.failures[0];
      }
      for (const failure of page.failures) reportPartialFailure(context, failure, info);
      const cursorOf = (edge: (typeof page.edges)[number]) => {
        const values: CursorValue[] = [digest];
        for (const source of allSources()) {
          const state = edge.states.get(source.name) ?? null;
          values.push(state === null ? null : state === 'done' ? true : [source.feed.encode(state)]);
        }
        return context.cursors.encode('sessions', values);
      };
      const only = lanes.length === 1 ? lanes[0] : undefined;
      return {
        totalCount: only && keep === null && filter.createdAfter === null ? only.total : null,
        unavailableSources: page.failures.map((failure) => failure.source),
        ...lazyConnection(page.edges, (edge) => edge.session, cursorOf, page.hasNextPage, after !== null),
      };
    },
  }),
);

import { z } from 'zod';
import { type GraphQLContext, sourceOf } from '../context.js';
import { type CursorCodec, scopeDigest } from '../cursor.js';
import { EVERRUNS_SESSION_ID } from '../sources/everruns/client.js';
import { EVERRUNS_AGENT_ID, everrunsLister, everrunsSource, useEverruns } from '../sources/everruns/module.js';
import { type EverrunsPosition, readEverrunsBackward, readEverrunsForward } from '../sources/everruns/pager.js';
import type { EverrunsCapabilityPayload } from '../sources/everruns/payload.js';
import type { EverrunsSessionRecord } from '../sources/everruns/to-session.js';
import { builder } from './builder.js';
import { badInput, mutationErrors, notFoundAs, rejectedFieldAs, validateInput } from './errors.js';
import { decodeGlobalId, loadByGlobalId, nodeId, sessionEntityKey } from './node.js';
import { CURSOR_ID, CURSOR_SCOPE, CURSOR_TIME, decodeCursor, lazyConnection, pageSize } from './paging.js';
import { Session, TokenUsage } from './session.js';
import { sourceRequest } from './source-request.js';

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

builder.objectType(EverrunsSession, {
  description: 'An Everruns agent session (Everruns API v1).',
  interfaces: [builder.nodeInterfaceRef(), Session],
  isTypeOf: isEverrunsSession,
  fields: (t) => ({
    id: t.id(nodeId('EverrunsSession', (s) => s.sourceId)),
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
    capabilities: t.field({
      type: [EverrunsCapability],
      description: 'Session-level capabilities (empty when none).',
      resolve: (s) => s.capabilities,
    }),
    usage: t.field({
      type: TokenUsage,
      nullable: true,
      description: 'Cumulative token usage (the same counts as `tokenUsage`).',
      deprecationReason: 'Use `tokenUsage`: the same counts, on every session type.',
      resolve: (s) => s.tokenUsage,
    }),
  }),
});

/** Whether a value is an Everruns session record. */
function isEverrunsSession(value: unknown): value is EverrunsSessionRecord {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === everrunsSource.name;
}

builder.asEntity(EverrunsSession, {
  key: sessionEntityKey,
  resolveReference: async (reference, context) => {
    const session = await loadByGlobalId(context, reference.id, everrunsSource.typename);
    return isEverrunsSession(session) ? session : null;
  },
});

/** The request's Everruns access and loader. */
function everrunsOf(context: GraphQLContext) {
  return sourceOf(context, everrunsSource.name);
}

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

/** everrunsSessions: the item's offset and key, the agentId's digest. */
const everrunsCursor = z.tuple([z.number().int().min(0), CURSOR_TIME, CURSOR_ID, CURSOR_SCOPE]);

function positionOf(
  codec: CursorCodec,
  text: string,
  scope: string | null,
  argument: 'after' | 'before',
): EverrunsPosition {
  const [offset, micros, id, issuedFor] = decodeCursor(codec, 'everrunsSessions', everrunsCursor, text, argument);
  if (issuedFor !== scope) {
    throw badInput(
      `This cursor was issued for a different agentId: page with the same agentId, or start without "${argument}".`,
      argument,
    );
  }
  return { offset, key: { micros, id } };
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
    resolve: async (_root, args, context, info) => {
      const agentId = args.agentId ?? null;
      if (agentId !== null && !EVERRUNS_AGENT_ID.test(agentId)) {
        throw badInput('"agentId" must be `agent_` followed by 32 lowercase hex digits.', 'agentId');
      }
      const backward = args.last != null || args.before != null;
      if (backward && (args.first != null || args.after != null)) {
        throw badInput(
          'Page either forward (first/after) or backward (last/before), not both.',
          args.first != null ? 'first' : 'after',
        );
      }
      const scope = agentId === null ? null : scopeDigest([agentId]);
      const list = everrunsLister(sourceRequest(context, everrunsSource.name, info));
      const read = backward
        ? await readEverrunsBackward(
            list,
            args.before ? positionOf(context.cursors, args.before, scope, 'before') : null,
            pageSize(args.last, 'last'),
            agentId,
          )
        : await readEverrunsForward(
            list,
            args.after ? positionOf(context.cursors, args.after, scope, 'after') : null,
            pageSize(args.first, 'first'),
            agentId,
          );
      return {
        totalCount: read.total,
        ...lazyConnection(
          read.items,
          (item) => item.session,
          (item) =>
            context.cursors.encode('everrunsSessions', [
              item.position.offset,
              item.position.key.micros,
              item.position.key.id,
              scope,
            ]),
          read.hasMore,
          backward ? read.startOffset > 0 : args.after != null,
        ),
      };
    },
  }),
);

// ---- Mutations -------------------------------------------------------------------------------

const MODEL_ID = /^model_[0-9a-f]{32}$/;

/** A global id of an EverrunsSession, validated and turned into the upstream id. */
const everrunsSessionGlobalId = z.string().transform((text, ctx) => {
  const decoded = decodeGlobalId(text);
  if (!decoded || decoded.typename !== 'EverrunsSession' || !EVERRUNS_SESSION_ID.test(decoded.id)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be the `id` of an EverrunsSession (a global id, as queries return it)',
    });
    return z.NEVER;
  }
  return decoded.id;
});
const title = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');
const tags = z
  .array(z.string().trim().min(1, 'a tag must not be empty').max(100, 'a tag must be at most 100 characters'))
  .max(50, 'at most 50 tags')
  .refine((list) => new Set(list).size === list.length, 'tags must be distinct');

const createEverrunsInput = z.object({
  agentId: z.string().regex(EVERRUNS_AGENT_ID, 'must be `agent_` followed by 32 lowercase hex digits'),
  title: title.nullish(),
  tags: tags.nullish(),
  modelId: z.string().regex(MODEL_ID, 'must be `model_` followed by 32 lowercase hex digits').nullish(),
  capabilities: z
    .array(
      z.object({
        ref: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
        config: z.unknown().optional(),
      }),
    )
    .max(50, 'at most 50 capabilities')
    .nullish(),
});

const updateEverrunsInput = z
  .object({
    id: everrunsSessionGlobalId,
    // null clears the title; absent leaves it.
    title: title.nullable().optional(),
    tags: tags.nullish(),
  })
  .refine((input) => input.title !== undefined || (input.tags !== undefined && input.tags !== null), {
    message: 'give a title (or null to clear it) or tags to change',
    path: ['title'],
  });

const sessionIdInput = z.object({ id: everrunsSessionGlobalId });

const EverrunsCapabilityInput = builder.inputType('EverrunsCapabilityInput', {
  description: 'A session-level capability.',
  fields: (t) => ({
    ref: t.string({ required: true, description: 'Capability id, 1-200 characters.' }),
    config: t.field({ type: 'JSON', required: false, description: 'Capability-specific configuration.' }),
  }),
});

const CreateEverrunsSessionInput = builder.inputType('CreateEverrunsSessionInput', {
  description: 'A new Everruns session.',
  fields: (t) => ({
    agentId: t.id({ required: true, description: 'The agent to run (`agent_` + 32 lowercase hex).' }),
    title: t.string({ required: false, description: 'Title, 1-500 characters.' }),
    tags: t.stringList({ required: false, description: 'Tags: at most 50, distinct, 1-100 characters each.' }),
    modelId: t.id({ required: false, description: 'Model override (`model_` + 32 lowercase hex).' }),
    capabilities: t.field({
      type: [EverrunsCapabilityInput],
      required: false,
      description: 'Session-level capabilities (at most 50), added to the agent’s.',
    }),
  }),
});

const UpdateEverrunsSessionInput = builder.inputType('UpdateEverrunsSessionInput', {
  description: 'Changes to an Everruns session; give at least one of title and tags.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The session’s global `id`.' }),
    title: t.string({ required: false, description: 'New title (1-500 characters), or null to clear it.' }),
    tags: t.stringList({ required: false, description: 'New tags, replacing the old ones.' }),
  }),
});

const EverrunsSessionIdInput = builder.inputType('EverrunsSessionIdInput', {
  description: 'Names one Everruns session.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The session’s global `id`.' }) }),
});

const EverrunsSessionPayload = builder
  .objectRef<{ readonly session: EverrunsSessionRecord }>('EverrunsSessionPayload')
  .implement({
    description: 'An Everruns session after a change.',
    fields: (t) => ({
      session: t.field({
        type: EverrunsSession,
        description: 'The session as Everruns now has it.',
        resolve: (p) => p.session,
      }),
    }),
  });

const DeleteEverrunsSessionPayload = builder
  .objectRef<{ readonly deletedId: string }>('DeleteEverrunsSessionPayload')
  .implement({
    description: 'A deleted Everruns session.',
    fields: (t) => ({
      deletedId: t.exposeID('deletedId', {
        description: 'Global id of the deleted session; `node` answers null for it now.',
      }),
    }),
  });

const CancelOutcome = builder.enumType('CancelOutcome', {
  description: 'What a cancel did.',
  values: {
    CANCELLED: { description: 'A running turn was cancelled.' },
    NO_OP: { description: 'No turn was running; nothing changed.' },
    UNKNOWN: { description: 'Everruns answered a word this gateway does not know; see `upstreamStatus`.' },
  } as const,
});

interface CancelShape {
  readonly sessionId: string;
  readonly status: string;
  readonly message: string | null;
}

const CancelEverrunsSessionPayload = builder.objectRef<CancelShape>('CancelEverrunsSessionPayload').implement({
  description: 'The outcome of cancelling an Everruns session’s running turn.',
  fields: (t) => ({
    outcome: t.field({
      type: CancelOutcome,
      description: 'Whether a turn was cancelled or it was a no-op.',
      resolve: (c) => (c.status === 'cancelled' ? 'CANCELLED' : c.status === 'no_op' ? 'NO_OP' : 'UNKNOWN'),
    }),
    // Named apart from Error.message and UpstreamError.upstreamStatus: union members share a selection.
    cancelStatus: t.exposeString('status', { description: 'Everruns’ word, verbatim (`cancelled`, `no_op`).' }),
    upstreamMessage: t.exposeString('message', { nullable: true, description: 'Everruns’ message.' }),
    session: t.field({
      type: EverrunsSession,
      nullable: true,
      description: 'The session after the cancel (fetched fresh when selected).',
      resolve: async (c, _args, context) => {
        const session = await everrunsOf(context).sessions.load(c.sessionId);
        return isEverrunsSession(session) ? session : null;
      },
    }),
  }),
});

builder.mutationFields((t) => ({
  createEverrunsSession: t.field({
    type: EverrunsSessionPayload,
    description:
      'Creates an Everruns session (`POST /v1/sessions`). Never retried: on a timeout, `outcomeUnknown` is true.',
    errors: mutationErrors(),
    args: { input: t.arg({ type: CreateEverrunsSessionInput, required: true, description: 'The new session.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(createEverrunsInput, args.input);
      const everruns = everrunsOf(context);
      const { client, call } = useEverruns(everruns.access);
      const session = await client
        .createSession(call, {
          agent_id: input.agentId,
          ...(input.title != null ? { title: input.title } : {}),
          ...(input.tags != null ? { tags: input.tags } : {}),
          ...(input.modelId != null ? { model_id: input.modelId } : {}),
          ...(input.capabilities != null ? { capabilities: input.capabilities } : {}),
        })
        .catch(
          rejectedFieldAs({
            agent_id: { path: ['input', 'agentId'], message: 'Everruns has no agent with this id (for this key)' },
          }),
        );
      everruns.sessions.prime(session);
      return { session };
    },
  }),
  updateEverrunsSession: t.field({
    type: EverrunsSessionPayload,
    description: 'Changes an Everruns session’s title or tags (`PATCH /v1/sessions/{id}`).',
    errors: mutationErrors(),
    args: { input: t.arg({ type: UpdateEverrunsSessionInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(updateEverrunsInput, args.input);
      const everruns = everrunsOf(context);
      const { client, call } = useEverruns(everruns.access);
      const session = await client
        .updateSession(call, input.id, {
          ...(input.title !== undefined ? { title: input.title } : {}),
          ...(input.tags != null ? { tags: input.tags } : {}),
        })
        .catch(notFoundAs(args.input.id));
      everruns.sessions.prime(session);
      return { session };
    },
  }),
  deleteEverrunsSession: t.field({
    type: DeleteEverrunsSessionPayload,
    description: 'Deletes an Everruns session (`DELETE /v1/sessions/{id}`).',
    errors: mutationErrors(),
    args: { input: t.arg({ type: EverrunsSessionIdInput, required: true, description: 'The session.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(sessionIdInput, args.input);
      const everruns = everrunsOf(context);
      const { client, call } = useEverruns(everruns.access);
      await client.deleteSession(call, input.id).catch(notFoundAs(args.input.id));
      everruns.sessions.forget(input.id);
      everruns.messages?.drop(input.id);
      return { deletedId: args.input.id };
    },
  }),
  cancelEverrunsSession: t.field({
    type: CancelEverrunsSessionPayload,
    description:
      'Cancels the running turn of an Everruns session, if any (`POST /v1/sessions/{id}/cancel`; idempotent). The Everruns-only form of `interruptSession`.',
    errors: mutationErrors(),
    args: { input: t.arg({ type: EverrunsSessionIdInput, required: true, description: 'The session.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(sessionIdInput, args.input);
      const everruns = everrunsOf(context);
      const { client, call } = useEverruns(everruns.access);
      const result = await client.cancelSession(call, input.id).catch(notFoundAs(args.input.id));
      // The session changed (and its conversation: a cancel adds a message): later reads fetch again.
      everruns.sessions.refresh(input.id);
      everruns.messages?.drop(input.id);
      return { sessionId: input.id, ...result };
    },
  }),
}));

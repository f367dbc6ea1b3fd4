import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { sourceOf } from '../context.js';
import { type CursorCodec, scopeDigest } from '../cursor.js';
import { LiveError } from '../live/hub.js';
import type { LiveBody, LiveEvent, TurnUsage } from '../sources/live.js';
import type { SourceModule } from '../sources/registry.js';
import { builder } from './builder.js';
import { badInput, exposeError } from './errors.js';
import { Message } from './message.js';
import { globalId, parseGlobalId } from './node.js';
import { decodeCursor } from './paging.js';
import { SessionState } from './session.js';

/** An event as its types resolve it: the event and the session it belongs to. */
interface EventShape {
  readonly source: SourceModule;
  /** The session's upstream id. */
  readonly sessionId: string;
  readonly event: LiveEvent;
}

type BodyOf<K extends LiveBody['kind']> = Extract<LiveBody, { kind: K }>;

/** The event's body when it is of kind `K`; the type's `isTypeOf` guarantees it. */
function bodyOf<K extends LiveBody['kind']>(shape: EventShape, kind: K): BodyOf<K> {
  const body = shape.event.body;
  if (!isKind(body, kind)) throw new Error(`a ${body.kind} event resolved as ${kind}`);
  return body;
}

function isKind<K extends LiveBody['kind']>(body: LiveBody, kind: K): body is BodyOf<K> {
  return body.kind === kind;
}

/** `sessionEvents` cursors: the session's digest and where its activity stood after the event. */
const eventCursor = z.tuple([z.string().length(8), z.string().max(512)]);

/** Each event as its types resolve it, made once for all the subscribers of its stream. */
const eventShapes = new WeakMap<LiveEvent, EventShape>();

/** Each event's cursor, per key: an event reaches every subscriber of its shared stream. */
const eventCursors = new WeakMap<CursorCodec, WeakMap<LiveEvent, string>>();

function cursorOf(codec: CursorCodec, shape: EventShape): string {
  let cursors = eventCursors.get(codec);
  if (!cursors) {
    cursors = new WeakMap();
    eventCursors.set(codec, cursors);
  }
  let cursor = cursors.get(shape.event);
  if (cursor === undefined) {
    cursor = codec.encode('sessionEvents', [scopeDigest([shape.source.name, shape.sessionId]), shape.event.position]);
    cursors.set(shape.event, cursor);
  }
  return cursor;
}

export const TurnOutcome = builder.enumType('TurnOutcome', {
  description: 'How a turn ended.',
  values: {
    COMPLETED: { description: 'The agent finished the turn.' },
    FAILED: { description: 'The turn failed; `error` says why.' },
    CANCELLED: { description: 'The turn was interrupted (`interruptSession`).' },
  } as const,
});

const TurnUsageRef = builder.objectRef<TurnUsage>('TurnUsage').implement({
  description: 'Tokens one turn used, as the upstream reported them.',
  fields: (t) => ({
    inputTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Input tokens.',
      resolve: (usage) => usage.inputTokens,
    }),
    outputTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Output tokens.',
      resolve: (usage) => usage.outputTokens,
    }),
  }),
});

export const SessionEvent = builder.interfaceRef<EventShape>('SessionEvent').implement({
  description:
    'One thing that happened in a session, as `sessionEvents` streams it: one event per upstream event, in order.',
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque; pass it as `after` to resume right after this event.',
      resolve: (shape, _args, context) => cursorOf(context.cursors, shape),
    }),
    sessionId: t.id({
      description: 'The global id of the session.',
      resolve: (shape) => globalId(shape.source.typename, shape.sessionId),
    }),
    at: t.field({ type: 'DateTime', description: 'When it happened.', resolve: (shape) => shape.event.at }),
    upstreamType: t.string({
      description:
        'The upstream event type, verbatim (`turn.started`, say); events derived from polling name what they were derived from.',
      resolve: (shape) => shape.event.upstreamType,
    }),
  }),
});

/** `isTypeOf` of the event type that serves bodies of `kind`. */
function eventOf(kind: LiveBody['kind']) {
  return (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null) return false;
    const event: unknown = Reflect.get(value, 'event');
    if (typeof event !== 'object' || event === null) return false;
    const body: unknown = Reflect.get(event, 'body');
    return typeof body === 'object' && body !== null && Reflect.get(body, 'kind') === kind;
  };
}

builder.objectRef<EventShape>('MessageAddedEvent').implement({
  description: 'A message joined the conversation (a user’s, or the agent’s finished reply).',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('MESSAGE_ADDED'),
  fields: (t) => ({
    message: t.field({
      type: Message,
      description: 'The message, as `messages` serves it.',
      resolve: (shape) => bodyOf(shape, 'MESSAGE_ADDED').message,
    }),
  }),
});

builder.objectRef<EventShape>('MessageDeltaEvent').implement({
  description:
    'A piece of the agent’s reply as it is written. A hint: the `MessageAddedEvent` that follows has the full text, and a resumed stream may not replay deltas.',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('MESSAGE_DELTA'),
  fields: (t) => ({
    turnId: t.string({
      nullable: true,
      description: 'The upstream’s turn id, where it has one.',
      resolve: (shape) => bodyOf(shape, 'MESSAGE_DELTA').turnId,
    }),
    delta: t.string({ description: 'The new text.', resolve: (shape) => bodyOf(shape, 'MESSAGE_DELTA').delta }),
    accumulated: t.string({
      nullable: true,
      description: 'The reply so far, where the upstream sends it.',
      resolve: (shape) => bodyOf(shape, 'MESSAGE_DELTA').accumulated,
    }),
  }),
});

builder.objectRef<EventShape>('TurnStartedEvent').implement({
  description: 'The agent started a turn.',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('TURN_STARTED'),
  fields: (t) => ({
    turnId: t.string({
      nullable: true,
      description: 'The upstream’s turn id, where it has one.',
      resolve: (shape) => bodyOf(shape, 'TURN_STARTED').turnId,
    }),
  }),
});

builder.objectRef<EventShape>('TurnEndedEvent').implement({
  description: 'A turn ended: completed, failed or cancelled.',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('TURN_ENDED'),
  fields: (t) => ({
    turnId: t.string({
      nullable: true,
      description: 'The upstream’s turn id, where it has one.',
      resolve: (shape) => bodyOf(shape, 'TURN_ENDED').turnId,
    }),
    outcome: t.field({
      type: TurnOutcome,
      description: 'How it ended.',
      resolve: (shape) => bodyOf(shape, 'TURN_ENDED').outcome,
    }),
    error: t.string({
      nullable: true,
      description: 'Why it failed or was cancelled, when the upstream says.',
      resolve: (shape) => bodyOf(shape, 'TURN_ENDED').error,
    }),
    usage: t.field({
      type: TurnUsageRef,
      nullable: true,
      description: 'Tokens the turn used, where the upstream reports them.',
      resolve: (shape) => bodyOf(shape, 'TURN_ENDED').usage,
    }),
  }),
});

builder.objectRef<EventShape>('ToolCallStartedEvent').implement({
  description: 'The agent called a tool.',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('TOOL_CALL_STARTED'),
  fields: (t) => ({
    toolCallId: t.string({
      nullable: true,
      description: 'The tool call’s id.',
      resolve: (shape) => bodyOf(shape, 'TOOL_CALL_STARTED').toolCallId,
    }),
    name: t.string({
      nullable: true,
      description: 'The tool’s name.',
      resolve: (shape) => bodyOf(shape, 'TOOL_CALL_STARTED').name,
    }),
    arguments: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The arguments as the upstream sent them.',
      resolve: (shape) => bodyOf(shape, 'TOOL_CALL_STARTED').arguments,
    }),
  }),
});

builder.objectRef<EventShape>('ToolCallCompletedEvent').implement({
  description: 'A tool call finished.',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('TOOL_CALL_COMPLETED'),
  fields: (t) => ({
    toolCallId: t.string({
      nullable: true,
      description: 'The tool call’s id.',
      resolve: (shape) => bodyOf(shape, 'TOOL_CALL_COMPLETED').toolCallId,
    }),
    name: t.string({
      nullable: true,
      description: 'The tool’s name.',
      resolve: (shape) => bodyOf(shape, 'TOOL_CALL_COMPLETED').name,
    }),
    isError: t.boolean({
      description: 'True when the tool failed.',
      resolve: (shape) => bodyOf(shape, 'TOOL_CALL_COMPLETED').isError,
    }),
    result: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The result (or error) as the upstream sent it.',
      resolve: (shape) => bodyOf(shape, 'TOOL_CALL_COMPLETED').result,
    }),
  }),
});

builder.objectRef<EventShape>('SessionStateChangedEvent').implement({
  description: 'The session’s status changed.',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('STATE_CHANGED'),
  fields: (t) => ({
    state: t.field({
      type: SessionState,
      description: 'The normalised state (UNKNOWN for a word this gateway does not know).',
      resolve: (shape) => {
        const word = bodyOf(shape, 'STATE_CHANGED').upstreamStatus;
        const table = shape.source.states;
        return Object.hasOwn(table, word) ? (table[word] ?? 'UNKNOWN') : 'UNKNOWN';
      },
    }),
    upstreamStatus: t.string({
      description: 'The status word, verbatim.',
      resolve: (shape) => bodyOf(shape, 'STATE_CHANGED').upstreamStatus,
    }),
  }),
});

builder.objectRef<EventShape>('OtherEvent').implement({
  description: 'An upstream event of a type this gateway does not map (yet): served with its data, never dropped.',
  interfaces: [SessionEvent],
  isTypeOf: eventOf('OTHER'),
  fields: (t) => ({
    data: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The event’s data as the upstream sent it.',
      resolve: (shape) => bodyOf(shape, 'OTHER').data,
    }),
  }),
});

/** The GraphQL error a live failure ends a subscription with. */
function liveError(error: unknown): GraphQLError {
  if (error instanceof LiveError) return new GraphQLError(error.message, { extensions: { code: error.code } });
  const exposed = exposeError(error);
  if (exposed) return new GraphQLError(exposed.message, { extensions: exposed.extensions });
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

builder.subscriptionType({
  description: 'Live activity, over SSE (`Accept: text/event-stream`) or WebSocket (graphql-ws).',
});

builder.subscriptionField('sessionEvents', (t) =>
  t.field({
    type: SessionEvent,
    description:
      'What a session’s agent does, as it happens: messages, reply deltas, turns, tool calls and state changes, in order, each once. Without `after` it starts live (no history); with `after` (an event’s `cursor`) it replays exactly the events after that one, then goes live. Ends with NOT_FOUND when the session does not exist for your key, SUBSCRIBER_TOO_SLOW when you fall too far behind.',
    args: {
      sessionId: t.arg.id({ required: true, description: 'The global id of a session.' }),
      after: t.arg.string({ description: 'Resume right after this event’s `cursor`.' }),
      deltas: t.arg.boolean({
        defaultValue: true,
        description: 'Whether to receive `MessageDeltaEvent`s (where the upstream streams replies piece by piece).',
      }),
    },
    subscribe: async (_root, args, context) => {
      const { source, id } = parseGlobalId(args.sessionId, 'sessionId');
      const live = source.live;
      if (!live) {
        throw new GraphQLError(`${source.label} sessions have no live activity to subscribe to.`, {
          extensions: { code: 'BAD_USER_INPUT', argument: 'sessionId' },
        });
      }
      let after: string | null = null;
      if (args.after != null) {
        const [session, position] = decodeCursor(context.cursors, 'sessionEvents', eventCursor, args.after, 'after');
        if (session !== scopeDigest([source.name, id]) || !live.acceptsPosition(position)) {
          throw badInput('"after" is a cursor of another session’s events: resume each session with its own.', 'after');
        }
        after = position;
      }
      const request = sourceOf(context, source.name);
      const session = await request.sessions.load(id);
      if (!session) {
        throw new GraphQLError(`No ${source.typename} with this id exists for your key.`, {
          extensions: { code: 'NOT_FOUND', source: source.name },
        });
      }
      const { http, call } = request.access.use();
      try {
        return context.live.subscribe({
          source: source.name,
          live,
          http,
          apiKey: call.apiKey,
          credential: call.credential,
          sessionId: id,
          options: { deltas: args.deltas ?? true },
          after,
          connection: context.transport.connection,
          unsentBytes: context.transport.unsentBytes,
        });
      } catch (error) {
        throw liveError(error);
      }
    },
    resolve: (item, args, context): EventShape => {
      if ('error' in item) throw liveError(item.error);
      // Each event resolves with loaders and a deadline of its own.
      context.renew();
      let shape = eventShapes.get(item.event);
      if (!shape) {
        const { source, id } = parseGlobalId(args.sessionId, 'sessionId');
        shape = { source, sessionId: id, event: item.event };
        eventShapes.set(item.event, shape);
      }
      return shape;
    },
  }),
);

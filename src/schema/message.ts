import {
  type FieldNode,
  type GraphQLResolveInfo,
  getArgumentValues,
  isObjectType,
  Kind,
  type SelectionNode,
} from 'graphql';
import { z } from 'zod';
import { sourceOf } from '../context.js';
import { type CursorCodec, scopeDigest } from '../cursor.js';
import type { MessageLoader } from '../loaders/message-loader.js';
import {
  type ConversationModule,
  type Interruption,
  type MessagePartRecord,
  type MessageRecord,
  type MessageRoleName,
  roleOf,
} from '../sources/conversation.js';
import {
  type Keep,
  type MessagePosition,
  type MessageRead,
  type MessageWindow,
  readPaged,
  readWhole,
} from '../sources/message-pager.js';
import { allSources, type SourceModule, sourceNamed } from '../sources/registry.js';
import type { SessionRecord } from '../sources/session.js';
import { builder } from './builder.js';
import { badInput, mutationErrors, notFoundAs, reportInvalidItems, validateInput } from './errors.js';
import { decodeGlobalId, nodeId, registerNodeType, registerSessionLookahead } from './node.js';
import { CURSOR_ID, CURSOR_TIME, decodeCursor, lazyConnection, pageSize } from './paging.js';
import { Session } from './session.js';
import { withArticle } from './source-docs.js';

/** A role's description, with the upstream words that mean it, from each source's role table. */
function roleDescription(role: MessageRoleName, text: string): string {
  const words = allSources().flatMap((source) => {
    const table = source.conversation?.roles ?? {};
    const mine = Object.keys(table).filter((word) => table[word] === role);
    return mine.length > 0 ? [`${source.label} ${mine.map((word) => `\`${word}\``).join(', ')}`] : [];
  });
  return words.length > 0 ? `${text} (${words.join('; ')}).` : `${text}.`;
}

export const MessageRole = builder.enumType('MessageRole', {
  description: 'The normalised role of a message; `upstreamRole` keeps the upstream word verbatim.',
  values: {
    USER: { description: roleDescription('USER', 'Written by a person') },
    AGENT: { description: roleDescription('AGENT', 'Written by the agent') },
    TOOL: { description: roleDescription('TOOL', 'A tool’s answer') },
    SYSTEM: { description: roleDescription('SYSTEM', 'A system message') },
    UNKNOWN: { description: 'A role word this gateway does not know; read `upstreamRole`.' },
  } as const,
});

/** The normalised role of a message: its source's table, UNKNOWN for any other word. */
function roleOfMessage(message: MessageRecord): MessageRoleName {
  return roleOf(sourceNamed(message.source)?.conversation?.roles ?? {}, message.upstreamRole);
}

type Part<K extends MessagePartRecord['kind']> = Extract<MessagePartRecord, { kind: K }>;

const TextPart = builder.objectRef<Part<'TEXT'>>('TextPart').implement({
  description: 'Text.',
  fields: (t) => ({ text: t.exposeString('text', { description: 'The text.' }) }),
});

const ToolCallPart = builder.objectRef<Part<'TOOL_CALL'>>('ToolCallPart').implement({
  description: 'The agent asking for a tool to run.',
  fields: (t) => ({
    toolCallId: t.exposeString('toolCallId', {
      nullable: true,
      description: 'Id of the call; its ToolResultPart names it.',
    }),
    name: t.exposeString('name', { description: 'The tool.' }),
    arguments: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Its arguments, as the upstream sent them.',
      resolve: (part) => part.arguments ?? null,
    }),
  }),
});

const ToolResultPart = builder.objectRef<Part<'TOOL_RESULT'>>('ToolResultPart').implement({
  description: 'What a tool answered.',
  fields: (t) => ({
    toolCallId: t.exposeString('toolCallId', { nullable: true, description: 'Id of the call it answers.' }),
    result: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The result, as the upstream sent it.',
      resolve: (part) => part.result ?? null,
    }),
    error: t.exposeString('error', { nullable: true, description: 'The error text, when the tool failed.' }),
    isError: t.exposeBoolean('isError', { description: 'True when the tool failed.' }),
  }),
});

const ImagePart = builder.objectRef<Part<'IMAGE'>>('ImagePart').implement({
  description: 'An image: inline (base64), by URL, or an uploaded image by id.',
  fields: (t) => ({
    url: t.exposeString('url', { nullable: true, description: 'Where the image is, when it is linked.' }),
    mediaType: t.exposeString('mediaType', { nullable: true, description: 'Its media type, e.g. `image/png`.' }),
    data: t.exposeString('data', { nullable: true, description: 'Base64 data, when the image is inline.' }),
    imageId: t.exposeString('imageId', {
      nullable: true,
      description: 'The id of an uploaded image the part refers to.',
    }),
    filename: t.exposeString('filename', { nullable: true, description: 'Its file name, when known.' }),
  }),
});

const OtherPart = builder.objectRef<Part<'OTHER'>>('OtherPart').implement({
  description: 'A part of a type this gateway does not model: served whole, never dropped.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'The upstream’s part type, verbatim.' }),
    raw: t.field({
      type: 'JSON',
      description: 'The whole part, as the upstream sent it.',
      resolve: (part) => part.raw,
    }),
  }),
});

const PART_TYPES = {
  TEXT: 'TextPart',
  TOOL_CALL: 'ToolCallPart',
  TOOL_RESULT: 'ToolResultPart',
  IMAGE: 'ImagePart',
  OTHER: 'OtherPart',
} as const satisfies Record<MessagePartRecord['kind'], string>;

export const MessagePart = builder.unionType('MessagePart', {
  description: 'One part of a message’s content.',
  types: [TextPart, ToolCallPart, ToolResultPart, ImagePart, OtherPart],
  resolveType: (part) => PART_TYPES[part.kind],
});

/** The part of a Message's global id after the type: source, session and message ids. */
function messageRawId(message: MessageRecord): string {
  return `${message.source}:${message.sessionId}:${message.sourceId}`;
}

interface MessageId {
  readonly source: SourceModule;
  readonly sessionId: string;
  readonly messageId: string;
}

/** Splits a Message id into its source, session and message; null when it is not one. */
function parseMessageId(raw: string): MessageId | null {
  const first = raw.indexOf(':');
  const second = raw.indexOf(':', first + 1);
  if (first <= 0 || second <= first + 1) return null;
  const source = sourceNamed(raw.slice(0, first));
  const sessionId = raw.slice(first + 1, second);
  const messageId = raw.slice(second + 1);
  if (!source?.conversation || !source.acceptsId(sessionId) || !source.conversation.acceptsMessageId(messageId)) {
    return null;
  }
  return { source, sessionId, messageId };
}

/** Whether a value is a message record (the Node interface tells its types apart by this). */
function isMessage(value: unknown): value is MessageRecord {
  return typeof value === 'object' && value !== null && 'upstreamRole' in value && 'parts' in value;
}

export const Message = builder.objectRef<MessageRecord>('Message');

builder.objectType(Message, {
  description: 'One message of a session’s conversation.',
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: isMessage,
  fields: (t) => ({
    id: t.id(nodeId('Message', messageRawId)),
    sourceId: t.exposeString('sourceId', { description: "The upstream's own id of the message." }),
    session: t.field({
      type: Session,
      nullable: true,
      description: 'The session it belongs to (read through the request’s loader).',
      resolve: (message, _args, context) => sourceOf(context, message.source).sessions.load(message.sessionId),
    }),
    role: t.field({ type: MessageRole, description: 'Normalised role.', resolve: roleOfMessage }),
    upstreamRole: t.exposeString('upstreamRole', {
      description: "The upstream's role word, verbatim (new words show here, never as null).",
    }),
    text: t.exposeString('text', { description: 'The text parts joined with "\\n" ("" when there are none).' }),
    parts: t.field({ type: [MessagePart], description: 'The content, part by part.', resolve: (m) => m.parts }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When it was written, at the upstream’s precision.',
    }),
    isError: t.exposeBoolean('isError', {
      description: 'True for an error message: the upstream’s flag, or else a failed tool result in it.',
    }),
  }),
});

registerNodeType({
  typename: 'Message',
  check: (raw) => (parseMessageId(raw) ? null : 'use the `id` of a Message, as queries return it'),
  load: async (context, raw) => {
    const id = parseMessageId(raw);
    const loader = id ? sourceOf(context, id.source.name).messages : null;
    return id && loader ? loader.one(id.sessionId, id.messageId) : null;
  },
});

export const MessageConnection = builder.connectionObject(
  {
    type: Message,
    name: 'MessageConnection',
    description: 'A page of a session’s conversation, oldest first.',
  },
  { name: 'MessageEdge', description: 'A message and its cursor.', nodeField: { description: 'The message.' } },
);

/** `messages` cursors: the session's digest, the role filter, and the message's position. */
const messageCursor = z.tuple([
  z.string().length(8),
  z.string().max(16).nullable(),
  z.string().max(4096).nullable(),
  z.number().int().min(0).max(10_000_000),
  CURSOR_TIME,
  CURSOR_ID,
]);

function cursorOf(codec: CursorCodec, session: SessionRecord, role: string | null, position: MessagePosition): string {
  return codec.encode('messages', [
    scopeDigest([session.kind, session.sourceId]),
    role,
    position.cursor,
    position.offset,
    position.micros,
    position.id,
  ]);
}

function positionOf(
  codec: CursorCodec,
  text: string,
  argument: string,
  kind: string,
  sourceId: string,
  role: string | null,
): MessagePosition {
  const [session, issuedFor, cursor, offset, micros, id] = decodeCursor(
    codec,
    'messages',
    messageCursor,
    text,
    argument,
  );
  if (session !== scopeDigest([kind, sourceId])) {
    throw badInput(
      `"${argument}" is a cursor of another session's messages: page each session with its own.`,
      argument,
    );
  }
  if (issuedFor !== role) {
    throw badInput(
      `This cursor was issued for a different role: page with the same role, or start without "${argument}".`,
      argument,
    );
  }
  return { cursor, offset, micros, id };
}

/** The arguments of `messages`, as the field and a look-ahead read them. */
interface MessagesArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
  readonly role?: MessageRoleName | null;
}

/** What one `messages` field reads: its checked window and role, and the key its read is shared by. */
interface MessagesWindow extends MessageWindow {
  readonly role: MessageRoleName | null;
  readonly key: string;
}

/**
 * Checks the arguments of `messages` on one session.
 * @throws GraphQLError `BAD_USER_INPUT` for both directions at once, a bad size or cursor
 */
function messagesWindow(codec: CursorCodec, kind: string, sourceId: string, args: MessagesArgs): MessagesWindow {
  const backward = args.last != null || args.before != null;
  if (backward && (args.first != null || args.after != null)) {
    throw badInput(
      'Page either forward (first/after) or backward (last/before), not both.',
      args.first != null ? 'first' : 'after',
    );
  }
  const count = backward ? pageSize(args.last, 'last') : pageSize(args.first, 'first');
  const role = args.role ?? null;
  const cursorText = backward ? args.before : args.after;
  const argument = backward ? 'before' : 'after';
  const from = cursorText ? positionOf(codec, cursorText, argument, kind, sourceId, role) : null;
  return { backward, count, from, role, key: `${backward ? '<' : '>'}${count}\n${role ?? ''}\n${cursorText ?? ''}` };
}

/** Reads one window of a session's conversation, once per request for the same window. */
function readMessages(loader: MessageLoader, sourceId: string, window: MessagesWindow): Promise<MessageRead> {
  return loader.read(sourceId, window.key, () => {
    const { listing, roles } = loader.conversation;
    const role = window.role;
    const upstreamRole = role && listing.kind === 'pages' ? (listing.roleFilter[role] ?? null) : null;
    const keep: Keep = role && upstreamRole === null ? (message) => roleOf(roles, message.upstreamRole) === role : null;
    return listing.kind === 'pages'
      ? readPaged(
          (limit, cursor) => loader.page(sourceId, { limit, cursor, role: upstreamRole }),
          listing.maxLimit,
          keep,
          window,
        )
      : loader.all(sourceId).then((list) => readWhole(list, keep, window));
  });
}

const MESSAGE_ROLES: readonly MessageRoleName[] = ['USER', 'AGENT', 'TOOL', 'SYSTEM', 'UNKNOWN'];

/** `messages` fields selected on a session (through fragments on it, deferred or not; none under @skip or @include). */
function messagesFields(
  selections: readonly SelectionNode[],
  typenames: ReadonlySet<string>,
  info: GraphQLResolveInfo,
): FieldNode[] {
  const found: FieldNode[] = [];
  for (const selection of selections) {
    // A deferred fragment's read starts with the session's all the same: only its payload waits.
    if (selection.directives?.some((directive) => directive.name.value !== 'defer')) continue;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === 'messages') found.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition?.name.value;
      if (on === undefined || typenames.has(on))
        found.push(...messagesFields(selection.selectionSet.selections, typenames, info));
    } else {
      const fragment = info.fragments[selection.name.value];
      if (fragment && typenames.has(fragment.typeCondition.name.value)) {
        found.push(...messagesFields(fragment.selectionSet.selections, typenames, info));
      }
    }
  }
  return found;
}

// A detail page's `node(id) { ... messages }` reads the conversation beside the session, not after it.
registerSessionLookahead((context, source, id, info) => {
  const loader = sourceOf(context, source.name).messages;
  const type = info.schema.getType(source.typename);
  const definition = isObjectType(type) ? type.getFields().messages : undefined;
  if (!loader || !definition) return;
  const typenames = new Set(['Node', 'Session', source.typename]);
  const fields = info.fieldNodes.flatMap((node) =>
    node.selectionSet ? messagesFields(node.selectionSet.selections, typenames, info) : [],
  );
  for (const field of fields.slice(0, 4)) {
    try {
      const values = getArgumentValues(definition, field, info.variableValues);
      const role = values.role;
      const args: MessagesArgs = {
        first: typeof values.first === 'number' ? values.first : null,
        after: typeof values.after === 'string' ? values.after : null,
        last: typeof values.last === 'number' ? values.last : null,
        before: typeof values.before === 'string' ? values.before : null,
        role: MESSAGE_ROLES.find((name) => name === role) ?? null,
      };
      // Failures surface from the field's own resolver, with its path; a session that is not found never reads it.
      readMessages(loader, id, messagesWindow(context.cursors, source.name, id, args)).catch(() => undefined);
    } catch {
      // A bad argument is the field's error to report, with its path.
    }
  }
});

builder.interfaceField(Session, 'messages', (t) =>
  t.field({
    type: MessageConnection,
    nullable: true,
    description:
      'The conversation, oldest first; pages both ways (first/after or last/before). Where the upstream pages forward only, a backward page reads forward from the first message (one call per 100 messages before it); where it answers a conversation whole, that one call is paged here. Null, with a coded error, when the upstream fails; null for a source without conversations.',
    args: {
      first: t.arg.int({ description: 'Page size forward, 1-100 (default 20).' }),
      after: t.arg.string({ description: 'Cursor to continue after.' }),
      last: t.arg.int({ description: 'Page size backward, 1-100.' }),
      before: t.arg.string({ description: 'Cursor to continue before.' }),
      role: t.arg({
        type: MessageRole,
        description: 'Only messages of this role (filtered upstream where it can, else here: pages stay full).',
      }),
    },
    resolve: async (session, args, context, info) => {
      const request = sourceOf(context, session.kind);
      const loader = request.messages;
      if (!loader) return null;
      const window = messagesWindow(context.cursors, session.kind, session.sourceId, args);
      const read = await readMessages(loader, session.sourceId, window);
      if (read.invalidItems > 0) reportInvalidItems(context, request.module, read.invalidItems, info, 'message');
      return lazyConnection(
        read.items,
        (item) => item.message,
        (item) => cursorOf(context.cursors, session, window.role, item.position),
        read.hasNextPage,
        read.hasPreviousPage,
      );
    },
  }),
);

// ---- Mutations -------------------------------------------------------------------------------

/** Most characters one message may hold. */
export const MAX_MESSAGE_LENGTH = 32_000;

/** The session types whose sources have conversations, for messages. */
function conversationTypes(): string {
  return allSources()
    .filter((source) => source.conversation)
    .map((source) => source.typename)
    .join(' or ');
}

interface ConversationSession {
  readonly source: SourceModule;
  readonly conversation: ConversationModule;
  readonly id: string;
}

/** A global id of a session whose source has conversations, validated and resolved to its source. */
const conversationSessionId = z.string().transform((text, ctx): ConversationSession => {
  const decoded = decodeGlobalId(text);
  const source = decoded ? allSources().find((known) => known.typename === decoded.typename) : undefined;
  const conversation = source?.conversation;
  if (!decoded || !source || !conversation || !source.acceptsId(decoded.id)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be the \`id\` of ${withArticle(conversationTypes())} (a global id, as queries return it)`,
    });
    return z.NEVER;
  }
  return { source, conversation, id: decoded.id };
});

const sendMessageInput = z.object({
  sessionId: conversationSessionId,
  text: z
    .string()
    .max(MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`)
    .refine((text) => text.trim().length > 0, 'must not be empty'),
});

const interruptSessionInput = z.object({ sessionId: conversationSessionId });

const SendMessageInput = builder.inputType('SendMessageInput', {
  description: 'A user message for a session of either source.',
  fields: (t) => ({
    sessionId: t.id({ required: true, description: 'The session’s global `id`.' }),
    text: t.string({
      required: true,
      description: `The message, 1-${MAX_MESSAGE_LENGTH} characters, not only blanks; sent as written.`,
    }),
  }),
});

const InterruptSessionInput = builder.inputType('InterruptSessionInput', {
  description: 'Names the session whose running turn to stop.',
  fields: (t) => ({ sessionId: t.id({ required: true, description: 'The session’s global `id`.' }) }),
});

interface SentShape {
  readonly source: string;
  readonly sessionId: string;
  readonly messageId: string;
  readonly message: MessageRecord | null;
}

const SendMessagePayload = builder.objectRef<SentShape>('SendMessagePayload').implement({
  description: 'A sent message; the agent’s turn runs on upstream.',
  fields: (t) => ({
    // Named apart from Error.message: union members share a selection, and the types differ.
    sentMessage: t.field({
      type: Message,
      nullable: true,
      description:
        'The message as the upstream stored it (read back when selected, where the upstream answers only its id).',
      resolve: async (sent, _args, context) =>
        sent.message ?? (await sourceOf(context, sent.source).messages?.one(sent.sessionId, sent.messageId)) ?? null,
    }),
    session: t.field({
      type: Session,
      nullable: true,
      description: 'The session after the send (fetched fresh when selected).',
      resolve: (sent, _args, context) => sourceOf(context, sent.source).sessions.load(sent.sessionId),
    }),
  }),
});

const InterruptOutcome = builder.enumType('InterruptOutcome', {
  description: 'What an interrupt did.',
  values: {
    INTERRUPTED: { description: 'A running turn was stopped.' },
    NO_OP: { description: 'No turn was running; nothing changed.' },
    UNKNOWN: { description: 'The upstream answered a word this gateway does not know; see `interruptStatus`.' },
  } as const,
});

interface InterruptShape extends Interruption {
  readonly source: string;
  readonly sessionId: string;
}

const InterruptSessionPayload = builder.objectRef<InterruptShape>('InterruptSessionPayload').implement({
  description: 'The outcome of stopping a session’s running turn.',
  fields: (t) => ({
    outcome: t.field({ type: InterruptOutcome, description: 'Whether a turn was stopped.', resolve: (i) => i.outcome }),
    // Named apart from UpstreamError.upstreamStatus: union members share a selection.
    interruptStatus: t.exposeString('upstreamStatus', {
      nullable: true,
      description: 'The upstream’s word, verbatim (e.g. `interrupted`, `cancelled`, `idle`, `no_op`).',
    }),
    session: t.field({
      type: Session,
      nullable: true,
      description: 'The session after the interrupt (fetched fresh when selected).',
      resolve: (i, _args, context) => sourceOf(context, i.source).sessions.load(i.sessionId),
    }),
  }),
});

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: SendMessagePayload,
    description:
      'Sends a user message to a session of any source with conversations; the agent’s turn starts upstream. Never retried: on a timeout, `outcomeUnknown` is true.',
    errors: mutationErrors(),
    args: { input: t.arg({ type: SendMessageInput, required: true, description: 'The message.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(sendMessageInput, args.input);
      const { source, conversation, id } = input.sessionId;
      const request = sourceOf(context, source.name);
      const { http, call } = request.access.use();
      const sent = await conversation.send(http, call, id, input.text).catch(notFoundAs(args.input.sessionId));
      // The session and its conversation changed: later reads in this request fetch them again.
      request.sessions.refresh(id);
      request.messages?.drop(id);
      if (sent.message) request.messages?.prime(sent.message);
      return { source: source.name, sessionId: id, messageId: sent.messageId, message: sent.message };
    },
  }),
  interruptSession: t.field({
    type: InterruptSessionPayload,
    description:
      'Stops the running turn of a session of any source with conversations, if one runs (idempotent upstream). Never retried: on a timeout, `outcomeUnknown` is true.',
    errors: mutationErrors(),
    args: { input: t.arg({ type: InterruptSessionInput, required: true, description: 'The session.' }) },
    resolve: async (_root, args, context) => {
      const input = validateInput(interruptSessionInput, args.input);
      const { source, conversation, id } = input.sessionId;
      const request = sourceOf(context, source.name);
      const { http, call } = request.access.use();
      const interruption = await conversation.interrupt(http, call, id).catch(notFoundAs(args.input.sessionId));
      request.sessions.refresh(id);
      request.messages?.drop(id);
      return { source: source.name, sessionId: id, ...interruption };
    },
  }),
}));

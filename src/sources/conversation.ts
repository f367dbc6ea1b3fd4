import type { CallContext, UpstreamHttp } from './http.js';
import type { DateTimeValue } from './session.js';
import { rfc3339ToMicros } from './time.js';

/** The normalised message roles (the `MessageRole` enum). */
export type MessageRoleName = 'USER' | 'AGENT' | 'TOOL' | 'SYSTEM' | 'UNKNOWN';

/** A message's content part, already sorted into the few kinds the schema serves. */
export type MessagePartRecord =
  | { readonly kind: 'TEXT'; readonly text: string }
  | {
      readonly kind: 'TOOL_CALL';
      readonly toolCallId: string | null;
      readonly name: string;
      /** The arguments as the upstream sent them (any JSON). */
      readonly arguments: unknown;
    }
  | {
      readonly kind: 'TOOL_RESULT';
      readonly toolCallId: string | null;
      /** The result as the upstream sent it (any JSON). */
      readonly result: unknown;
      /** The upstream's error text, when it sent one. */
      readonly error: string | null;
      readonly isError: boolean;
    }
  | {
      readonly kind: 'IMAGE';
      readonly url: string | null;
      readonly mediaType: string | null;
      /** Base64 data, when the upstream inlines the image. */
      readonly data: string | null;
      /** An uploaded image's id, when the part refers to one. */
      readonly imageId: string | null;
      readonly filename: string | null;
    }
  | {
      readonly kind: 'OTHER';
      /** The upstream's part type word, verbatim. */
      readonly type: string;
      /** The whole part as the upstream sent it, so a new part type is served rather than dropped. */
      readonly raw: unknown;
    };

/** One message of a session's conversation, whichever source it came from. */
export interface MessageRecord {
  /** The registry name of its source (`SourceModule.name`). */
  readonly source: string;
  /** The upstream id of its session. */
  readonly sessionId: string;
  /** The upstream id of the message. */
  readonly sourceId: string;
  /** The upstream's role word, verbatim. */
  readonly upstreamRole: string;
  readonly parts: readonly MessagePartRecord[];
  /** The text parts joined with "\n" ("" when there are none). */
  readonly text: string;
  /** At the upstream's precision: epoch ms, or UTC RFC 3339 text with the upstream's fraction digits. */
  readonly createdAt: DateTimeValue;
  /** Epoch microseconds of `createdAt`: where a message sits when its id is gone. */
  readonly createdAtMicros: number;
  readonly isError: boolean;
}

type PartOf<K extends MessagePartRecord['kind']> = Extract<MessagePartRecord, { kind: K }>;

/** The part kinds as classes, for the reason given at {@link ConversationMessage}. */
export class TextPart implements PartOf<'TEXT'> {
  readonly kind = 'TEXT';
  constructor(readonly text: string) {}
}

export class ToolCallPart implements PartOf<'TOOL_CALL'> {
  readonly kind = 'TOOL_CALL';
  readonly arguments: unknown;
  constructor(
    readonly toolCallId: string | null,
    readonly name: string,
    args: unknown,
  ) {
    this.arguments = args;
  }
}

export class ToolResultPart implements PartOf<'TOOL_RESULT'> {
  readonly kind = 'TOOL_RESULT';
  constructor(
    readonly toolCallId: string | null,
    readonly result: unknown,
    readonly error: string | null,
    readonly isError: boolean,
  ) {}
}

export class ImagePart implements PartOf<'IMAGE'> {
  readonly kind = 'IMAGE';
  constructor(
    readonly url: string | null,
    readonly mediaType: string | null,
    readonly data: string | null,
    readonly imageId: string | null,
    readonly filename: string | null,
  ) {}
}

export class OtherPart implements PartOf<'OTHER'> {
  readonly kind = 'OTHER';
  constructor(
    readonly type: string,
    readonly raw: unknown,
  ) {}
}

/**
 * A message record made by a constructor, not an object literal: V8 may switch a literal's
 * allocation site to old-space allocation for good after one GC finds its objects alive, and a
 * conversation's records are made by the hundred per request (docs/performance.md, "Records as classes").
 */
export class ConversationMessage implements MessageRecord {
  constructor(
    readonly source: string,
    readonly sessionId: string,
    readonly sourceId: string,
    readonly upstreamRole: string,
    readonly parts: readonly MessagePartRecord[],
    readonly text: string,
    readonly createdAt: DateTimeValue,
    readonly isError: boolean,
  ) {}

  private micros: number | undefined = undefined;

  /** Worked out on first use: of a conversation answered whole, most messages are never asked. */
  get createdAtMicros(): number {
    this.micros ??= typeof this.createdAt === 'number' ? this.createdAt * 1000 : rfc3339ToMicros(this.createdAt);
    return this.micros;
  }
}

/** A string field of a loosely checked JSON object, or null. */
export function stringOr(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Joins the text parts of a message, as `Message.text` serves them. */
export function joinText(parts: readonly MessagePartRecord[]): string {
  let text = '';
  let first = true;
  for (const part of parts) {
    if (part.kind !== 'TEXT') continue;
    text = first ? part.text : `${text}\n${part.text}`;
    first = false;
  }
  return text;
}

/** A message's normalised role: the source's table, UNKNOWN for any other word. */
export function roleOf(roles: Readonly<Record<string, MessageRoleName>>, upstreamRole: string): MessageRoleName {
  return Object.hasOwn(roles, upstreamRole) ? (roles[upstreamRole] ?? 'UNKNOWN') : 'UNKNOWN';
}

/** One upstream page of a conversation that pages with keyset cursors, oldest first. */
export interface MessagePage {
  readonly messages: readonly MessageRecord[];
  /** Items that failed validation and were left out (already logged). */
  readonly invalidItems: number;
  readonly hasMore: boolean;
  /** The upstream's opaque cursor of the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** What one upstream page request asks for. */
export interface MessagePageParams {
  readonly limit: number;
  readonly cursor: string | null;
  /** The upstream's own role word to filter by, or null for every message. */
  readonly role: string | null;
}

/** A whole conversation, oldest first, as an upstream that does not page answers it. */
export interface MessageList {
  readonly messages: readonly MessageRecord[];
  readonly invalidItems: number;
}

/** An upstream that lists a conversation in keyset pages, forward only. */
export interface PagedListing {
  readonly kind: 'pages';
  /** The largest page the upstream serves. */
  readonly maxLimit: number;
  /** The upstream word to filter by, for each normalised role the upstream can filter on itself. */
  readonly roleFilter: Readonly<Partial<Record<MessageRoleName, string>>>;
  /** One page of a session's messages. */
  listPage(http: UpstreamHttp, call: CallContext, sessionId: string, params: MessagePageParams): Promise<MessagePage>;
  /** One message by id; null when the upstream does not know it. */
  getMessage(
    http: UpstreamHttp,
    call: CallContext,
    sessionId: string,
    messageId: string,
  ): Promise<MessageRecord | null>;
}

/** An upstream that answers a conversation whole, in one call. */
export interface WholeListing {
  readonly kind: 'whole';
  listAll(http: UpstreamHttp, call: CallContext, sessionId: string): Promise<MessageList>;
}

/** What sending a message answered. */
export interface SentMessage {
  /** The upstream id of the new (user) message. */
  readonly messageId: string;
  /** The new message, when the upstream answers it whole (else it is read when asked for). */
  readonly message: MessageRecord | null;
}

/** What an interrupt did, normalised, with the upstream's word. */
export interface Interruption {
  readonly outcome: 'INTERRUPTED' | 'NO_OP' | 'UNKNOWN';
  readonly upstreamStatus: string | null;
}

/** A source's conversations: reading them, sending a message, stopping a turn. */
export interface ConversationModule {
  /** Upstream role words and the roles they mean; any other word is UNKNOWN. */
  readonly roles: Readonly<Record<string, MessageRoleName>>;
  /** Whether an upstream message id has this source's shape (checked before any call). */
  acceptsMessageId(id: string): boolean;
  /** What a valid message id looks like, for error messages. */
  readonly messageIdShape: string;
  readonly listing: PagedListing | WholeListing;
  /**
   * Sends a user message (a write: never retried).
   * @throws UpstreamError `NOT_FOUND` when the session does not exist for this key
   */
  send(http: UpstreamHttp, call: CallContext, sessionId: string, text: string): Promise<SentMessage>;
  /**
   * Stops the running turn, if any (idempotent upstream).
   * @throws UpstreamError `NOT_FOUND` when the session does not exist for this key
   */
  interrupt(http: UpstreamHttp, call: CallContext, sessionId: string): Promise<Interruption>;
}

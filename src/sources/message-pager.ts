import type { MessageList, MessagePage, MessageRecord } from './conversation.js';

/**
 * Paging a conversation (oldest first) both ways over either kind of upstream listing: keyset
 * pages that go forward only, or the whole list in one answer. A position keeps the message's
 * id and instant, so a cursor resumes right after (or before) its message even when messages
 * were added in between.
 */

/** Where a message sits, so that a cursor resumes right after (or before) it. */
export interface MessagePosition {
  /** Keyset pages: the upstream cursor that fetched the page holding the message (null: the first page). */
  readonly cursor: string | null;
  /** Keyset pages: items of that page consumed through this one (0: resume at `cursor`); whole lists: its index. */
  readonly offset: number;
  /** Epoch microseconds of the message's `createdAt`. */
  readonly micros: number;
  /** The message's upstream id. */
  readonly id: string;
}

/** A message with the position a cursor needs. */
export interface PositionedMessage {
  readonly message: MessageRecord;
  readonly position: MessagePosition;
}

/** A page of a conversation with exact `pageInfo` flags. */
export interface MessageRead {
  readonly items: readonly PositionedMessage[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  /** Upstream items left out as invalid while reading. */
  readonly invalidItems: number;
}

/** The messages the gateway keeps itself (a role the upstream cannot filter on), or null: all. */
export type Keep = ((message: MessageRecord) => boolean) | null;

/** Fetches one upstream page of the conversation (the role filter, if any, already applied). */
export type FetchPage = (limit: number, cursor: string | null) => Promise<MessagePage>;

/** Which way to read, how many, and from which message (exclusive), if any. */
export interface MessageWindow {
  readonly backward: boolean;
  readonly count: number;
  readonly from: MessagePosition | null;
}

/** Negative when `message` comes before the position in conversation order. */
function compareTo(message: MessageRecord, position: MessagePosition): number {
  if (message.createdAtMicros !== position.micros) return message.createdAtMicros - position.micros;
  return message.sourceId === position.id ? 0 : message.sourceId < position.id ? -1 : 1;
}

/** A listed message's position: its instant is read from the message only when a cursor is made. */
class ListedPosition implements MessagePosition {
  constructor(
    readonly cursor: string | null,
    readonly offset: number,
    private readonly message: MessageRecord,
  ) {}

  get micros(): number {
    return this.message.createdAtMicros;
  }

  get id(): string {
    return this.message.sourceId;
  }
}

function positionOf(message: MessageRecord, cursor: string | null, offset: number): MessagePosition {
  return new ListedPosition(cursor, offset, message);
}

/** Index of the position's message in `messages`, or of the first message after where it was. */
function locate(messages: readonly MessageRecord[], position: MessagePosition): { index: number; found: boolean } {
  if (messages[position.offset]?.sourceId === position.id) return { index: position.offset, found: true };
  const own = messages.findIndex((message) => message.sourceId === position.id);
  if (own >= 0) return { index: own, found: true };
  // The message is gone: resume where it would sit.
  const after = messages.findIndex((message) => compareTo(message, position) > 0);
  return { index: after < 0 ? messages.length : after, found: false };
}

/** A page of a conversation the upstream answered whole: sliced here, flags exact. */
export function readWhole(list: MessageList, keep: Keep, window: MessageWindow): MessageRead {
  const messages = keep ? list.messages.filter(keep) : list.messages;
  let start: number;
  let end: number;
  if (window.backward) {
    end = window.from ? locate(messages, window.from).index : messages.length;
    start = Math.max(0, end - window.count);
  } else {
    const at = window.from ? locate(messages, window.from) : { index: 0, found: false };
    start = at.found ? at.index + 1 : at.index;
    end = Math.min(messages.length, start + window.count);
  }
  const items = messages.slice(start, end).map((message, index) => ({
    message,
    position: positionOf(message, null, start + index),
  }));
  return { items, hasNextPage: end < messages.length, hasPreviousPage: start > 0, invalidItems: list.invalidItems };
}

/** Index of the first message after the position in a re-read page. */
function indexAfter(messages: readonly MessageRecord[], position: MessagePosition): number {
  const own = messages.findIndex((message) => message.sourceId === position.id);
  if (own >= 0) return own + 1;
  const after = messages.findIndex((message) => compareTo(message, position) > 0);
  return after < 0 ? messages.length : after;
}

/** The position of the `index`-th message of a page fetched with `cursor`. */
function pagedPosition(page: MessagePage, cursor: string | null, index: number, message: MessageRecord) {
  const consumed = index + 1;
  // The last item of a page resumes at the next page's cursor: nothing to re-read or skip.
  return consumed === page.messages.length && page.nextCursor !== null
    ? positionOf(message, page.nextCursor, 0)
    : positionOf(message, cursor, consumed);
}

/**
 * A page of a conversation the upstream lists in forward-only keyset pages. Forward: from the
 * page the `after` message came from, skipping through it. Backward: the upstream cannot, so
 * the read goes forward from the first message up to the `before` message, keeping the last
 * `count` (one upstream page per `maxLimit` messages before it). With a role the gateway
 * filters itself (`keep`), reading goes on until the page is full and one more match is
 * found or the conversation ends: never a short page while more exist, and `hasNextPage` exact.
 */
export async function readPaged(
  fetch: FetchPage,
  maxLimit: number,
  keep: Keep,
  window: MessageWindow,
): Promise<MessageRead> {
  return window.backward
    ? readPagedBackward(fetch, maxLimit, keep, window.from, window.count)
    : readPagedForward(fetch, maxLimit, keep, window.from, window.count);
}

async function readPagedForward(
  fetch: FetchPage,
  maxLimit: number,
  keep: Keep,
  start: MessagePosition | null,
  count: number,
): Promise<MessageRead> {
  const items: PositionedMessage[] = [];
  const hasPreviousPage = start !== null;
  let cursor = start?.cursor ?? null;
  let skipAfter = start && start.offset > 0 ? start : null;
  // Unfiltered, the upstream's hasMore makes `hasNextPage` exact with no look-ahead item.
  let limit = keep ? maxLimit : Math.min(maxLimit, (skipAfter?.offset ?? 0) + count);
  let invalidItems = 0;
  for (;;) {
    const page = await fetch(limit, cursor);
    invalidItems += page.invalidItems;
    const from = skipAfter ? indexAfter(page.messages, skipAfter) : 0;
    skipAfter = null;
    for (let index = from; index < page.messages.length; index++) {
      const message = page.messages[index];
      if (!message || (keep && !keep(message))) continue;
      if (items.length === count) return { items, hasNextPage: true, hasPreviousPage, invalidItems };
      items.push({ message, position: pagedPosition(page, cursor, index, message) });
    }
    if (!page.hasMore || page.nextCursor === null) {
      return { items, hasNextPage: false, hasPreviousPage, invalidItems };
    }
    if (!keep && items.length === count) return { items, hasNextPage: true, hasPreviousPage, invalidItems };
    cursor = page.nextCursor;
    limit = keep ? maxLimit : Math.min(maxLimit, count - items.length);
  }
}

async function readPagedBackward(
  fetch: FetchPage,
  maxLimit: number,
  keep: Keep,
  end: MessagePosition | null,
  count: number,
): Promise<MessageRead> {
  const window: PositionedMessage[] = [];
  let hasPreviousPage = false;
  let reached = false;
  let cursor: string | null = null;
  let invalidItems = 0;
  for (;;) {
    const page = await fetch(maxLimit, cursor);
    invalidItems += page.invalidItems;
    for (let index = 0; index < page.messages.length; index++) {
      const message = page.messages[index];
      if (!message) continue;
      if (!reached && end && (message.sourceId === end.id || compareTo(message, end) >= 0)) reached = true;
      const kept = !keep || keep(message);
      // Past `before`: the first kept message there answers `hasNextPage`.
      if (reached && kept) return { items: window, hasNextPage: true, hasPreviousPage, invalidItems };
      if (reached || !kept) continue;
      window.push({ message, position: pagedPosition(page, cursor, index, message) });
      if (window.length > count) {
        window.shift();
        hasPreviousPage = true;
      }
    }
    if (!page.hasMore || page.nextCursor === null) {
      return { items: window, hasNextPage: false, hasPreviousPage, invalidItems };
    }
    cursor = page.nextCursor;
  }
}

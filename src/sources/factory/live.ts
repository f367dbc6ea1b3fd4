import { z } from 'zod';
import { log } from '../../log.js';
import type { MessagePage, MessageRecord } from '../conversation.js';
import { RequestAbortedError, UpstreamError } from '../errors.js';
import { CallCancel, type CallContext } from '../http.js';
import type { LiveAccess, LiveBody, LiveEvent, LiveModule, LiveSink, TurnOutcome } from '../live.js';
import type { DateTimeValue } from '../session.js';
import { FACTORY, type FactoryClient, factoryClients } from './client.js';
import { FACTORY_STATES, type FactorySessionRecord } from './to-session.js';

/**
 * Factory's live activity, polled: Factory publishes no event stream.
 *
 * Each poll reads the session (its status word) and then the messages after the last one seen,
 * in that order, so the messages are never older than the status. The first poll only notes
 * where things stand (the status, the end of the listing) and emits nothing.
 *
 * Events (every one is derived; `upstreamType` names what from):
 * - `MESSAGE_ADDED`, `message.created`: a message the listing did not have before.
 * - `STATE_CHANGED`, `session.status`: the status word differs from the last one seen.
 * - `TURN_STARTED`, `session.status`: the state became RUNNING; `TURN_ENDED`, `session.status`:
 *   it was RUNNING and is no longer. `TURN_STARTED`/`TURN_ENDED`, `message.created`: the agent
 *   wrote while no poll saw RUNNING (a turn ran between two polls). Factory has no turn ids.
 * - Outcome: FAILED when the status word means failure or the conversation ends with an agent
 *   message marked `isError`; CANCELLED when it does not end with an agent's answer (an interrupt
 *   stops a turn before its reply); COMPLETED otherwise. No usage: Factory counts per session.
 *
 * Order within one poll: what moves toward activity comes before the new messages (TURN_STARTED,
 * then STATE_CHANGED to a running or pending word); what moves away from it comes after them
 * (TURN_ENDED, then STATE_CHANGED), as a turn begins before its messages and ends after them.
 *
 * Position: the JSON array `[t, m, s, o, u]`: the last message's `createdAt` (ms) and id (`0`
 * and `""` before any), the status word, 1 while a turn is open, and the session's `updatedAt`
 * (ms) when it was read. Messages are ordered by (`createdAt`, id): the listing's keyset order.
 * An event is after a position when its message is later; at the same message, a state event
 * is after it when read no earlier and not already in effect there (the turn, the status word).
 *
 * Replay reads the listing from its top (Factory's cursor is opaque: no message id makes one)
 * and reports the difference from the position to now in the same order; Factory keeps no
 * status history, so statuses in between are not replayed and several turns replay as one.
 */

/** How often a watched session is read; tests and the hub shorten these. */
export interface FactoryLiveOptions {
  /** Ms between polls while a turn runs or is pending, and right after any change. */
  readonly fastMs: number;
  /** The longest wait between polls: an idle session backs off to it, and so do failures. */
  readonly slowMs: number;
}

export const FACTORY_LIVE_DEFAULTS: FactoryLiveOptions = { fastMs: 1_000, slowMs: 10_000 };

const PAGE_LIMIT = 100;
/** The longest Retry-After a poller honours: a subscription must not stall on an odd header. */
const MAX_RETRY_AFTER_MS = 60_000;
const MESSAGE_WORD = 'message.created';
const STATUS_WORD = 'session.status';
const AGENT_ROLE = 'assistant';
/** Factory documents no failure status; these are the words one would be, should it send one. */
const FAILURE_WORDS = new Set(['failed', 'error', 'errored']);
/** Codes no later poll can fix: the subscribers end with them. */
const FATAL = new Set(['NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'SOURCE_NOT_CONFIGURED']);

/** Where a session's activity stands (a position, decoded). */
interface Standing {
  /** `createdAt` (ms) of the last message seen; 0 before any. */
  readonly t: number;
  /** Id of the last message seen; "" before any. */
  readonly m: string;
  /** The status word. */
  readonly s: string;
  /** Whether a turn is open. */
  readonly o: boolean;
  /** The session's `updatedAt` (ms) when the status was read: orders two reads of one message's state. */
  readonly u: number;
}

const MAX_POSITION = 512;
const epochMs = z.number().min(-8.64e15).max(8.64e15);
const positionShape = z
  .tuple([epochMs, z.string().max(256), z.string().max(128), z.union([z.literal(0), z.literal(1)]), epochMs])
  .refine(([t, m]) => m !== '' || t === 0);

function encode(at: Standing): string {
  return JSON.stringify([at.t, at.m, at.s, at.o ? 1 : 0, at.u]);
}

function decode(text: string): Standing | null {
  if (text.length > MAX_POSITION || !text.startsWith('[')) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = positionShape.safeParse(json);
  if (!parsed.success) return null;
  const [t, m, s, o, u] = parsed.data;
  return { t, m, s, o: o === 1, u };
}

/** A message's place in the listing. */
interface Key {
  readonly t: number;
  readonly m: string;
}

const msOf = (message: MessageRecord): number =>
  typeof message.createdAt === 'number' ? message.createdAt : message.createdAtMicros / 1000;

const keyOf = (message: MessageRecord): Key => ({ t: msOf(message), m: message.sourceId });

function compareKeys(a: Key, b: Key): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  return a.m === b.m ? 0 : a.m < b.m ? -1 : 1;
}

function stateOf(status: string): string {
  return Object.hasOwn(FACTORY_STATES, status) ? (FACTORY_STATES[status] ?? 'UNKNOWN') : 'UNKNOWN';
}

/** What one read of the listing found after an anchor. */
interface Read {
  /** The messages after the anchor, oldest first (empty when not kept). */
  readonly fresh: MessageRecord[];
  /** The last message of the listing, or null when it is empty. */
  readonly last: MessageRecord | null;
  /** The cursor that fetched the page holding `last` (null: the first page). */
  readonly cursor: string | null;
}

type ListPage = (cursor: string | null) => Promise<MessagePage>;

/**
 * Reads the listing from the page `cursor` fetches to its end and keeps what comes after
 * `anchor`: after the anchor itself where it is listed, else after its key (it was deleted).
 */
async function readAfter(list: ListPage, cursor: string | null, anchor: Key, keep: boolean): Promise<Read> {
  const fresh: MessageRecord[] = [];
  let last: MessageRecord | null = null;
  let pageCursor = cursor;
  let next = cursor;
  let passed = anchor.m === '';
  for (;;) {
    const page = await list(next);
    for (const message of page.messages) {
      last = message;
      if (!passed) {
        if (message.sourceId === anchor.m) {
          passed = true;
          continue;
        }
        if (compareKeys(keyOf(message), anchor) <= 0) continue;
        passed = true;
      }
      if (keep) fresh.push(message);
    }
    if (page.messages.length > 0) pageCursor = next;
    // A cursor that names itself again would loop for ever: take the listing as ended.
    if (!page.hasMore || page.nextCursor === null || page.nextCursor === next)
      return { fresh, last, cursor: pageCursor };
    next = page.nextCursor;
  }
}

/** A read from a remembered page cursor, from the top again when Factory no longer takes it. */
async function readFrom(list: ListPage, cursor: string | null, anchor: Key): Promise<Read> {
  try {
    return await readAfter(list, cursor, anchor, true);
  } catch (error) {
    if (cursor === null || !(error instanceof UpstreamError) || error.code !== 'BAD_USER_INPUT') throw error;
    return readAfter(list, null, anchor, true);
  }
}

function notFound(sessionId: string): UpstreamError {
  return new UpstreamError(FACTORY.name, 'NOT_FOUND', `Factory has no session ${sessionId} (HTTP 404).`, 404);
}

/** What a poll saw: the session, then the messages after where the last one stood. */
interface Seen {
  readonly session: FactorySessionRecord;
  readonly fresh: readonly MessageRecord[];
  /** The listing's last message (the conversation's end), or null when unknown or empty. */
  readonly last: MessageRecord | null;
}

function outcomeOf(status: string, last: MessageRecord | null): { outcome: TurnOutcome; error: string | null } {
  if (FAILURE_WORDS.has(status)) return { outcome: 'FAILED', error: null };
  if (last === null) return { outcome: 'COMPLETED', error: null };
  const agent = last.upstreamRole === AGENT_ROLE;
  if (agent && last.isError) return { outcome: 'FAILED', error: last.text === '' ? null : last.text };
  const answered = agent && !last.parts.some((part) => part.kind === 'TOOL_CALL');
  return { outcome: answered ? 'COMPLETED' : 'CANCELLED', error: null };
}

/** The events from `from` to what a poll saw, in the module's order, and where they leave things. */
function advance(from: Standing, seen: Seen): { events: LiveEvent[]; standing: Standing } {
  const { session, fresh } = seen;
  const status = session.upstreamStatus;
  const state = stateOf(status);
  const running = state === 'RUNNING';
  const events: LiveEvent[] = [];
  let at: Standing = { ...from, u: session.updatedAtMs };
  const emit = (upstreamType: string, when: DateTimeValue, body: LiveBody) =>
    events.push({ position: encode(at), upstreamType, at: when, body });

  const first = fresh[0];
  const final = fresh[fresh.length - 1];
  // A change seen with messages began no later than the first of them and ended no earlier than the last.
  const before = first ? Math.min(session.updatedAtMs, msOf(first)) : session.updatedAtMs;
  const after = final ? Math.max(session.updatedAtMs, msOf(final)) : session.updatedAtMs;
  const changed = status !== from.s;
  const ends = from.o && !running;
  // The agent wrote, yet no poll saw the turn run: it ran between two polls.
  const unseenTurn = !from.o && !running && fresh.some((message) => message.upstreamRole === AGENT_ROLE);
  const early = changed && !ends && (running || state === 'PENDING');

  // Where a turn begins and ends, and what it was read from: the status, or the agent's messages.
  const opens = running && !from.o;
  const unseen = first && final && unseenTurn ? { first, final } : null;
  if (opens || unseen) {
    at = { ...at, o: true };
    if (unseen) emit(MESSAGE_WORD, unseen.first.createdAt, { kind: 'TURN_STARTED', turnId: null });
    else emit(STATUS_WORD, before, { kind: 'TURN_STARTED', turnId: null });
  }
  if (early) {
    at = { ...at, s: status };
    emit(STATUS_WORD, before, { kind: 'STATE_CHANGED', upstreamStatus: status });
  }
  for (const message of fresh) {
    at = { ...at, t: msOf(message), m: message.sourceId };
    emit(MESSAGE_WORD, message.createdAt, { kind: 'MESSAGE_ADDED', message });
  }
  if (ends || unseen) {
    at = { ...at, o: false };
    const { outcome, error } = outcomeOf(status, seen.last);
    const body: LiveBody = { kind: 'TURN_ENDED', turnId: null, outcome, error, usage: null };
    if (unseen) emit(MESSAGE_WORD, unseen.final.createdAt, body);
    else emit(STATUS_WORD, after, body);
  }
  if (changed && !early) {
    at = { ...at, s: status };
    emit(STATUS_WORD, after, { kind: 'STATE_CHANGED', upstreamStatus: status });
  }
  return { events, standing: at };
}

/** One watched session: a chain of polls on unref'd timers, one call at a time. */
class Poller {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Aborts the call in flight when the work stops. */
  private readonly halt = new CallCancel();
  private standing: Standing | null = null;
  private last: MessageRecord | null = null;
  private cursor: string | null = null;
  private failures = 0;
  private idleMs: number;

  constructor(
    private readonly access: LiveAccess,
    private readonly client: FactoryClient,
    private readonly sessionId: string,
    private readonly sink: LiveSink,
    private readonly settings: FactoryLiveOptions,
  ) {
    this.idleMs = settings.fastMs;
  }

  start(): void {
    if (this.access.signal.aborted) {
      this.stopped = true;
      return;
    }
    this.access.signal.addEventListener('abort', this.stop, { once: true });
    void this.poll();
  }

  readonly stop = (): void => {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.access.signal.removeEventListener('abort', this.stop);
    this.halt.abort();
  };

  private async poll(): Promise<void> {
    this.timer = undefined;
    let wait: number;
    try {
      wait = this.standing === null ? await this.snapshot() : await this.tick(this.standing);
      this.failures = 0;
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof UpstreamError && FATAL.has(error.code)) {
        this.stop();
        this.sink.fail(error);
        return;
      }
      this.failures += 1;
      if (this.failures === 1) {
        if (!(error instanceof UpstreamError) && !(error instanceof RequestAbortedError)) {
          log('warn', 'Factory live poll failed', { error: String(error) });
        }
        this.sink.reconnecting(false);
      }
      const backoff = Math.min(this.settings.slowMs, this.settings.fastMs * 2 ** this.failures);
      // Factory's Retry-After (or the breaker's cooldown) is a floor: polling sooner only fails again.
      const asked = error instanceof UpstreamError ? Math.min(error.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS) : 0;
      wait = Math.max(backoff, asked);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), wait);
    this.timer.unref();
  }

  /** The first poll: where the session stands; nothing to emit. */
  private async snapshot(): Promise<number> {
    const session = await this.session();
    const read = await readAfter(this.list, null, { t: 0, m: '' }, false);
    this.last = read.last;
    this.cursor = read.cursor;
    this.standing = {
      t: read.last ? msOf(read.last) : 0,
      m: read.last?.sourceId ?? '',
      s: session.upstreamStatus,
      o: stateOf(session.upstreamStatus) === 'RUNNING',
      u: session.updatedAtMs,
    };
    this.sink.ready();
    return this.settings.fastMs;
  }

  /** A later poll: the events since the last one; answers the wait before the next. */
  private async tick(from: Standing): Promise<number> {
    const session = await this.session();
    const read = await readFrom(this.list, this.cursor, from);
    const { events, standing } = advance(from, { session, fresh: read.fresh, last: read.last ?? this.last });
    if (this.stopped) return 0;
    this.standing = standing;
    this.last = read.last ?? this.last;
    this.cursor = read.cursor;
    for (const event of events) {
      if (this.stopped) break;
      this.sink.event(event);
    }
    const state = stateOf(session.upstreamStatus);
    if (events.length > 0 || state === 'RUNNING' || state === 'PENDING') {
      this.idleMs = this.settings.fastMs;
      return this.settings.fastMs;
    }
    this.idleMs = Math.min(this.settings.slowMs, this.idleMs * 2);
    return this.idleMs;
  }

  private async session(): Promise<FactorySessionRecord> {
    const session = await this.call((call) => this.client.getSession(call, this.sessionId));
    if (session === null) throw notFound(this.sessionId);
    return session;
  }

  private readonly list: ListPage = (cursor) =>
    this.call((call) => this.client.listMessages(call, this.sessionId, { limit: PAGE_LIMIT, cursor, role: null }));

  /** One upstream call with a fresh context, cancelled as well when the work stops. */
  private async call<T>(run: (call: CallContext) => Promise<T>): Promise<T> {
    const base = this.access.call();
    const signal = new CallCancel();
    const abort = () => signal.abort();
    if (this.stopped || base.signal.aborted) signal.abort();
    base.signal.addEventListener('abort', abort, { once: true });
    this.halt.addEventListener('abort', abort);
    try {
      return await run({ ...base, signal });
    } finally {
      base.signal.removeEventListener('abort', abort);
      this.halt.removeEventListener('abort', abort);
    }
  }
}

/**
 * Factory's live module: a poller per watched session, reading it every `fastMs` while a turn
 * runs or is pending, doubling the wait up to `slowMs` while it is idle, and fast again after
 * any change. Failures that another poll may fix (5xx, timeouts, the network, rate limits) back
 * off the same way; 404, 401 and 403 end the work.
 */
export function factoryLive(overrides: Partial<FactoryLiveOptions> = {}): LiveModule {
  const settings = { ...FACTORY_LIVE_DEFAULTS, ...overrides };
  return {
    kind: 'poller',

    watch(access, sessionId, _options, sink) {
      const poller = new Poller(access, factoryClients.clientOf(access.http), sessionId, sink, settings);
      poller.start();
      return poller.stop;
    },

    // Factory's cursor is opaque (no message id can make one): the listing is read from its top.
    async replay(access, sessionId, from) {
      const standing = decode(from);
      if (standing === null) {
        throw new UpstreamError(FACTORY.name, 'BAD_USER_INPUT', 'This cursor is not a position of Factory activity.');
      }
      const client = factoryClients.clientOf(access.http);
      const session = await client.getSession(access.call(), sessionId);
      if (session === null) throw notFound(sessionId);
      const list: ListPage = (cursor) =>
        client.listMessages(access.call(), sessionId, { limit: PAGE_LIMIT, cursor, role: null });
      const read = await readAfter(list, null, standing, true);
      return advance(standing, { session, fresh: read.fresh, last: read.last }).events;
    },

    isAfter(event, last) {
      const at = decode(event.position);
      const seen = decode(last);
      if (at === null || seen === null) return true;
      const order = compareKeys(at, seen);
      if (order !== 0) return order > 0;
      // Same last message: a state event is new when read no earlier and not already in effect at `last`.
      if (at.u < seen.u) return false;
      switch (event.body.kind) {
        case 'TURN_STARTED':
          return !seen.o;
        case 'TURN_ENDED':
          return seen.o;
        case 'STATE_CHANGED':
          return event.body.upstreamStatus !== seen.s;
        default:
          return false;
      }
    },

    acceptsPosition: (text) => decode(text) !== null,
  };
}

import type { Random } from './random.js';

/**
 * Everruns' per-session event log, as `GET /v1/sessions/{id}/events` serves it and as its
 * `/sse` stream does: stored events in id order, and live listeners per session.
 *
 * The envelope follows the OpenAPI document's Event: `id` (`event_` + 32 lowercase hex, a
 * UUIDv7: 48-bit ms time, version 7, a 12-bit counter, variant, random bits, so ids sort
 * lexicographically in the order they were made), `type`, `ts` (ISO 8601 with millisecond
 * precision, as the document says), `session_id`, `context` (correlation ids, absent ones
 * left out), `data` (the type's payload) and `sequence` (1, 2, ... within the session;
 * absent on an ephemeral delta, which is never stored).
 */

/** The event types Everruns v1 defines (the OpenAPI document's EventData); `types` and `exclude` must name these. */
export const EVERRUNS_EVENT_TYPES: ReadonlySet<string> = new Set([
  'input.message',
  'output.message.started',
  'output.message.delta',
  'output.message.completed',
  'turn.started',
  'turn.completed',
  'turn.failed',
  'turn.cancelled',
  'reason.started',
  'reason.completed',
  'reason.thinking.started',
  'reason.thinking.delta',
  'reason.thinking.completed',
  'act.started',
  'act.completed',
  'tool.started',
  'tool.completed',
  'llm.generation',
  'session.started',
  'session.activated',
  'session.idled',
]);

/** Types newer servers send live only (no `id:` line on the stream, not stored, not replayed). */
const DELTA_TYPES: ReadonlySet<string> = new Set(['output.message.delta', 'reason.thinking.delta']);

const EVENT_ID = /^event_[0-9a-f]{32}$/;

/** An event as Everruns' JSON has it. */
export type EverrunsEventJson = {
  id: string;
  type: string;
  ts: string;
  session_id: string;
  context: Record<string, string>;
  data: Record<string, unknown>;
  sequence?: number;
};

/** What the emulator knows when it records an event; the store adds id, ts, session and sequence. */
export interface EventDraft {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly context?: Record<string, string>;
  /** When it happened (epoch ms); default now. Never earlier than the session's previous event. */
  readonly ms?: number;
}

/**
 * Called for every event of a session as it is recorded, in order. `stored` is false for an
 * ephemeral delta: `/sse` then writes no `id:` line, and `eventsAfter` will never return it.
 */
export type EventListener = (event: EverrunsEventJson, stored: boolean) => void;

export interface EventQuery {
  /** Only events whose id is greater than this one (`since_id`). */
  readonly sinceId?: string | null;
  /** Only events of these types (`types`), when not empty. */
  readonly types?: readonly string[];
  /** Leave out events of these types (`exclude`). */
  readonly exclude?: readonly string[];
}

export interface EventStoreOptions {
  /** Deltas are live only, never stored (newer servers). Default false: every event is stored (older servers). */
  readonly ephemeralDeltas?: boolean;
  /**
   * The events a session had before the emulator started (drafts, oldest first), asked for
   * once, the first time the session's log is touched, so seeded sessions have a history.
   */
  readonly history?: (sessionId: string) => readonly EventDraft[];
}

interface SessionLog {
  readonly events: EverrunsEventJson[];
  readonly listeners: Set<EventListener>;
  sequence: number;
  lastId: string | undefined;
}

/** True when `text` is an Everruns event id (a valid `since_id`). */
export function isEventId(text: string): boolean {
  return EVENT_ID.test(text);
}

/**
 * The next `event_` id of a log whose last id is `previous`, made at `ms`: greater than
 * `previous` (same millisecond: the counter goes up; a clock behind the log: its time is
 * kept), and new times start the counter low so many events fit in one millisecond.
 */
export function nextEventId(previous: string | undefined, ms: number, random: Random): string {
  let time = Math.max(0, Math.floor(ms));
  let counter = random.int(0, 0x3ff);
  if (previous !== undefined) {
    const previousTime = Number.parseInt(previous.slice(6, 18), 16);
    if (time <= previousTime) {
      time = previousTime;
      counter = Number.parseInt(previous.slice(19, 22), 16) + 1;
      if (counter > 0xfff) {
        time += 1;
        counter = 0;
      }
    }
  }
  const variant = random.pick(['8', '9', 'a', 'b']);
  return `event_${time.toString(16).padStart(12, '0')}7${counter.toString(16).padStart(3, '0')}${variant}${random.hex(15)}`;
}

/** The epoch ms an event id carries. */
export function eventIdMs(id: string): number {
  return Number.parseInt(id.slice(6, 18), 16);
}

/**
 * The event store. For the `/sse` route: subscribe with `onEvent`, then read the backlog with
 * `eventsAfter(sessionId, {sinceId})` in the same tick (everything here is synchronous, so
 * nothing falls between the two), and drop live events whose id is not above the backlog's last.
 */
export class EventStore {
  readonly ephemeralDeltas: boolean;
  private readonly logs = new Map<string, SessionLog>();
  private readonly history: ((sessionId: string) => readonly EventDraft[]) | undefined;

  constructor(
    private readonly random: Random,
    options: EventStoreOptions = {},
  ) {
    this.ephemeralDeltas = options.ephemeralDeltas ?? false;
    this.history = options.history;
  }

  /** Records an event of a session, tells its listeners, and returns it. */
  append(sessionId: string, draft: EventDraft): EverrunsEventJson {
    const log = this.log(sessionId);
    const stored = !(this.ephemeralDeltas && DELTA_TYPES.has(draft.type));
    const event = this.write(log, sessionId, draft, stored);
    for (const listener of [...log.listeners]) {
      try {
        listener(event, stored);
      } catch {
        // A listener's failure is its own; the turn goes on.
      }
    }
    return event;
  }

  /** The session's stored events after `sinceId` (all without it), filtered, oldest first. */
  eventsAfter(sessionId: string, query: EventQuery = {}): EverrunsEventJson[] {
    const { sinceId, types = [], exclude = [] } = query;
    return this.log(sessionId).events.filter(
      (event) =>
        (!sinceId || event.id > sinceId) &&
        (types.length === 0 || types.includes(event.type)) &&
        !exclude.includes(event.type),
    );
  }

  /** Calls `listener` for each event of the session recorded from now on; returns the unsubscribe function. */
  onEvent(sessionId: string, listener: EventListener): () => void {
    const { listeners } = this.log(sessionId);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  /** Listeners of a session now (tests check that streams let go). */
  listenerCount(sessionId: string): number {
    return this.logs.get(sessionId)?.listeners.size ?? 0;
  }

  /** The id of the session's last event, stored or not (undefined when it has none). */
  lastId(sessionId: string): string | undefined {
    return this.log(sessionId).lastId;
  }

  /** The turn id of the session's last `turn.started` that no `turn.completed|failed|cancelled` ended. */
  openTurnId(sessionId: string): string | undefined {
    const { events } = this.log(sessionId);
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i];
      if (!event) continue;
      if (event.type === 'turn.completed' || event.type === 'turn.failed' || event.type === 'turn.cancelled') {
        return undefined;
      }
      if (event.type === 'turn.started' && typeof event.data.turn_id === 'string') return event.data.turn_id;
    }
    return undefined;
  }

  /** Drops a deleted session's log and listeners. */
  forget(sessionId: string): void {
    this.logs.delete(sessionId);
  }

  /** Drops every listener (the emulator is closing). */
  close(): void {
    for (const log of this.logs.values()) log.listeners.clear();
  }

  private log(sessionId: string): SessionLog {
    let log = this.logs.get(sessionId);
    if (!log) {
      log = { events: [], listeners: new Set(), sequence: 0, lastId: undefined };
      this.logs.set(sessionId, log);
      for (const draft of this.history?.(sessionId) ?? []) this.write(log, sessionId, draft, true);
    }
    return log;
  }

  private write(log: SessionLog, sessionId: string, draft: EventDraft, stored: boolean): EverrunsEventJson {
    const id = nextEventId(log.lastId, draft.ms ?? Date.now(), this.random);
    log.lastId = id;
    const event: EverrunsEventJson = {
      id,
      type: draft.type,
      ts: new Date(eventIdMs(id)).toISOString(),
      session_id: sessionId,
      context: draft.context ?? {},
      data: draft.data,
    };
    if (stored) {
      log.sequence += 1;
      event.sequence = log.sequence;
      log.events.push(event);
    }
    return event;
  }
}

import { randomBytes } from 'node:crypto';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { stringOr } from '../conversation.js';
import { RequestAbortedError, UpstreamError } from '../errors.js';
import { RAW_ANSWER, type UpstreamStream } from '../http.js';
import type { LiveAccess, LiveBody, LiveEvent, LiveModule, LiveOptions, LiveSink, TurnOutcome } from '../live.js';
import { parseAnswer, parseItems } from '../parse.js';
import { backoffMs } from '../resilience.js';
import { EVERRUNS } from './client.js';
import {
  type EverrunsEventPayload,
  everrunsEventListPayload,
  everrunsEventPayload,
  everrunsMessagePayload,
} from './payload.js';
import { toEverrunsMessage } from './to-message.js';

/** How the stream reconnects after failures (the read timeout is the gateway's, on LiveAccess). */
export interface EverrunsLiveOptions {
  /** Backoff after failures: full jitter up to base * 2^n, capped. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

const DEFAULTS: EverrunsLiveOptions = { baseDelayMs: 250, maxDelayMs: 15_000 };

const DELTA = 'output.message.delta';

/** Session events and the status word each means (the session table's words). */
const SESSION_STATUS: Readonly<Record<string, string>> = {
  'session.started': 'started',
  'session.activated': 'active',
  'session.idled': 'idle',
};

const TURN_ENDS: Readonly<Record<string, TurnOutcome>> = {
  'turn.completed': 'COMPLETED',
  'turn.failed': 'FAILED',
  'turn.cancelled': 'CANCELLED',
};

/** Upstream codes that no reconnect can fix: the subscribers end with them. */
const FATAL = new Set(['NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'SOURCE_NOT_CONFIGURED']);

/*
 * A position is the last stored event's id, and for an ephemeral delta (no `id:` line) a
 * sequence after it, counted by the upstream stream that saw it: `event_...` or
 * `event_...~k3a9.3` (`BEFORE_ALL~...` in a session with no stored event yet). Earlier versions
 * wrote `event_...~3`, without the stream, and a bare `~2` before any stored event was seen.
 */
const POSITION = /^([A-Za-z0-9_-]{1,128})?(?:~(?:([a-z0-9]{1,16})\.)?([1-9][0-9]{0,8}))?$/;

interface Position {
  readonly id: string;
  /** The stream that numbered the delta ('' for a stored event or an earlier version's delta). */
  readonly stream: string;
  readonly seq: number;
}

function parsePosition(text: string): Position | null {
  const match = POSITION.exec(text);
  if (!match || text.length === 0) return null;
  return { id: match[1] ?? '', stream: match[2] ?? '', seq: Number(match[3] ?? 0) };
}

/** Names each upstream stream, so its deltas' numbers are told from another's (other workers' too). */
const streamName = () => randomBytes(6).toString('hex');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {};

const numberOr = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** Sorts an Everruns event into the kinds `SessionEvent` serves; an unknown type is `OTHER`. */
function bodyOf(sessionId: string, event: EverrunsEventPayload): LiveBody {
  const sent = event.data ?? null;
  const data = isObject(sent) ? sent : {};
  const type = event.type;
  if (type === 'input.message' || type === 'output.message.completed') {
    const parsed = everrunsMessagePayload.safeParse(data.message);
    if (parsed.success) return { kind: 'MESSAGE_ADDED', message: toEverrunsMessage(sessionId, parsed.data) };
    return { kind: 'OTHER', data: sent };
  }
  if (type === DELTA) {
    return {
      kind: 'MESSAGE_DELTA',
      turnId: stringOr(data.turn_id),
      delta: stringOr(data.delta) ?? '',
      accumulated: stringOr(data.accumulated),
    };
  }
  if (type === 'turn.started') return { kind: 'TURN_STARTED', turnId: stringOr(data.turn_id) };
  const outcome = TURN_ENDS[type];
  if (outcome) {
    const usage = record(data.usage);
    return {
      kind: 'TURN_ENDED',
      turnId: stringOr(data.turn_id),
      outcome,
      error: stringOr(data.error) ?? stringOr(data.reason),
      usage:
        data.usage == null
          ? null
          : { inputTokens: numberOr(usage.input_tokens), outputTokens: numberOr(usage.output_tokens) },
    };
  }
  if (type === 'tool.started') {
    const call = record(data.tool_call);
    return {
      kind: 'TOOL_CALL_STARTED',
      toolCallId: stringOr(call.id),
      name: stringOr(call.name),
      arguments: call.arguments ?? null,
    };
  }
  if (type === 'tool.completed') {
    const error = stringOr(data.error);
    return {
      kind: 'TOOL_CALL_COMPLETED',
      toolCallId: stringOr(data.tool_call_id),
      name: stringOr(data.tool_name),
      isError: data.success === false || error !== null,
      result: data.result ?? error,
    };
  }
  const status = SESSION_STATUS[type];
  if (status) return { kind: 'STATE_CHANGED', upstreamStatus: status };
  return { kind: 'OTHER', data: sent };
}

function toLive(sessionId: string, event: EverrunsEventPayload, position: string): LiveEvent {
  return { position, upstreamType: event.type, at: event.ts, body: bodyOf(sessionId, event) };
}

const eventsPath = (sessionId: string, tail: string) => `/v1/sessions/${encodeURIComponent(sessionId)}/${tail}`;

/** Below every event id: the start of a session with no stored event yet. */
const BEFORE_ALL = 'event_00000000000000000000000000000000';

/** The session's stored events after `since` (all of them without it), as the stream would send them. */
async function storedEvents(
  access: LiveAccess,
  sessionId: string,
  since: string | null,
  options: LiveOptions,
): Promise<EverrunsEventPayload[]> {
  const answer = await access.http.send(
    access.call(),
    {
      method: 'GET',
      route: 'GET /v1/sessions/:id/events',
      path: eventsPath(sessionId, 'events'),
      query: { since_id: since ?? undefined, exclude: options.deltas ? undefined : DELTA },
    },
    RAW_ANSWER,
  );
  const list = parseAnswer(EVERRUNS, everrunsEventListPayload, answer.body);
  return parseItems(EVERRUNS, list.data, everrunsEventPayload).items;
}

/** Waits `ms` unless the work stops first. */
function sleep(ms: number, access: LiveAccess): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      access.signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    access.signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Everruns' live activity: one `/sse` stream per watched session, resumed with `since_id` of
 * the last stored event after its `disconnecting` cycle, a dropped connection or a read timeout.
 */
export function everrunsLive(overrides: Partial<EverrunsLiveOptions> = {}): LiveModule {
  const settings = { ...DEFAULTS, ...overrides };
  return {
    kind: 'stream',

    watch(access, sessionId, options, sink) {
      let stream: UpstreamStream | null = null;
      let stopped = false;
      const stop = () => {
        stopped = true;
        stream?.close();
      };
      access.signal.addEventListener('abort', stop, { once: true });
      void watchStream(access, sessionId, options, sink, settings, {
        stopped: () => stopped || access.signal.aborted,
        opened: (opened) => {
          stream = opened;
          if (stopped) opened.close();
        },
      });
      return stop;
    },

    async replay(access, sessionId, from, options) {
      // An earlier version's `~n` (no stored id) was taken before any stored event: all of them follow it.
      const since = parsePosition(from)?.id || BEFORE_ALL;
      const events = await storedEvents(access, sessionId, since, options);
      return events.filter((event) => event.id > since).map((event) => toLive(sessionId, event, event.id));
    },

    isAfter(event, last) {
      const at = parsePosition(event.position);
      const seen = parsePosition(last);
      if (!at || !seen) return true;
      if (at.id !== seen.id) return at.id > seen.id;
      // A delta another stream numbered came before this subscription: this stream's all follow it.
      if (at.seq > 0 && seen.seq > 0 && at.stream !== seen.stream) return true;
      return at.seq > seen.seq;
    },

    acceptsPosition: (text) => parsePosition(text) !== null,
  };
}

interface StreamControl {
  stopped(): boolean;
  opened(stream: UpstreamStream): void;
}

/** The reconnect loop of one watched session. */
async function watchStream(
  access: LiveAccess,
  sessionId: string,
  options: LiveOptions,
  sink: LiveSink,
  settings: EverrunsLiveOptions,
  control: StreamControl,
): Promise<void> {
  let lastId = '';
  let sequence = 0;
  const streamTag = streamName();
  let failures = 0;
  let ready = false;
  let retryMs = settings.baseDelayMs;
  while (!control.stopped()) {
    let planned = false;
    let idle: NodeJS.Timeout | undefined;
    try {
      // Start after the last stored event, not live: a reconnect before the next stored event
      // then resumes with `since_id` too, and a delta's position names a stored event.
      if (lastId === '') lastId = (await storedEvents(access, sessionId, null, options)).at(-1)?.id ?? BEFORE_ALL;
      const stream = await access.http.openStream(
        access.call(),
        {
          method: 'GET',
          route: 'GET /v1/sessions/:id/sse',
          path: eventsPath(sessionId, 'sse'),
          query: { since_id: lastId, exclude: options.deltas ? undefined : DELTA },
        },
        'text/event-stream',
      );
      control.opened(stream);
      const onMessage = (message: EventSourceMessage) => {
        if (message.event === 'connected') {
          failures = 0;
          if (!ready) {
            ready = true;
            sink.ready();
          }
          return;
        }
        if (message.event === 'disconnecting') {
          planned = true;
          const hint = numberOr(record(safeJson(message.data)).retry_ms);
          if (hint !== null) retryMs = hint;
          stream.close();
          return;
        }
        const parsed = everrunsEventPayload.safeParse(safeJson(message.data));
        if (!parsed.success) return;
        const event = parsed.data;
        if (message.id) {
          // A replay after a reconnect starts after `since_id`; anything at or before it was delivered.
          if (message.id <= lastId) return;
          lastId = message.id;
          sequence = 0;
          sink.event(toLive(sessionId, event, message.id));
        } else {
          sequence += 1;
          sink.event(toLive(sessionId, event, `${lastId}~${streamTag}.${sequence}`));
        }
      };
      const parser = createParser({
        onEvent: onMessage,
        onRetry: (ms) => {
          retryMs = ms;
        },
      });
      const decoder = new TextDecoder();
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => stream.close(), access.readTimeoutMs);
        idle.unref();
      };
      arm();
      for await (const chunk of stream.chunks) {
        arm();
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (planned || control.stopped()) break;
      }
    } catch (error) {
      if (error instanceof UpstreamError && FATAL.has(error.code)) {
        sink.fail(error);
        return;
      }
      if (error instanceof RequestAbortedError && control.stopped()) return;
      // Anything else (a closed or broken connection, a 5xx, an open breaker) is reconnected below.
      if (error instanceof UpstreamError && error.retryAfterMs !== null) retryMs = error.retryAfterMs;
    } finally {
      clearTimeout(idle);
    }
    if (control.stopped()) return;
    sink.reconnecting(planned);
    if (planned) {
      await sleep(retryMs, access);
    } else {
      failures += 1;
      await sleep(Math.max(retryMs, backoffMs(failures, settings.baseDelayMs, settings.maxDelayMs)), access);
    }
    retryMs = settings.baseDelayMs;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

import type { MessageRecord } from './conversation.js';
import type { UpstreamError } from './errors.js';
import type { CallContext, CancelSignal, UpstreamHttp } from './http.js';
import type { DateTimeValue } from './session.js';

/** How a turn ended (`TurnEndedEvent.outcome`). */
export type TurnOutcome = 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** Token counts a turn reported. */
export interface TurnUsage {
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
}

/** What happened, sorted into the kinds the `SessionEvent` types serve. */
export type LiveBody =
  | { readonly kind: 'MESSAGE_ADDED'; readonly message: MessageRecord }
  | {
      readonly kind: 'MESSAGE_DELTA';
      readonly turnId: string | null;
      readonly delta: string;
      readonly accumulated: string | null;
    }
  | { readonly kind: 'TURN_STARTED'; readonly turnId: string | null }
  | {
      readonly kind: 'TURN_ENDED';
      readonly turnId: string | null;
      readonly outcome: TurnOutcome;
      readonly error: string | null;
      readonly usage: TurnUsage | null;
    }
  | {
      readonly kind: 'TOOL_CALL_STARTED';
      readonly toolCallId: string | null;
      readonly name: string | null;
      readonly arguments: unknown;
    }
  | {
      readonly kind: 'TOOL_CALL_COMPLETED';
      readonly toolCallId: string | null;
      readonly name: string | null;
      readonly isError: boolean;
      readonly result: unknown;
    }
  | { readonly kind: 'STATE_CHANGED'; readonly upstreamStatus: string }
  | { readonly kind: 'OTHER'; readonly data: unknown };

/** One event of a session's live activity, whichever source it came from. */
export interface LiveEvent {
  /**
   * Where the session's activity stands once this event is seen: the module's own text, which
   * the event's cursor carries and `replay` and `isAfter` read back.
   */
  readonly position: string;
  /** The upstream's event type word, verbatim (a derived event names what it was derived from). */
  readonly upstreamType: string;
  /** When it happened, at the upstream's precision. */
  readonly at: DateTimeValue;
  readonly body: LiveBody;
}

/** What one shared piece of upstream work (a stream or a poller) tells the subscribers it serves. */
export interface LiveSink {
  /** From now on every event reaches `event` (the stream is connected, the first poll is done). */
  ready(): void;
  /** The next event, in order, once. */
  event(event: LiveEvent): void;
  /** The upstream connection is being made again: after a planned cycle, or after a failure. */
  reconnecting(planned: boolean): void;
  /** The work cannot go on (the session is gone, the key was refused): its subscribers end with this. */
  fail(error: UpstreamError): void;
}

/** A source's upstream as long-lived live work uses it: one key, a fresh call context per call. */
export interface LiveAccess {
  readonly http: UpstreamHttp;
  /** A context for one upstream call of the work (its own deadline and retry allowance). */
  call(): CallContext;
  /** Aborted when the work stops. */
  readonly signal: CancelSignal;
  /** A stream silent this long (not even a heartbeat) is taken as dead and resumed. */
  readonly readTimeoutMs: number;
}

/** What a subscription asked of the upstream work it shares. */
export interface LiveOptions {
  /** Whether `MessageDeltaEvent`s are wanted (a stream that can leave them out upstream does). */
  readonly deltas: boolean;
}

/**
 * How a source streams a session's activity (`Subscription.sessionEvents`). The hub shares one
 * `watch` per session, key and options among subscribers; a subscriber that resumes with
 * `after` gets `replay` first, then the shared events `isAfter` what it has seen.
 */
export interface LiveModule {
  /** An upstream event stream, or polling where the upstream has none (for metrics and docs). */
  readonly kind: 'stream' | 'poller';
  /** Starts the shared work for one session; answers a function that stops it. */
  watch(access: LiveAccess, sessionId: string, options: LiveOptions, sink: LiveSink): () => void;
  /**
   * The events after `from` (a position this module made), oldest first, as the upstream still
   * has them; the shared work is ready before this is asked.
   */
  replay(access: LiveAccess, sessionId: string, from: string, options: LiveOptions): Promise<readonly LiveEvent[]>;
  /** True when `event` comes after the position `last` (a subscriber at `last` has not seen it). */
  isAfter(event: LiveEvent, last: string): boolean;
  /** Whether `text` is a position this module could have made (a cursor's is checked before any call). */
  acceptsPosition(text: string): boolean;
}

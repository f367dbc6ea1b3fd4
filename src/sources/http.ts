import { EventEmitter } from 'node:events';
import { Pool } from 'undici';
import {
  errorForStatus,
  type FieldRejection,
  RequestAbortedError,
  type SourceId,
  type SourceName,
  UpstreamError,
  UpstreamFieldError,
} from './errors.js';
import { type BreakerPolicy, type BreakerState, backoffMs, CircuitBreaker, RetryBudget } from './resilience.js';

/** What the GraphQL request behind a call shares with all its upstream calls. */
export interface RequestBudget {
  /** Epoch ms by which the GraphQL request must be answered (the overall deadline). */
  readonly deadline: number;
  /** Retries this GraphQL request may still make, across all sources. */
  retriesLeft: number;
  /** Upstream calls (attempts) made, for the request log. */
  upstreamCalls: number;
  retries: number;
}

/**
 * Cancellation as an upstream call listens to it: the GraphQL request's AbortSignal, or the
 * lighter {@link CallCancel} of a call shared by several requests.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What every upstream call needs from the GraphQL request that causes it. */
export interface CallContext {
  /** The credential for this source (configured, or from the request's header). */
  readonly apiKey: string;
  /** A digest of the key: what shared calls are keyed by, so the key itself is never held. */
  readonly credential: string;
  /** Aborted when the GraphQL client goes away. */
  readonly signal: CancelSignal;
  readonly budget: RequestBudget;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, starting with `/`; callers encode path segments. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  /** The route name reported to observers, e.g. `GET /v1/sessions/:id`. */
  readonly route: string;
  /** Refusals of one body field this call expects: their error body is read to tell them apart. */
  readonly fieldRejections?: readonly FieldRejection[];
}

export interface HttpAnswer {
  readonly status: number;
  /** Parsed JSON body; `undefined` for an empty body. */
  readonly body: unknown;
}

/** An upstream response body that stays open (an event stream): its chunks, and how to end it. */
export interface UpstreamStream {
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Ends the stream and frees its connection; the chunks' iteration then ends or throws. */
  close(): void;
}

/** One finished upstream attempt, for logs and metrics. Never carries keys, URLs or bodies. */
export interface UpstreamCallInfo {
  readonly source: SourceName;
  readonly route: string;
  /** HTTP status, or the kind of failure. */
  readonly status: number | 'timeout' | 'network' | 'aborted' | 'circuit-open';
  readonly durationMs: number;
}

/** What a tracer is told about an upstream call as it starts. Never a key, a URL or a body. */
export interface UpstreamCallStart {
  readonly source: SourceName;
  readonly method: HttpMethod;
  /** The route, e.g. `GET /v1/sessions/:id`. */
  readonly route: string;
  /** The breaker's verdict: `closed`, `half-open` (this call is its probe), or `open` (refused). */
  readonly breaker: BreakerState;
}

/** One upstream call's trace span as the call reports to it (src/plugins/tracing.ts makes it). */
export interface UpstreamSpan {
  /** Adds the call's trace context (`traceparent`) to an attempt's request headers. */
  inject(headers: Record<string, string>): void;
  /** An attempt ended with this status. */
  attempted(status: UpstreamCallInfo['status']): void;
  /** The call is tried again after `delayMs`. */
  retrying(delayMs: number): void;
  /** The call is over; `error` is what it failed with. */
  end(error?: unknown): void;
}

/** Traces upstream calls. Each method is called in the async context of the code making the call. */
export interface UpstreamTracer {
  /** A call starts; undefined when it is not traced. */
  start(call: UpstreamCallStart): UpstreamSpan | undefined;
  /** A GET joins an identical one in flight; its span ends when the shared call does. */
  joined(call: Omit<UpstreamCallStart, 'breaker'>): Pick<UpstreamSpan, 'end'> | undefined;
}

export interface RetryPolicy {
  /** Retries per call (idempotent GETs only). */
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the call fails at once. */
  readonly maxRetryAfterMs: number;
  /** Retries may add this share of first attempts (plus `burst`). */
  readonly budgetRatio: number;
  readonly budgetBurst: number;
}

export interface UpstreamHttpOptions {
  readonly source: SourceId;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly retry: RetryPolicy;
  readonly breaker: BreakerPolicy;
  /** Share one call among identical GETs in flight for the same credential. */
  readonly coalesce: boolean;
  /** Builds the Authorization header value from a key (the two upstreams differ). */
  readonly authorization: (apiKey: string) => string;
  readonly onCall?: (info: UpstreamCallInfo) => void;
  readonly onRetry?: (info: { source: SourceName; route: string; delayMs: number }) => void;
  readonly onBreakerChange?: (source: SourceName, state: BreakerState) => void;
  /** Spans for calls and `traceparent` for upstreams; absent when tracing is off. */
  readonly tracer?: UpstreamTracer;
}

/**
 * Cancels one attempt. undici takes an emitter with `aborted` as well as an AbortSignal, and
 * this is cheaper to make and to listen to than an AbortController (Node's EventTarget).
 */
class AttemptSignal extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/**
 * A cancellation made of plain callbacks, no EventTarget: a call shared by several requests,
 * a WebSocket's operations (aborted when its socket closes), a live stream.
 */
export class CallCancel implements CancelSignal {
  aborted = false;
  private readonly listeners = new Set<() => void>();

  addEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.delete(listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}

/**
 * A GraphQL request's cancellation as its upstream calls listen to it. It listens to the
 * request's AbortSignal once, on first use, instead of once per upstream call: Node's
 * EventTarget (behind the Fetch API's Proxy in Yoga's Node adapter) is the costly part, and a
 * `nodes` request has dozens of calls in flight, past EventTarget's leak warning at 10.
 */
export class RequestCancel implements CancelSignal {
  private readonly calls = new CallCancel();
  /** Listening to the request's signal since the first call; null before, and once ended. */
  private relay: (() => void) | null = null;

  constructor(private readonly request: CancelSignal) {}

  get aborted(): boolean {
    return this.calls.aborted || this.request.aborted;
  }

  addEventListener(type: 'abort', listener: () => void): void {
    if (this.relay === null && !this.calls.aborted) {
      this.relay = () => this.calls.abort();
      this.request.addEventListener('abort', this.relay, { once: true });
    }
    this.calls.addEventListener(type, listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    this.calls.removeEventListener(type, listener);
  }

  /**
   * The operation ended: its calls still in flight stop, and a signal that outlives it (its
   * WebSocket's, which carries many operations) no longer holds it.
   */
  end(): void {
    if (this.relay !== null) this.request.removeEventListener('abort', this.relay);
    this.relay = null;
    this.calls.abort();
  }
}

/** Waits `ms`; rejects with RequestAbortedError when `signal` aborts first. */
function pause(ms: number, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new RequestAbortedError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RequestAbortedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface SharedCall<T> {
  /** Null once settled, so the map's entry no longer holds the decoded answer. */
  promise: Promise<T> | null;
  waiters: number;
  readonly controller: CallCancel;
}

/**
 * How one kind of answer is decoded (checked at the boundary and mapped). Identical GETs in
 * flight to the same upstream for the same credential through the same decoder share one call
 * and one decoding, so a page that twenty requests wait for is parsed once.
 */
export class Decoder<T> {
  /** Shared calls in flight by credential digest and target. */
  readonly inFlight = new Map<string, SharedCall<T>>();
  constructor(readonly decode: (answer: HttpAnswer) => T) {}
}

/** The answer as it came: for calls whose decoding needs the call's own arguments (a session id). */
export const RAW_ANSWER = new Decoder((answer: HttpAnswer): HttpAnswer => answer);

/** The same promise, ending `span` as it settles. */
function endsWith<T>(promise: Promise<T>, span: Pick<UpstreamSpan, 'end'>): Promise<T> {
  return promise.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      span.end(error);
      throw error;
    },
  );
}

/** Waits for a shared call; this client's abort leaves it, and the last one to leave cancels it. */
function waitFor<T>(shared: SharedCall<T>, promise: Promise<T>, signal: CancelSignal): Promise<T> {
  shared.waiters += 1;
  return new Promise<T>((resolve, reject) => {
    const leave = () => {
      shared.waiters -= 1;
      if (shared.waiters === 0) shared.controller.abort();
      reject(new RequestAbortedError());
    };
    signal.addEventListener('abort', leave, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', leave);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', leave);
        reject(error);
      },
    );
  });
}

let nextHttpId = 0;

/** Statuses worth another try for a GET: the upstream may answer differently in a moment. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * The shared HTTP layer of one upstream: a keep-alive undici pool, a timeout on every call
 * within the request's deadline, the client's abort passed through, retries with backoff and
 * jitter for GETs only (honouring `Retry-After` up to a cap, within a per-request and a
 * per-upstream budget), a circuit breaker, and every failure mapped to an {@link UpstreamError}
 * that is safe to show (no URL, header, body or key).
 */
export class UpstreamHttp {
  readonly source: SourceId;
  readonly breaker: CircuitBreaker;
  private readonly pool: Pool;
  /** Event streams hold a connection for minutes: their own pool, so requests never queue behind them. */
  private streamPool: Pool | null = null;
  private readonly origin: string;
  private readonly prefix: string;
  private readonly options: UpstreamHttpOptions;
  private readonly retryBudget: RetryBudget;
  /** Tells this upstream's calls apart from another's in a decoder's shared calls. */
  private readonly id = nextHttpId++;

  constructor(options: UpstreamHttpOptions) {
    const url = new URL(options.baseUrl);
    this.source = options.source;
    this.options = options;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.origin = url.origin;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      // Timeouts are enforced per call below; undici's own would surface as opaque errors.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.retryBudget = new RetryBudget(options.retry.budgetRatio, options.retry.budgetBurst);
    this.breaker = new CircuitBreaker(options.breaker, (state) =>
      options.onBreakerChange?.(options.source.name, state),
    );
  }

  /**
   * Sends one request (with retries where allowed) and returns its 2xx answer as `decoder` makes it.
   * @throws UpstreamError for non-2xx statuses, timeouts, network failures, non-JSON bodies, an
   * open circuit, and whatever the decoder throws (an answer that does not match the API)
   * @throws RequestAbortedError when the caller's signal aborts
   */
  async send<T>(call: CallContext, request: HttpRequest, decoder: Decoder<T>): Promise<T> {
    if (call.signal.aborted) throw new RequestAbortedError();
    // The path and query as sent, once per call (the coalescing key holds it too).
    const target = request.path + queryString(request.query);
    if (request.method !== 'GET') {
      const answer = await this.sendOnce(call, request, target);
      try {
        return decoder.decode(answer);
      } catch (error) {
        // The upstream did the write (a 2xx); only its answer could not be read.
        if (!(error instanceof UpstreamError) || error.outcomeUnknown) throw error;
        throw new UpstreamError(error.source, error.code, error.message, error.upstreamStatus, null, true);
      }
    }
    if (!this.options.coalesce) return decoder.decode(await this.sendOnce(call, request, target));
    // Keyed by a hash of the key, never the key itself; the call is aborted only when every
    // waiting client has gone.
    const key = `${this.id} ${call.credential} ${target}`;
    const known = decoder.inFlight.get(key);
    if (known?.promise) {
      const waiting = waitFor(known, known.promise, call.signal);
      const span = this.options.tracer?.joined({
        source: this.source.name,
        method: request.method,
        route: request.route,
      });
      return span ? endsWith(waiting, span) : waiting;
    }
    const controller = new CallCancel();
    const entry: SharedCall<T> = { waiters: 0, controller, promise: null };
    const promise = this.sendOnce({ ...call, signal: controller }, request, target)
      .then(decoder.decode)
      .finally(() => {
        if (decoder.inFlight.get(key) === entry) decoder.inFlight.delete(key);
        // V8 keeps a value deleted from a long-lived Map alive until the next full GC, which
        // promoted every answer; test/retention.test.ts fails without this line.
        entry.promise = null;
      });
    entry.promise = promise;
    decoder.inFlight.set(key, entry);
    return waitFor(entry, promise, call.signal);
  }

  private async sendOnce(call: CallContext, request: HttpRequest, target: string): Promise<HttpAnswer> {
    const allowed = this.breaker.allow();
    const span = this.options.tracer?.start(this.callStart(request, allowed));
    if (!allowed) throw this.circuitOpen(request, span);
    // The breaker judges whole calls (after their retries): noise that a retry absorbs is no outage.
    try {
      const answer = await this.sendWithRetries(call, request, target, span);
      this.breaker.success();
      span?.end();
      return answer;
    } catch (error) {
      if (error instanceof UpstreamError && error.code === 'UPSTREAM_UNAVAILABLE') this.breaker.failure();
      else if (error instanceof UpstreamError) this.breaker.success();
      else this.breaker.abandon();
      span?.end(error);
      throw error;
    }
  }

  /** What a tracer is told of a call the breaker has judged. */
  private callStart(request: HttpRequest, allowed: boolean): UpstreamCallStart {
    const breaker = allowed ? this.breaker.state : 'open';
    return { source: this.source.name, method: request.method, route: request.route, breaker };
  }

  /** Reports a call the breaker refused, and the error it fails with. */
  private circuitOpen(request: HttpRequest, span: UpstreamSpan | undefined): UpstreamError {
    this.options.onCall?.({ source: this.source.name, route: request.route, status: 'circuit-open', durationMs: 0 });
    const error = new UpstreamError(
      this.source.name,
      'UPSTREAM_UNAVAILABLE',
      `${this.source.label} is failing; calls to it are paused for a few seconds.`,
      null,
      this.breaker.retryInMs(),
    );
    span?.attempted('circuit-open');
    span?.end(error);
    return error;
  }

  private async sendWithRetries(
    call: CallContext,
    request: HttpRequest,
    target: string,
    span: UpstreamSpan | undefined,
  ): Promise<HttpAnswer> {
    this.retryBudget.deposit();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(call, request, target, span);
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        const delay = this.retryDelay(call, request, error, attempt);
        if (delay === null) throw error;
        call.budget.retriesLeft -= 1;
        call.budget.retries += 1;
        this.options.onRetry?.({ source: this.source.name, route: request.route, delayMs: delay });
        span?.retrying(delay);
        await pause(delay, call.signal);
      }
    }
  }

  /** The wait before another try, or null when the call must fail now. */
  private retryDelay(call: CallContext, request: HttpRequest, error: UpstreamError, attempt: number): number | null {
    const policy = this.options.retry;
    if (request.method !== 'GET' || attempt >= policy.maxRetries || call.budget.retriesLeft <= 0) return null;
    const retryable = error.upstreamStatus !== null ? RETRYABLE_STATUS.has(error.upstreamStatus) : error.retryable;
    if (!retryable) return null;
    if (error.retryAfterMs !== null && error.retryAfterMs > policy.maxRetryAfterMs) return null;
    const delay = error.retryAfterMs ?? backoffMs(attempt, policy.baseDelayMs, policy.maxDelayMs);
    // Leave the retry some time to answer within the request's deadline.
    if (Date.now() + delay + Math.min(this.options.timeoutMs, 250) > call.budget.deadline) return null;
    if (!this.retryBudget.withdraw()) return null;
    return delay;
  }

  private async attempt(
    call: CallContext,
    request: HttpRequest,
    target: string,
    span: UpstreamSpan | undefined,
  ): Promise<HttpAnswer> {
    const remaining = call.budget.deadline - Date.now();
    if (remaining <= 0) {
      throw this.unavailable('was not asked: the request deadline had passed', null, false, false);
    }
    const timeoutMs = Math.min(this.options.timeoutMs, remaining);
    const started = performance.now();
    const controller = new AttemptSignal();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onClientAbort = () => controller.abort();
    call.signal.addEventListener('abort', onClientAbort, { once: true });
    call.budget.upstreamCalls += 1;
    let status: UpstreamCallInfo['status'] = 'network';
    try {
      const headers: Record<string, string> = {
        authorization: this.options.authorization(call.apiKey),
        accept: 'application/json',
      };
      span?.inject(headers);
      let body: string | undefined;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers['content-type'] = 'application/json';
      }
      const response = await this.pool.request({
        method: request.method,
        path: this.prefix + target,
        headers,
        body,
        signal: controller,
      });
      status = response.statusCode;
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const rules = request.fieldRejections?.filter((rule) => rule.status === response.statusCode) ?? [];
        if (rules.length > 0) {
          const field = rejectedField(rules, await response.body.text());
          if (field !== null) throw new UpstreamFieldError(this.source, response.statusCode, field);
        } else {
          await response.body.dump();
        }
        throw errorForStatus(this.source, response.statusCode, retryAfterMs(response.headers['retry-after']));
      }
      const text = await response.body.text();
      if (text.length === 0) return { status: response.statusCode, body: undefined };
      try {
        return { status: response.statusCode, body: JSON.parse(text) };
      } catch {
        throw this.unavailable('sent a malformed answer', response.statusCode, request.method !== 'GET', false);
      }
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      // A write that was sent but not answered may or may not have taken effect.
      const unknown = request.method !== 'GET';
      if (timedOut) {
        status = 'timeout';
        throw this.unavailable(`did not answer within ${timeoutMs} ms`, null, unknown, false);
      }
      if (call.signal.aborted) {
        status = 'aborted';
        throw new RequestAbortedError();
      }
      throw this.unavailable('could not be reached', null, unknown, true);
    } finally {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onClientAbort);
      this.reportCall(request.route, status, started);
      span?.attempted(status);
    }
  }

  /**
   * Opens a long-lived GET (an event stream). Not retried here (its owner reconnects with its
   * own backoff); the breaker is asked first and told whether the connection was made; the
   * timeout covers the answer's head only.
   * @throws UpstreamError as `send` does
   */
  async openStream(call: CallContext, request: HttpRequest, accept: string): Promise<UpstreamStream> {
    const allowed = this.breaker.allow();
    const span = this.options.tracer?.start(this.callStart(request, allowed));
    if (!allowed) throw this.circuitOpen(request, span);
    this.streamPool ??= new Pool(this.origin, { keepAliveTimeout: 5_000, headersTimeout: 0, bodyTimeout: 0 });
    const started = performance.now();
    const controller = new AttemptSignal();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    const onAbort = () => controller.abort();
    call.signal.addEventListener('abort', onAbort, { once: true });
    let status: UpstreamCallInfo['status'] = 'network';
    let failure: unknown;
    try {
      const headers: Record<string, string> = { authorization: this.options.authorization(call.apiKey), accept };
      span?.inject(headers);
      const response = await this.streamPool.request({
        method: 'GET',
        path: this.prefix + request.path + queryString(request.query),
        headers,
        signal: controller,
      });
      status = response.statusCode;
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        const error = errorForStatus(this.source, response.statusCode, retryAfterMs(response.headers['retry-after']));
        if (error.code === 'UPSTREAM_UNAVAILABLE') this.breaker.failure();
        else this.breaker.success();
        throw error;
      }
      this.breaker.success();
      const body = response.body;
      return { chunks: body, close: () => controller.abort() };
    } catch (error) {
      failure = error;
      if (error instanceof UpstreamError) throw error;
      if (call.signal.aborted) {
        status = 'aborted';
        this.breaker.abandon();
        failure = new RequestAbortedError();
        throw failure;
      }
      if (timedOut) status = 'timeout';
      this.breaker.failure();
      const what = timedOut ? `did not answer within ${this.options.timeoutMs} ms` : 'could not be reached';
      failure = this.unavailable(what, null, false, true);
      throw failure;
    } finally {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
      this.reportCall(request.route, status, started);
      // The span covers the stream's opening (its answer's head), not its life.
      span?.attempted(status);
      span?.end(failure);
    }
  }

  /** Tells the metrics of a call that ended (answered, failed or abandoned). */
  private reportCall(route: string, status: UpstreamCallInfo['status'], started: number): void {
    this.options.onCall?.({ source: this.source.name, route, status, durationMs: performance.now() - started });
  }

  /** Closes the pools' connections. */
  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.streamPool?.destroy()]);
  }

  private unavailable(what: string, status: number | null, outcomeUnknown: boolean, retryable: boolean): UpstreamError {
    const label = this.source.label;
    const message = outcomeUnknown
      ? `${label} ${what}; the outcome of this change is unknown: read the data back before trying again.`
      : `${label} ${what}.`;
    const error = new UpstreamError(this.source.name, 'UPSTREAM_UNAVAILABLE', message, status, null, outcomeUnknown);
    error.retryable = retryable;
    return error;
  }
}

/**
 * `?name=value&...` of the defined values, percent-encoded (`encodeURIComponent`: what a server
 * decodes the same as URLSearchParams' form encoding, without building one per call).
 */
export function queryString(query: HttpRequest['query']): string {
  if (!query) return '';
  let text = '';
  for (const name in query) {
    const value = query[name];
    if (value === undefined) continue;
    text += `${text.length === 0 ? '?' : '&'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  }
  return text;
}

/** The body field an error answer names, by the first rule its message matches; null for none. */
function rejectedField(rules: readonly FieldRejection[], text: string): string | null {
  // Error bodies are short: a long one is no refusal we know.
  if (text.length > 4096) return null;
  let message: unknown = text;
  try {
    const body: unknown = JSON.parse(text);
    message =
      typeof body === 'object' && body !== null ? (Reflect.get(body, 'error') ?? Reflect.get(body, 'detail')) : body;
  } catch {
    // Plain text: the message as it is.
  }
  if (typeof message !== 'string') return null;
  return rules.find((rule) => rule.message.test(message))?.field ?? null;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

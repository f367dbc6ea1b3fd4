import { type SourceName, UpstreamError } from '../sources/errors.js';
import { CallCancel, type UpstreamHttp } from '../sources/http.js';
import type { LiveAccess, LiveEvent, LiveModule, LiveOptions } from '../sources/live.js';

/** Counts the hub reports (src/plugins/observability.ts makes them Prometheus metrics). */
export interface LiveMetrics {
  subscriptions(source: SourceName, delta: number): void;
  upstreams(source: SourceName, kind: LiveModule['kind'], delta: number): void;
  reconnected(source: SourceName, planned: boolean): void;
  delivered(source: SourceName, count: number): void;
  tooSlow(source: SourceName): void;
}

export interface HubSettings {
  /** Open subscriptions per process. */
  readonly maxSubscriptions: number;
  /** Open subscriptions per client connection (a WebSocket, or an HTTP connection's SSE). */
  readonly maxPerConnection: number;
  /** Events one subscriber may have waiting; one more and it is ended as too slow. */
  readonly bufferSize: number;
  /** Bytes its transport may hold unsent (a client that stopped reading) before it is too slow. */
  readonly maxUnsentBytes: number;
  /** Shared work outlives its last subscriber this long, so a quick resubscribe reuses it. */
  readonly lingerMs: number;
  /** A silent upstream stream is resumed after this long. */
  readonly readTimeoutMs: number;
  /** Deadline and retries of each upstream call the shared work makes. */
  readonly callTimeoutMs: number;
  readonly retriesPerCall: number;
  /** Starts shared work, which serves every subscriber, outside the first one's trace (tracing). */
  readonly detach?: <T>(start: () => T) => T;
}

/** Why a subscription was refused or ended by the gateway (not by its upstream). */
export class LiveError extends Error {
  override readonly name = 'LiveError';
  constructor(
    readonly code: 'SUBSCRIBER_TOO_SLOW' | 'TOO_MANY_SUBSCRIPTIONS' | 'SHUTTING_DOWN',
    message: string,
  ) {
    super(message);
  }
}

/** What a subscriber yields: the next event, or the error that ends it. */
export type LiveItem = { readonly event: LiveEvent } | { readonly error: UpstreamError | LiveError };

/** One subscription as the hub takes it. The key stays in the shared work's closure, never in a log. */
export interface WatchRequest {
  readonly source: SourceName;
  readonly live: LiveModule;
  readonly http: UpstreamHttp;
  readonly apiKey: string;
  /** A digest of the key: shared work is keyed by it, never shared across keys. */
  readonly credential: string;
  readonly sessionId: string;
  readonly options: LiveOptions;
  /** Resume after this position (the module's text from a cursor); null: live from now. */
  readonly after: string | null;
  /** The client connection it came on (counted against `maxPerConnection`). */
  readonly connection: object;
  /** Bytes the transport holds unsent for this client. */
  readonly unsentBytes: () => number;
}

class SharedWork {
  readonly subscribers = new Set<Subscriber>();
  readonly signal = new CallCancel();
  /** The upstream as the work uses it (one key); a subscriber's replay asks through it too. */
  access: LiveAccess | null = null;
  stop: () => void = () => undefined;
  ready = false;
  readonly waiting: Array<() => void> = [];
  failure: UpstreamError | null = null;
  linger: NodeJS.Timeout | undefined;
  constructor(
    readonly key: string,
    readonly request: WatchRequest,
  ) {}

  /** Resolves once the work delivers every event from now on, or has failed. */
  whenReady(): Promise<void> {
    if (this.ready || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  settle(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/**
 * Fans a session's live activity out to its subscribers: one upstream stream or poller per
 * session, key and options in this process, reference-counted; each subscriber has a bounded
 * queue and is ended with `SUBSCRIBER_TOO_SLOW` when it overflows, never skipped. Ours: no
 * library shares REST event streams among GraphQL subscribers with per-key isolation.
 */
export class LiveHub {
  private readonly works = new Map<string, SharedWork>();
  private readonly perConnection = new WeakMap<object, number>();
  private open = 0;
  private closed = false;

  constructor(
    private readonly settings: HubSettings,
    private readonly metrics: LiveMetrics,
  ) {}

  /** Subscriptions open now. */
  get subscriptions(): number {
    return this.open;
  }

  /** Shared upstream works running now (streams and pollers). */
  get upstreams(): number {
    return this.works.size;
  }

  /**
   * Starts a subscription: joins (or starts) the session's shared work; with `after`, replays
   * what came after it first.
   * @throws LiveError `TOO_MANY_SUBSCRIPTIONS` over a limit, `SHUTTING_DOWN` after `close`
   */
  subscribe(request: WatchRequest): AsyncIterableIterator<LiveItem> {
    if (this.closed) throw new LiveError('SHUTTING_DOWN', 'The gateway is shutting down: subscribe again in a moment.');
    const { maxSubscriptions, maxPerConnection } = this.settings;
    if (this.open >= maxSubscriptions) {
      throw new LiveError(
        'TOO_MANY_SUBSCRIPTIONS',
        `This gateway process serves at most ${maxSubscriptions} subscriptions (MAX_SUBSCRIPTIONS); try again later.`,
      );
    }
    const onConnection = this.perConnection.get(request.connection) ?? 0;
    if (onConnection >= maxPerConnection) {
      throw new LiveError(
        'TOO_MANY_SUBSCRIPTIONS',
        `One connection may hold at most ${maxPerConnection} subscriptions (MAX_SUBSCRIPTIONS_PER_CONNECTION): end one first.`,
      );
    }
    const key = [
      request.source,
      request.credential,
      request.sessionId,
      request.live.kind === 'stream' ? String(request.options.deltas) : '',
    ].join('\n');
    let work = this.works.get(key);
    if (!work) work = this.start(key, request);
    clearTimeout(work.linger);
    const subscriber = new Subscriber(this, work, request, this.settings);
    work.subscribers.add(subscriber);
    this.open += 1;
    this.perConnection.set(request.connection, onConnection + 1);
    this.metrics.subscriptions(request.source, 1);
    if (request.after !== null) void subscriber.join(request.after);
    return subscriber;
  }

  /** Completes every subscription (SIGTERM) and stops the shared work; later subscribes are refused. */
  close(): void {
    this.closed = true;
    for (const work of [...this.works.values()]) {
      for (const subscriber of [...work.subscribers]) subscriber.end(null);
      this.retire(work);
    }
  }

  /** A subscriber is done: its counts go down, and its work lingers when it was the last. */
  release(work: SharedWork, subscriber: Subscriber): void {
    if (!work.subscribers.delete(subscriber)) return;
    this.open -= 1;
    const connection = subscriber.request.connection;
    const count = (this.perConnection.get(connection) ?? 1) - 1;
    if (count > 0) this.perConnection.set(connection, count);
    else this.perConnection.delete(connection);
    this.metrics.subscriptions(work.request.source, -1);
    if (work.subscribers.size === 0 && this.works.get(work.key) === work) {
      work.linger = setTimeout(() => this.retire(work), this.settings.lingerMs);
      work.linger.unref();
    }
  }

  delivered(source: SourceName): void {
    this.metrics.delivered(source, 1);
  }

  tooSlow(source: SourceName): void {
    this.metrics.tooSlow(source);
  }

  private start(key: string, request: WatchRequest): SharedWork {
    const work = new SharedWork(key, request);
    const { http, apiKey, credential, source, live } = request;
    const { callTimeoutMs, retriesPerCall } = this.settings;
    const access: LiveAccess = {
      http,
      signal: work.signal,
      readTimeoutMs: this.settings.readTimeoutMs,
      call: () => ({
        apiKey,
        credential,
        signal: work.signal,
        budget: { deadline: Date.now() + callTimeoutMs, retriesLeft: retriesPerCall, upstreamCalls: 0, retries: 0 },
      }),
    };
    work.access = access;
    this.works.set(key, work);
    this.metrics.upstreams(source, live.kind, 1);
    const watch = () =>
      live.watch(access, request.sessionId, request.options, {
        ready: () => {
          work.ready = true;
          work.settle();
        },
        event: (event) => {
          for (const subscriber of work.subscribers) subscriber.offer(event);
        },
        reconnecting: (planned) => this.metrics.reconnected(source, planned),
        fail: (error) => {
          work.failure = error;
          work.settle();
          for (const subscriber of [...work.subscribers]) subscriber.end(error);
          this.retire(work);
        },
      });
    work.stop = this.settings.detach ? this.settings.detach(watch) : watch();
    return work;
  }

  private retire(work: SharedWork): void {
    clearTimeout(work.linger);
    if (this.works.get(work.key) !== work) return;
    this.works.delete(work.key);
    work.stop();
    work.signal.abort();
    work.settle();
    this.metrics.upstreams(work.request.source, work.request.live.kind, -1);
  }
}

/** One subscription: a bounded queue fed by its shared work, read by its transport. */
class Subscriber implements AsyncIterableIterator<LiveItem> {
  private queue: LiveItem[] = [];
  private waiter: ((result: IteratorResult<LiveItem>) => void) | null = null;
  /** No more items will be queued. */
  private ended = false;
  /** Released from the hub (its counts, its share of the work): once ended. */
  private detached = false;
  /** The position of the last event queued: what it has seen. */
  private last: string | null = null;
  /** Events that arrived while the replay of `after` was read. */
  private held: LiveEvent[] | null = null;
  /** Replayed events at the head of the queue: history the client asked for, not a lag behind live. */
  private replayQueued = 0;

  constructor(
    private readonly hub: LiveHub,
    private readonly work: SharedWork,
    readonly request: WatchRequest,
    private readonly settings: HubSettings,
  ) {}

  /** Replays what came after `after`, then what the shared work delivered meanwhile, then live. */
  async join(after: string): Promise<void> {
    this.held = [];
    this.last = after;
    try {
      await this.work.whenReady();
      const access = this.work.access;
      if (this.work.failure || !access || this.ended) return;
      const replayed = await this.request.live.replay(access, this.request.sessionId, after, this.request.options);
      const held = this.held;
      this.held = null;
      for (const event of replayed) this.accept(event, true);
      for (const event of held) this.accept(event);
    } catch (error) {
      this.held = null;
      if (error instanceof UpstreamError) this.end(error);
      else this.end(null);
    }
  }

  offer(event: LiveEvent): void {
    if (this.ended) return;
    if (this.held) {
      this.held.push(event);
      if (this.held.length > this.settings.bufferSize) this.overflow();
      return;
    }
    this.accept(event);
  }

  /** Queues an event once, in order; only live events count against the buffer. */
  private accept(event: LiveEvent, replayed = false): void {
    if (this.ended) return;
    if (this.last !== null && !this.request.live.isAfter(event, this.last)) return;
    this.last = event.position;
    if (this.push({ event }) && replayed) this.replayQueued += 1;
    if (replayed) return;
    const behind = this.queue.length - this.replayQueued;
    if (behind > this.settings.bufferSize || this.request.unsentBytes() > this.settings.maxUnsentBytes) {
      this.overflow();
    }
  }

  private overflow(): void {
    this.hub.tooSlow(this.request.source);
    this.queue = [];
    this.replayQueued = 0;
    this.end(
      new LiveError(
        'SUBSCRIBER_TOO_SLOW',
        `This subscription fell more than ${this.settings.bufferSize} events behind and was ended; resubscribe with \`after\` set to the last cursor you handled.`,
      ),
    );
  }

  /** Hands the item to a waiting reader, or queues it: true when queued. */
  private push(item: LiveItem): boolean {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      if ('event' in item) this.hub.delivered(this.request.source);
      waiter({ value: item, done: false });
      return false;
    }
    this.queue.push(item);
    return true;
  }

  /**
   * Ends the subscription: with an error item first, or (null) complete once the queue is read.
   * It leaves the hub at once; a stalled transport reads the error whenever it reads again.
   */
  end(error: UpstreamError | LiveError | null): void {
    if (this.ended) return;
    if (error) this.push({ error });
    this.ended = true;
    this.detach();
    if (this.queue.length === 0 && this.waiter) this.finish();
  }

  next(): Promise<IteratorResult<LiveItem>> {
    const item = this.queue.shift();
    if (item) {
      if (this.replayQueued > 0) this.replayQueued -= 1;
      if ('event' in item) this.hub.delivered(this.request.source);
      return Promise.resolve({ value: item, done: false });
    }
    if (this.ended) {
      this.finish();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<LiveItem>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LiveItem> {
    return this;
  }

  private finish(): void {
    this.ended = true;
    this.queue = [];
    this.replayQueued = 0;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.({ value: undefined, done: true });
    this.detach();
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.hub.release(this.work, this);
  }
}

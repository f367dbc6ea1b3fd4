import { Random } from './random.js';

/** A fault the emulator applies to matching requests. */
export interface FaultRule {
  /** Route name such as `GET /v1/sessions/:id`, or `*` for every route. */
  readonly route: string;
  /** Only requests whose path contains this text (one session, say). */
  readonly pathIncludes?: string;
  /** Only requests made with this API key (a tenant), when set. */
  readonly apiKey?: string;
  /** Answer with this status instead of the real answer. */
  readonly status?: number;
  /** Body for `status`; `null` sends no body. Defaults to the upstream's error shape. */
  readonly body?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Never answer (the socket stays open until the client gives up or the emulator closes). */
  readonly hang?: boolean;
  /** Send a truncated, unparseable JSON body with status 200. */
  readonly malformed?: boolean;
  /** Replace every session's status word with this one. */
  readonly unknownStatus?: string;
  /** Add an unknown field to every session. */
  readonly extraField?: boolean;
  /** Remove this field from the first session of the answer. */
  readonly dropField?: string;
  /** Set this field of the first session of the answer to this value (a drifted shape, say). */
  readonly setField?: { readonly name: string; readonly value: unknown };
  /** Apply to this many matching requests, then retire (default: every request). */
  readonly times?: number;
  /** Apply to this share of matching requests (seeded, deterministic). */
  readonly probability?: number;
}

/** One request the emulator received. */
export interface RecordedRequest {
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** `performance.timeOrigin + performance.now()` when the request arrived. */
  readonly at: number;
  /** The tenant the key belongs to, or null when the key was unknown or absent. */
  readonly tenant: string | null;
  /** Names of the request headers (values are not kept: they hold keys). */
  readonly headerNames: readonly string[];
  /** The W3C `traceparent` header's value (trace context, no secret), when the request had one. */
  readonly traceparent?: string;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

/** Per-route counters, the request log and the fault rules of a running emulator. */
export class Switchboard {
  readonly requests: RecordedRequest[] = [];
  private readonly counters = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private rules: ActiveRule[] = [];
  private readonly random = new Random(20261124);

  /** Requests received on `route` (e.g. `GET /api/v0/sessions`) since the last reset. */
  count(route: string): number {
    return this.counters.get(route) ?? 0;
  }

  /** Requests of `route` in progress now (a client that gave up closes its request). */
  inFlightNow(route: string): number {
    return this.inFlight.get(route) ?? 0;
  }

  /** The most requests of `route` in progress at once since the last reset. */
  maxInFlight(route: string): number {
    return this.peaks.get(route) ?? 0;
  }

  /** Marks a request of `route` as started; call the returned function when it is answered. */
  begin(route: string): () => void {
    const now = (this.inFlight.get(route) ?? 0) + 1;
    this.inFlight.set(route, now);
    if (now > (this.peaks.get(route) ?? 0)) this.peaks.set(route, now);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight.set(route, (this.inFlight.get(route) ?? 1) - 1);
    };
  }

  /** All counters, by route. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  /** Requests received on routes that start with `prefix` (e.g. `GET /v1/`). */
  countPrefix(prefix: string): number {
    let total = 0;
    for (const [route, n] of this.counters) if (route.startsWith(prefix)) total += n;
    return total;
  }

  /** Adds a fault rule; rules are tried in the order added. */
  inject(rule: FaultRule): void {
    this.rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** Clears counters and the request log, keeping faults. */
  resetCounts(): void {
    this.counters.clear();
    this.peaks.clear();
    this.requests.length = 0;
  }

  /** Clears counters, the request log and faults. */
  reset(): void {
    this.counters.clear();
    this.peaks.clear();
    this.requests.length = 0;
    this.rules = [];
  }

  /** Records a request and returns the fault to apply to it, if any. */
  record(request: RecordedRequest, apiKey: string | null): FaultRule | undefined {
    this.counters.set(request.route, (this.counters.get(request.route) ?? 0) + 1);
    this.requests.push(request);
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.route !== '*' && rule.route !== request.route) continue;
      if (rule.apiKey !== undefined && rule.apiKey !== apiKey) continue;
      if (rule.pathIncludes !== undefined && !request.path.includes(rule.pathIncludes)) continue;
      if (active.remaining <= 0) continue;
      if (rule.probability !== undefined && !this.random.chance(rule.probability)) continue;
      active.remaining -= 1;
      return rule;
    }
    return undefined;
  }
}

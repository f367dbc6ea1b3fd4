import type { GatewayConfig } from './config.js';
import type { SourceName } from './sources/errors.js';
import { UpstreamHttp, type UpstreamHttpOptions } from './sources/http.js';
import { allSources } from './sources/registry.js';
import type { BreakerState } from './sources/resilience.js';

/** What the gateway's observability (and tracing, when on) hears of every upstream call. */
export type UpstreamHooks = Pick<UpstreamHttpOptions, 'onCall' | 'onRetry' | 'onBreakerChange' | 'tracer'>;

/** A source's breaker state, or `off` when the source is not configured. */
export type SourceHealth = BreakerState | 'off';

/** A gateway's upstream HTTP layers (pools, retries, breakers), one per configured source. */
export interface Upstreams {
  /** The HTTP layer of each configured source; absent when the source is off. */
  readonly http: ReadonlyMap<SourceName, UpstreamHttp>;
  /** Each registered source's breaker state (`off` when not configured). */
  health(): Record<SourceName, SourceHealth>;
  /** Closes every pool. */
  close(): Promise<void>;
}

/** Builds the upstream layers once per gateway: every request shares their pools. */
export function createUpstreams(config: GatewayConfig, hooks: UpstreamHooks = {}): Upstreams {
  const r = config.resilience;
  const http = new Map<SourceName, UpstreamHttp>();
  for (const source of allSources()) {
    const settings = config.sources[source.name];
    if (!settings) continue;
    http.set(
      source.name,
      new UpstreamHttp({
        source: { name: source.name, label: source.label },
        baseUrl: settings.baseUrl,
        authorization: source.authorization,
        timeoutMs: config.upstreamTimeoutMs,
        connections: config.upstreamConnections,
        retry: {
          maxRetries: r.retries,
          baseDelayMs: r.retryBaseDelayMs,
          maxDelayMs: r.retryMaxDelayMs,
          maxRetryAfterMs: r.retryAfterMaxMs,
          budgetRatio: r.retryBudgetRatio,
          budgetBurst: 20,
        },
        breaker: { failureThreshold: r.breakerFailures, cooldownMs: r.breakerCooldownMs },
        coalesce: config.coalesceGets,
        ...hooks,
      }),
    );
  }
  return {
    http,
    health: () =>
      Object.fromEntries(allSources().map((source) => [source.name, http.get(source.name)?.breaker.state ?? 'off'])),
    close: async () => {
      await Promise.all([...http.values()].map((layer) => layer.close()));
    },
  };
}

import type { GatewayConfig } from './config.js';
import type { Upstreams } from './context.js';
import { createEverrunsClient } from './sources/everruns/client.js';
import { createFactoryClient } from './sources/factory/client.js';
import { UpstreamHttp, type UpstreamHttpOptions } from './sources/http.js';

/** What the gateway's observability listens to on every upstream call. */
export type UpstreamHooks = Pick<UpstreamHttpOptions, 'onCall' | 'onRetry' | 'onBreakerChange'>;

/** A configuration's upstream HTTP layers (pools, retries, breakers) and clients; null when off. */
export interface UpstreamSet {
  readonly factoryHttp: UpstreamHttp | null;
  readonly everrunsHttp: UpstreamHttp | null;
  readonly upstreams: Upstreams;
}

/** Builds the upstream layers once per gateway: every request shares their pools. */
export function createUpstreams(config: GatewayConfig, hooks: UpstreamHooks = {}): UpstreamSet {
  const r = config.resilience;
  const common = {
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
  };
  const factoryHttp = config.factory
    ? new UpstreamHttp({
        ...common,
        source: 'FACTORY',
        baseUrl: config.factory.baseUrl,
        authorization: (key) => `Bearer ${key}`,
      })
    : null;
  const everrunsHttp = config.everruns
    ? new UpstreamHttp({
        ...common,
        source: 'EVERRUNS',
        baseUrl: config.everruns.baseUrl,
        // Everruns takes API keys as `ApiKey evr_...` and session tokens as bearer tokens.
        authorization: (key) => (key.startsWith('evr_') ? `ApiKey ${key}` : `Bearer ${key}`),
      })
    : null;
  return {
    factoryHttp,
    everrunsHttp,
    upstreams: {
      factory: factoryHttp && createFactoryClient(factoryHttp),
      everruns: everrunsHttp && createEverrunsClient(everrunsHttp),
    },
  };
}

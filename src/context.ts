import type { GraphQLError } from 'graphql';
import type { GatewayConfig } from './config.js';
import { loadEverrunsSessionsById } from './loaders/everruns-sessions.js';
import { loadFactorySessionsById } from './loaders/factory-sessions.js';
import type { SessionLoader } from './loaders/session-loader.js';
import { type SourceAccess, sourceAccess } from './sources/access.js';
import type { EverrunsClient } from './sources/everruns/client.js';
import type { EverrunsSessionRecord } from './sources/everruns/to-session.js';
import type { FactoryClient } from './sources/factory/client.js';
import type { FactorySessionRecord } from './sources/factory/to-session.js';
import { type CancelSignal, type RequestBudget, RequestCancel } from './sources/http.js';

/** Request headers that carry per-request upstream keys (they override the configured ones). */
export const KEY_HEADERS = {
  factory: 'x-factory-api-key',
  everruns: 'x-everruns-api-key',
} as const;

/** The upstream clients of a gateway; null for a source that is off. Shared by all requests. */
export interface Upstreams {
  readonly factory: FactoryClient | null;
  readonly everruns: EverrunsClient | null;
}

/** Everything a resolver may use. Built per request; nothing in it outlives the request. */
export interface GraphQLContext {
  /** Aborted when the client goes away. */
  readonly signal: CancelSignal;
  readonly factory: SourceAccess<FactoryClient>;
  readonly everruns: SourceAccess<EverrunsClient>;
  readonly loaders: {
    readonly factorySessions: SessionLoader<FactorySessionRecord>;
    readonly everrunsSessions: SessionLoader<EverrunsSessionRecord>;
  };
  /** Deadline, retry allowance and call counts shared by the request's upstream calls. */
  readonly budget: RequestBudget;
  /** Errors of fields that still answered (a failed source in the merged feed); appended to `errors`. */
  readonly partialErrors: GraphQLError[];
}

/**
 * What a request's context needs from its HTTP request: Yoga's Fetch-API Request fits, and
 * so does the Node fast path's view of a Node request (src/fast-path.ts).
 */
export interface RequestHead {
  readonly headers: { get(name: string): string | null };
  /** Aborts when the client goes away. */
  readonly signal: CancelSignal;
}

function headerKey(request: RequestHead, name: string): string | null {
  const value = request.headers.get(name)?.trim();
  return value ? value : null;
}

/** Builds one request's context: its keys, its signal and fresh loaders. */
export function createContext(upstreams: Upstreams, config: GatewayConfig, request: RequestHead): GraphQLContext {
  const signal = new RequestCancel(request.signal);
  const budget: RequestBudget = {
    deadline: Date.now() + config.resilience.requestDeadlineMs,
    retriesLeft: config.resilience.retriesPerRequest,
    upstreamCalls: 0,
    retries: 0,
  };
  const factoryHeader = headerKey(request, KEY_HEADERS.factory);
  const factory = sourceAccess(
    'FACTORY',
    upstreams.factory,
    factoryHeader ?? config.factory?.apiKey ?? null,
    factoryHeader === null,
    signal,
    budget,
    KEY_HEADERS.factory,
    'FACTORY_API_KEY',
  );
  const everrunsHeader = headerKey(request, KEY_HEADERS.everruns);
  const everruns = sourceAccess(
    'EVERRUNS',
    upstreams.everruns,
    everrunsHeader ?? config.everruns?.apiKey ?? null,
    everrunsHeader === null,
    signal,
    budget,
    KEY_HEADERS.everruns,
    'EVERRUNS_API_KEY',
  );
  return {
    signal,
    budget,
    factory,
    everruns,
    loaders: {
      factorySessions: loadFactorySessionsById(factory, config.loaderConcurrency),
      everrunsSessions: loadEverrunsSessionsById(everruns, config.loaderConcurrency),
    },
    partialErrors: [],
  };
}

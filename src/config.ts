import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_CURSOR_SECRET } from './cursor.js';
import type { SourceName } from './sources/errors.js';
import { allSources } from './sources/registry.js';

/** One upstream's connection settings. */
export interface SourceConfig {
  readonly baseUrl: string;
  /** The configured key; a request header may override it. Null: only per-request keys. */
  readonly apiKey: string | null;
}

/** Upstream fault handling. */
export interface ResilienceConfig {
  /** Overall deadline of one GraphQL request; upstream calls never outlive it. */
  readonly requestDeadlineMs: number;
  /** Retries per upstream GET (writes are never retried). */
  readonly retries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** A longer `Retry-After` is not waited for. */
  readonly retryAfterMaxMs: number;
  /** Retries one GraphQL request may make in all. */
  readonly retriesPerRequest: number;
  /** Retries may add this share of first attempts per upstream (plus a burst of 20). */
  readonly retryBudgetRatio: number;
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
}

/** Limits on what one request may ask for; each refusal names the limit and its value. */
export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxRootFields: number;
  /** Lexical tokens of the query document; checked while it is parsed. */
  readonly maxTokens: number;
  readonly maxDirectives: number;
  /** Sessions one request may ask for: `first`/`last` and `nodes(ids)` add up, nested ones multiply. */
  readonly maxNodes: number;
  readonly maxDocumentBytes: number;
  readonly maxBodyBytes: number;
}

/** What the gateway needs to serve; built from the environment by {@link loadConfig}. */
export interface GatewayConfig {
  /** Each registered source's settings by name; null (or absent) when it is off (its fields answer `SOURCE_NOT_CONFIGURED`). */
  readonly sources: Readonly<Record<SourceName, SourceConfig | null>>;
  /** Per upstream call. */
  readonly upstreamTimeoutMs: number;
  /** Keep-alive connections per upstream pool. */
  readonly upstreamConnections: number;
  /** Session GETs in flight at once per source per GraphQL request. */
  readonly loaderConcurrency: number;
  /** GraphiQL at /graphql for browsers. */
  readonly graphiql: boolean;
  /** Serve the Apollo Federation v2 subgraph schema (`_service`, `_entities`) instead of the plain one. */
  readonly subgraph: boolean;
  readonly introspection: boolean;
  /** Refuse browser requests that could be forged cross-site (Yoga's CSRF prevention). */
  readonly csrfPrevention: boolean;
  /**
   * Browser origins (`https://app.example.com`) that may call from another site, over HTTP (CORS)
   * and WebSocket; `*` is any. Empty: same-origin pages only, since requests without a key header
   * use the configured keys.
   */
  readonly corsOrigins: readonly string[];
  readonly production: boolean;
  /** Execute with graphql-jit (compiled queries) instead of graphql-js. */
  readonly jit: boolean;
  /** Identical upstream GETs in flight for the same credential share one call. */
  readonly coalesceGets: boolean;
  readonly resilience: ResilienceConfig;
  readonly limits: QueryLimits;
  readonly live: LiveConfig;
  /** Trusted documents (persisted operations). */
  readonly persistedDocuments: PersistedDocumentsConfig;
  /** OpenTelemetry traces over OTLP/HTTP; null (the default) traces nothing and costs nothing. */
  readonly tracing: TracingConfig | null;
  /** The HMAC key of page and event cursors: the same on every replica, or they refuse each other's cursors. */
  readonly cursorSecret: string;
}

/** Trusted documents: the manifest file and which documents run. */
export interface PersistedDocumentsConfig {
  readonly mode: 'off' | 'allow' | 'require' | 'log';
  /** A JSON object of document ids to text; null: none (APQ registrations only). */
  readonly path: string | null;
}

/** Where traces go: set by `OTEL_EXPORTER_OTLP_ENDPOINT`. */
export interface TracingConfig {
  /** The OTLP/HTTP base URL (spans are POSTed to its `/v1/traces`). */
  readonly endpoint: string;
  /** The `service.name` of every span (`OTEL_SERVICE_NAME`). */
  readonly serviceName: string;
}

/** Subscriptions (`sessionEvents`): how many, and how far a subscriber may fall behind. */
export interface LiveConfig {
  /** Open subscriptions per process. */
  readonly maxSubscriptions: number;
  /** Open subscriptions per client connection. */
  readonly maxPerConnection: number;
  /** Events one subscriber may have waiting before it is ended as too slow. */
  readonly bufferSize: number;
  /** Bytes a subscriber's transport may hold unsent before it is ended as too slow. */
  readonly maxUnsentBytes: number;
  /** How long shared upstream work outlives its last subscriber. */
  readonly lingerMs: number;
  /** An upstream event stream silent this long (not even a heartbeat) is taken as dead and resumed. */
  readonly readTimeoutMs: number;
}

export const DEFAULT_LIVE: LiveConfig = {
  maxSubscriptions: 2_000,
  maxPerConnection: 100,
  bufferSize: 1_000,
  maxUnsentBytes: 1_000_000,
  lingerMs: 2_000,
  readTimeoutMs: 45_000,
};

/** Resilience defaults (the environment overrides some). */
export const DEFAULT_RESILIENCE: ResilienceConfig = {
  requestDeadlineMs: 10_000,
  retries: 4,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2_000,
  retryAfterMaxMs: 5_000,
  retriesPerRequest: 10,
  retryBudgetRatio: 0.5,
  breakerFailures: 5,
  breakerCooldownMs: 5_000,
};

/** Query-limit defaults: far above what GraphiQL (introspection included) or the examples need. */
export const DEFAULT_LIMITS: QueryLimits = {
  // The schema's deepest selection that revisits no type is 8 levels (test/query-limits.test.ts), plus 2.
  maxDepth: 10,
  maxAliases: 30,
  maxRootFields: 20,
  maxTokens: 5_000,
  maxDirectives: 50,
  maxNodes: 1_000,
  maxDocumentBytes: 20_000,
  maxBodyBytes: 100_000,
};

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Neither base URL set: serve the embedded emulator of both upstreams. */
  readonly demo: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Processes serving the port (node:cluster); 1 serves from this process alone. */
  readonly workers: number;
}

/** Thrown for a bad environment; the message is one line naming the variable, never its value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));
const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .transform((value) => value === 'true' || value === '1')
    .default(fallback);

const environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  UPSTREAM_TIMEOUT_MS: positiveInt(5_000, 120_000),
  UPSTREAM_CONNECTIONS: positiveInt(32, 1024),
  LOADER_CONCURRENCY: positiveInt(16, 100),
  GRAPHIQL: z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).optional(),
  INTROSPECTION: z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).optional(),
  CSRF_PREVENTION: flag(true),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, {
          error: 'expected a comma-separated list of origins (https://host[:port]) or *',
        }),
      ),
    ),
  GRAPHQL_JIT: flag(true),
  COALESCE_GETS: flag(true),
  FEDERATION_SUBGRAPH: flag(false),
  REQUEST_DEADLINE_MS: positiveInt(10_000, 600_000),
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  RETRY_AFTER_MAX_MS: positiveInt(5_000, 600_000),
  BREAKER_FAILURES: positiveInt(5, 1000),
  BREAKER_COOLDOWN_MS: positiveInt(5_000, 600_000),
  MAX_DEPTH: positiveInt(DEFAULT_LIMITS.maxDepth, 100),
  MAX_ALIASES: positiveInt(30, 1000),
  MAX_ROOT_FIELDS: positiveInt(20, 1000),
  MAX_TOKENS: positiveInt(5_000, 1_000_000),
  MAX_DIRECTIVES: positiveInt(50, 1000),
  MAX_NODES: positiveInt(1_000, 100_000),
  MAX_DOCUMENT_BYTES: positiveInt(20_000, 10_000_000),
  MAX_BODY_BYTES: positiveInt(100_000, 100_000_000),
  MAX_SUBSCRIPTIONS: positiveInt(DEFAULT_LIVE.maxSubscriptions, 1_000_000),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt(DEFAULT_LIVE.maxPerConnection, 100_000),
  SUBSCRIBER_BUFFER: positiveInt(DEFAULT_LIVE.bufferSize, 1_000_000),
  PERSISTED_DOCUMENTS: z.string().min(1).optional(),
  PERSISTED_DOCUMENTS_MODE: z
    .enum(['off', 'allow', 'require', 'log'], { error: 'expected off, allow, require or log' })
    .default('off'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // `auto` is one per core Node reports; that count ignores container CPU quotas, so the
  // default stays 1 and `auto` is for a machine the gateway has to itself.
  WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)], {
      error: 'expected a whole number 1-64 or auto',
    })
    .default(1),
  NODE_ENV: z.string().default('development'),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('sessiongraph'),
  CURSOR_SECRET: z.string().min(16, { error: 'expected at least 16 characters' }).default(DEFAULT_CURSOR_SECRET),
});

export interface Config {
  readonly server: ServerConfig;
  readonly gateway: GatewayConfig;
}

/**
 * Parses the environment. Empty values (or only whitespace) count as unset.
 * @throws ConfigError naming the first bad variable
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  // `Number(" ")` is 0: a blank PORT would listen on any port, a blank UPSTREAM_RETRIES turn retries off.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = environment.safeParse(present);
  if (!parsed.success) throw configError(parsed.error);
  const e = parsed.data;
  if (e.PERSISTED_DOCUMENTS_MODE === 'require' && e.PERSISTED_DOCUMENTS === undefined) {
    throw new ConfigError(
      'Invalid configuration: PERSISTED_DOCUMENTS_MODE: require needs PERSISTED_DOCUMENTS (a manifest file)',
    );
  }
  const sources = sourceConfigs(present);
  const demo = Object.values(sources).every((source) => source === null);
  const production = e.NODE_ENV === 'production';
  // GraphiQL and introspection default to on, and to off in production.
  const onUnlessProduction = (value: string | undefined) =>
    value === undefined ? !production : value === 'true' || value === '1';
  return {
    server: {
      port: e.PORT,
      host: e.HOST,
      demo,
      logLevel: e.LOG_LEVEL,
      workers: e.WORKERS === 'auto' ? Math.min(availableParallelism(), 64) : e.WORKERS,
    },
    gateway: {
      sources,
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      upstreamConnections: e.UPSTREAM_CONNECTIONS,
      loaderConcurrency: e.LOADER_CONCURRENCY,
      graphiql: onUnlessProduction(e.GRAPHIQL),
      introspection: onUnlessProduction(e.INTROSPECTION),
      csrfPrevention: e.CSRF_PREVENTION,
      corsOrigins: e.CORS_ORIGINS,
      subgraph: e.FEDERATION_SUBGRAPH,
      production,
      jit: e.GRAPHQL_JIT,
      coalesceGets: e.COALESCE_GETS,
      resilience: {
        ...DEFAULT_RESILIENCE,
        requestDeadlineMs: e.REQUEST_DEADLINE_MS,
        retries: e.UPSTREAM_RETRIES,
        retryAfterMaxMs: e.RETRY_AFTER_MAX_MS,
        breakerFailures: e.BREAKER_FAILURES,
        breakerCooldownMs: e.BREAKER_COOLDOWN_MS,
      },
      limits: {
        maxDepth: e.MAX_DEPTH,
        maxAliases: e.MAX_ALIASES,
        maxRootFields: e.MAX_ROOT_FIELDS,
        maxTokens: e.MAX_TOKENS,
        maxDirectives: e.MAX_DIRECTIVES,
        maxNodes: e.MAX_NODES,
        maxDocumentBytes: e.MAX_DOCUMENT_BYTES,
        maxBodyBytes: e.MAX_BODY_BYTES,
      },
      live: {
        ...DEFAULT_LIVE,
        maxSubscriptions: e.MAX_SUBSCRIPTIONS,
        maxPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
        bufferSize: e.SUBSCRIBER_BUFFER,
      },
      persistedDocuments: { mode: e.PERSISTED_DOCUMENTS_MODE, path: e.PERSISTED_DOCUMENTS ?? null },
      tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
        ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME }
        : null,
      cursorSecret: e.CURSOR_SECRET,
    },
  };
}

/** The first issue of a failed parse as one line naming the variable, never its value. */
function configError(error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  return new ConfigError(`Invalid configuration: ${name}: ${issue?.message ?? 'invalid value'}`);
}

/** Each registered source's base URL and key variables: a source is on when its base URL is set. */
function sourceConfigs(present: Readonly<Record<string, string | undefined>>): Record<SourceName, SourceConfig | null> {
  const configs: Record<SourceName, SourceConfig | null> = {};
  for (const source of allSources()) {
    const variables = z.object({
      [source.env.baseUrl]: httpUrl.optional(),
      [source.env.apiKey]: z.string().min(1).optional(),
    });
    const parsed = variables.safeParse(present);
    if (!parsed.success) throw configError(parsed.error);
    const baseUrl = parsed.data[source.env.baseUrl];
    configs[source.name] = baseUrl ? { baseUrl, apiKey: parsed.data[source.env.apiKey] ?? null } : null;
  }
  return configs;
}

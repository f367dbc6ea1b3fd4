import { z } from 'zod';

/** One upstream's connection settings. */
export interface SourceConfig {
  readonly baseUrl: string;
  /** The configured key; a request header may override it. Null: only per-request keys. */
  readonly apiKey: string | null;
}

/** What the gateway needs to serve; built from the environment by {@link loadConfig}. */
export interface GatewayConfig {
  /** Null when the source is off (its fields answer `SOURCE_NOT_CONFIGURED`). */
  readonly factory: SourceConfig | null;
  readonly everruns: SourceConfig | null;
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
  readonly production: boolean;
}

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Neither base URL set: serve the embedded emulator of both upstreams. */
  readonly demo: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
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
  FACTORY_BASE_URL: httpUrl.optional(),
  FACTORY_API_KEY: z.string().min(1).optional(),
  EVERRUNS_BASE_URL: httpUrl.optional(),
  EVERRUNS_API_KEY: z.string().min(1).optional(),
  UPSTREAM_TIMEOUT_MS: positiveInt(5_000, 120_000),
  UPSTREAM_CONNECTIONS: positiveInt(32, 1024),
  LOADER_CONCURRENCY: positiveInt(16, 100),
  GRAPHIQL: flag(true),
  FEDERATION_SUBGRAPH: flag(false),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
});

export interface Config {
  readonly server: ServerConfig;
  readonly gateway: GatewayConfig;
}

/**
 * Parses the environment. Empty values count as unset.
 * @throws ConfigError naming the first bad variable
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name}: ${issue?.message ?? 'invalid value'}`);
  }
  const e = parsed.data;
  const demo = e.FACTORY_BASE_URL === undefined && e.EVERRUNS_BASE_URL === undefined;
  return {
    server: { port: e.PORT, host: e.HOST, demo, logLevel: e.LOG_LEVEL },
    gateway: {
      factory: e.FACTORY_BASE_URL ? { baseUrl: e.FACTORY_BASE_URL, apiKey: e.FACTORY_API_KEY ?? null } : null,
      everruns: e.EVERRUNS_BASE_URL ? { baseUrl: e.EVERRUNS_BASE_URL, apiKey: e.EVERRUNS_API_KEY ?? null } : null,
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      upstreamConnections: e.UPSTREAM_CONNECTIONS,
      loaderConcurrency: e.LOADER_CONCURRENCY,
      graphiql: e.GRAPHIQL,
      subgraph: e.FEDERATION_SUBGRAPH,
      production: e.NODE_ENV === 'production',
    },
  };
}

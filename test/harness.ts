import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_LIVE, DEFAULT_RESILIENCE, type GatewayConfig } from '../src/config.js';
import { DEFAULT_CURSOR_SECRET } from '../src/cursor.js';
import { DEMO_KEYS, type Emulator, type EmulatorOptions, startEmulator } from '../src/emulator/index.js';
import { closeWebSockets, type Listening, listen } from '../src/server.js';
import { createGateway, type Gateway } from '../src/yoga.js';

/** What a GraphQL client receives. */
export interface GraphQLResponse {
  readonly status: number;
  readonly body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
  readonly text: string;
}

export interface Harness {
  readonly emulator: Emulator;
  readonly gateway: Gateway;
  /** The gateway's GraphQL URL on its loopback socket (the production listener). */
  readonly url: string;
  /** POSTs a query to the gateway over a real socket. Default keys: tenant acme. */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** Every response body this file received (scanned for leaks after the file). */
  readonly bodies: string[];
}

export interface HarnessOptions {
  /** Gateway settings on top of the defaults (both sources on the emulator, acme's keys). */
  readonly gateway?: (emulator: Emulator) => Partial<GatewayConfig>;
  /** Emulator options (short turns, SSE cycles) for this file. */
  readonly emulator?: EmulatorOptions;
}

/** The gateway configuration the tests use, over a running emulator. */
export function testConfig(emulator: Emulator, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    sources: {
      FACTORY: { baseUrl: emulator.factoryUrl, apiKey: DEMO_KEYS.acme.factory },
      EVERRUNS: { baseUrl: emulator.everrunsUrl, apiKey: DEMO_KEYS.acme.everruns },
    },
    upstreamTimeoutMs: 2_000,
    upstreamConnections: 16,
    loaderConcurrency: 16,
    graphiql: true,
    introspection: true,
    csrfPrevention: true,
    corsOrigins: [],
    subgraph: false,
    production: false,
    jit: process.env.GRAPHQL_JIT !== 'false',
    coalesceGets: true,
    resilience: DEFAULT_RESILIENCE,
    limits: DEFAULT_LIMITS,
    live: DEFAULT_LIVE,
    persistedDocuments: { mode: 'off', path: null },
    tracing: null,
    cursorSecret: DEFAULT_CURSOR_SECRET,
    ...overrides,
  };
}

/**
 * Starts the emulator (a real HTTP server on an ephemeral loopback port) and a gateway
 * over it for this test file; resets counters and faults before each test; and after the
 * file, checks that no response carried a key, an upstream URL or an upstream header.
 */
export function useHarness(options: HarnessOptions = {}): Harness {
  const bodies: string[] = [];
  let emulator: Emulator | undefined;
  let gateway: Gateway | undefined;
  let served: Listening | undefined;
  const harness: Harness = {
    get emulator() {
      if (!emulator) throw new Error('harness not started');
      return emulator;
    },
    get gateway() {
      if (!gateway) throw new Error('harness not started');
      return gateway;
    },
    get url() {
      if (!served) throw new Error('harness not started');
      return served.url;
    },
    bodies,
    async query(query, variables, headers) {
      const response = await fetch(harness.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      bodies.push(text);
      return { status: response.status, body: JSON.parse(text), text };
    },
  };
  beforeAll(async () => {
    emulator = await startEmulator(options.emulator);
  });
  // A fresh gateway per test: breakers and retry budgets must not carry over between tests.
  beforeEach(async () => {
    if (!emulator) return;
    gateway = createGateway(testConfig(emulator, options.gateway?.(emulator)));
    served = await listen(gateway, 0, '127.0.0.1');
    emulator.switchboard.reset();
  });
  afterEach(async () => {
    if (served) await closeServer(served.server);
    await gateway?.close();
    served = undefined;
  });
  afterAll(async () => {
    if (emulator) expectNoLeaks(bodies, emulator);
    await emulator?.close();
  });
  return harness;
}

/** Fails when any body holds an API key, an upstream URL or path, or an upstream header. */
export function expectNoLeaks(bodies: readonly string[], emulator: Emulator): void {
  const secrets = [
    DEMO_KEYS.acme.factory,
    DEMO_KEYS.acme.everruns,
    DEMO_KEYS.globex.factory,
    DEMO_KEYS.globex.everruns,
    DEMO_KEYS.memberFactory,
    emulator.factoryUrl,
    emulator.everrunsUrl,
    new URL(emulator.factoryUrl).host,
    new URL(emulator.everrunsUrl).host,
  ];
  const patterns = [
    /authorization/i,
    /bearer /i,
    /apikey /i,
    /retry-after/i,
    /\/api\/v0\//,
    /\/v1\/sessions/,
    /stack/i,
    /ECONNREFUSED/,
  ];
  for (const body of bodies) {
    for (const secret of secrets) expect(body, 'a response leaked a secret or upstream URL').not.toContain(secret);
    for (const pattern of patterns) expect(body, `a response matched ${pattern}`).not.toMatch(pattern);
  }
}

/** The error entries of a response with their codes, for compact assertions. */
export function errorCodes(response: GraphQLResponse): { path: string; code: unknown; source?: unknown }[] {
  return (response.body.errors ?? []).map((error) => ({
    path: (error.path ?? []).join('.'),
    code: error.extensions?.code,
    ...(error.extensions?.source !== undefined ? { source: error.extensions.source } : {}),
  }));
}

/** The value of a root field; fails the test when it is missing or null. */
export function dataOf<T>(response: GraphQLResponse, field: string): T {
  const value = response.body.data?.[field];
  if (value === undefined || value === null) throw new Error(`no ${field} in ${response.text}`);
  return value as T;
}

/** Serves a gateway over a real loopback socket (for transport-level tests). */
export async function serveOverSocket(gateway: Gateway): Promise<{ url: string; close: () => Promise<void> }> {
  const { server, url } = await listen(gateway, 0, '127.0.0.1');
  return { url, close: () => closeServer(server) };
}

/** Closes a server and every connection it holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    closeWebSockets(server, true);
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * POSTs a query over a socket with a signal the test aborts: `left` resolves to 'aborted' once
 * the client has gone (or to the response, if the gateway answered first).
 */
export function abortablePost(url: string, query: string): { abort: () => void; left: Promise<Response | 'aborted'> } {
  const controller = new AbortController();
  const left = fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  }).catch(() => 'aborted' as const);
  return { abort: () => controller.abort(), left };
}

/** Resolves once `check()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5_000, everyMs = 10): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

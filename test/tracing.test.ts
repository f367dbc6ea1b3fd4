import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { context, createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, DEFAULT_RESILIENCE, type GatewayConfig, loadConfig } from '../src/config.js';
import { DEMO_KEYS, type Emulator, startEmulator } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { type Listening, listen } from '../src/server.js';
import { type Gateway, startGateway } from '../src/yoga.js';
import { closeServer, testConfig } from './harness.js';
import { subscribeWs } from './live-client.js';

// The subset of OTLP/JSON (ExportTraceServiceRequest) the assertions read.
const keyValues = z
  .array(
    z.object({
      key: z.string(),
      value: z.object({
        stringValue: z.string().optional(),
        intValue: z.union([z.number(), z.string()]).optional(),
        boolValue: z.boolean().optional(),
        doubleValue: z.number().optional(),
        arrayValue: z.object({ values: z.array(z.object({ stringValue: z.string() })) }).optional(),
      }),
    }),
  )
  .default([])
  .transform((pairs) =>
    Object.fromEntries(
      pairs.map(({ key, value }) => [
        key,
        value.stringValue ??
          (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
          value.boolValue ??
          value.arrayValue?.values.map((item) => item.stringValue),
      ]),
    ),
  );
const exportRequest = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: keyValues }),
      scopeSpans: z.array(
        z.object({
          spans: z.array(
            z.object({
              traceId: z.string(),
              spanId: z.string(),
              parentSpanId: z.string().optional(),
              name: z.string(),
              kind: z.number(),
              attributes: keyValues,
              status: z.object({ code: z.number().optional(), message: z.string().optional() }).default({}),
              events: z.array(z.object({ name: z.string(), attributes: keyValues })).default([]),
            }),
          ),
        }),
      ),
    }),
  ),
});

type OtlpSpan = z.infer<typeof exportRequest>['resourceSpans'][number]['scopeSpans'][number]['spans'][number];
type ExportedSpan = OtlpSpan & { readonly service: unknown };

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

/** An OTLP/HTTP receiver on loopback: what the gateway's exporter POSTs to `/v1/traces`. */
class Receiver {
  readonly spans: ExportedSpan[] = [];
  /** Each export's raw body, scanned for secrets. */
  readonly bodies: string[] = [];
  /** Answer exports with this status instead of accepting them. */
  refuseWith: number | null = null;
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        if (this.refuseWith !== null) {
          res.writeHead(this.refuseWith).end();
          return;
        }
        this.bodies.push(text);
        for (const resource of exportRequest.parse(JSON.parse(text)).resourceSpans) {
          const service = resource.resource.attributes['service.name'];
          for (const scope of resource.scopeSpans)
            for (const span of scope.spans) this.spans.push({ ...span, service });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    this.server = server;
    this.url = `http://127.0.0.1:${address.port}`;
  }

  reset(): void {
    this.refuseWith = null;
    this.spans.length = 0;
    this.bodies.length = 0;
  }

  close(): Promise<void> {
    const server = this.server;
    return server ? closeServer(server) : Promise.resolve();
  }
}

const receiver = new Receiver();
let emulator: Emulator;
let gateway: Gateway | null = null;
let served: Listening | null = null;

beforeAll(async () => {
  emulator = await startEmulator();
  await receiver.start();
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
});
beforeEach(() => {
  emulator.switchboard.reset();
  receiver.reset();
});
afterEach(async () => {
  await stop();
  expectNothingPrivate();
});

/** A gateway over the emulator, traced to the receiver unless `tracing` is null. */
async function start(overrides: Partial<GatewayConfig> = {}): Promise<string> {
  gateway = await startGateway(
    testConfig(emulator, { tracing: { endpoint: receiver.url, serviceName: 'sessiongraph-test' }, ...overrides }),
  );
  served = await listen(gateway, 0, '127.0.0.1');
  return served.url;
}

/** Stops the gateway: closing it exports every span still buffered. */
async function stop(): Promise<void> {
  if (served) await closeServer(served.server);
  await gateway?.close();
  served = null;
  gateway = null;
}

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

function clientContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function only(spans: readonly ExportedSpan[], name: string): ExportedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(
    found.map((span) => span.name),
    `one span named ${name}`,
  ).toEqual([name]);
  const [span] = found;
  if (!span) throw new Error(`no span ${name}`);
  return span;
}

/**
 * No export holds a key, an upstream URL or host, a header, the document or variables: every
 * attribute value is a name, a route, a code or a number.
 */
function expectNothingPrivate(): void {
  const exported = receiver.bodies.join('\n');
  for (const secret of [
    ...Object.values(DEMO_KEYS).flatMap((value) => (typeof value === 'string' ? [value] : Object.values(value))),
    emulator.factoryUrl,
    emulator.everrunsUrl,
    new URL(emulator.factoryUrl).host,
    new URL(emulator.everrunsUrl).host,
    'feedAlias9f3',
    'sessionEvents',
  ]) {
    expect(exported, 'an export holds a key, an upstream URL or the document').not.toContain(secret);
  }
  expect(exported).not.toMatch(/authorization|bearer|content-type|user-agent|traceparent/i);
  for (const span of receiver.spans) {
    for (const attributes of [span.attributes, ...span.events.map((event) => event.attributes)]) {
      for (const value of Object.values(attributes).flat()) {
        expect(String(value), `an attribute of ${span.name}`).toMatch(/^[\w .:/-]*$/);
      }
    }
  }
}

/** Spans by trace id, in the order their traces first appear. */
function byTrace(spans: readonly ExportedSpan[]): Map<string, ExportedSpan[]> {
  const traces = new Map<string, ExportedSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}

/** The span's ancestors' names, nearest first. */
function ancestry(spans: readonly ExportedSpan[], span: ExportedSpan): string[] {
  const names: string[] = [];
  let parent = spans.find((candidate) => candidate.spanId === span.parentSpanId);
  while (parent) {
    names.push(parent.name);
    const id = parent.parentSpanId;
    parent = spans.find((candidate) => candidate.spanId === id);
  }
  return names;
}

const FEED = 'query TracedFeed { feedAlias9f3: sessions(first: 5) { edges { node { id } } } }';

describe('tracing configuration', () => {
  it('is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; OTEL_SERVICE_NAME defaults to sessiongraph', () => {
    expect(loadConfig({}).gateway.tracing).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).gateway.tracing).toEqual({
      endpoint: 'http://collector:4318',
      serviceName: 'sessiongraph',
    });
    const named = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example', OTEL_SERVICE_NAME: 'gw-eu' });
    expect(named.gateway.tracing?.serviceName).toBe('gw-eu');
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /^Invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT: expected an http\(s\) URL$/,
    );
  });
});

// Before the traced tests: nothing else in this process has set up OpenTelemetry yet.
describe('tracing off (OTEL_EXPORTER_OTLP_ENDPOINT unset)', () => {
  it('sets nothing up, exports nothing and sends no traceparent upstream', async () => {
    const url = await start({ tracing: null });
    expect(gateway?.tracing).toBeNull();
    await post(url, FEED, { traceparent: clientContext().traceparent });
    await stop();

    // No context manager and no tracer provider were registered: the API is its no-op self.
    const key = createContextKey('probe');
    expect(context.with(ROOT_CONTEXT.setValue(key, 1), () => context.active().getValue(key))).toBeUndefined();
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(emulator.switchboard.requests).toHaveLength(2);
    expect(emulator.switchboard.requests.every((request) => request.traceparent === undefined)).toBe(true);
    expect(receiver.bodies).toEqual([]);
  });
});

describe('tracing (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  it('one trace per request under the client traceparent, upstream spans as children, traceparent sent upstream', async () => {
    const url = await start();
    const client = clientContext();
    await post(url, FEED, { traceparent: client.traceparent });
    await stop();

    const spans = receiver.spans;
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([client.traceId]));
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['sessiongraph-test']));

    const http = only(spans, 'POST /graphql');
    expect(http.kind).toBe(SERVER);
    expect(http.parentSpanId).toBe(client.spanId);
    expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
    for (const phase of ['graphql.parse', 'graphql.validate', 'query.TracedFeed']) {
      expect(only(spans, phase).parentSpanId, phase).toBe(http.spanId);
    }
    const resolver = only(spans, 'Query.sessions');
    expect(ancestry(spans, resolver)).toEqual(['query.TracedFeed', 'POST /graphql']);
    // Only resolvers that called an upstream have spans.
    expect(spans.filter((span) => /^[A-Z]\w*\.\w+$/.test(span.name)).map((span) => span.name)).toEqual([
      'Query.sessions',
    ]);

    const factory = only(spans, 'GET /api/v0/sessions');
    const everruns = only(spans, 'GET /v1/sessions');
    for (const { span, source, template } of [
      { span: factory, source: 'FACTORY', template: '/api/v0/sessions' },
      { span: everruns, source: 'EVERRUNS', template: '/v1/sessions' },
    ]) {
      expect(span.kind).toBe(CLIENT);
      expect(span.parentSpanId).toBe(resolver.spanId);
      expect(span.attributes).toEqual({
        'http.request.method': 'GET',
        'url.template': template,
        'sessiongraph.source': source,
        'sessiongraph.breaker': 'closed',
        'sessiongraph.retries': 0,
        'http.response.status_code': 200,
      });
      expect(span.status.code ?? 0).not.toBe(ERROR);
    }

    // Each upstream request carried its own call span as parent, in the client's trace.
    const requests = emulator.switchboard.requests;
    expect(requests.map((request) => request.route).sort()).toEqual(['GET /api/v0/sessions', 'GET /v1/sessions']);
    expect(requests.map((request) => request.traceparent).sort()).toEqual(
      [factory, everruns].map((span) => `00-${client.traceId}-${span.spanId}-01`).sort(),
    );
  });

  it('a request without traceparent starts its own trace, and upstreams still get one', async () => {
    const url = await start();
    await post(url, FEED);
    await post(url, FEED);
    await stop();

    const traces = byTrace(receiver.spans);
    expect(traces.size).toBe(2);
    for (const spans of traces.values()) {
      expect(
        spans.filter((span) => span.parentSpanId === undefined || span.parentSpanId === '').map((s) => s.name),
      ).toEqual(['POST /graphql']);
      expect(spans.filter((span) => span.kind === CLIENT)).toHaveLength(2);
    }
    const sent = emulator.switchboard.requests.map((request) => request.traceparent?.split('-')[1]);
    expect(sent).toHaveLength(4);
    expect(new Set(sent)).toEqual(new Set(traces.keys()));
  });

  it('an upstream span holds its retries, its final status and the breaker verdict', async () => {
    const url = await start({
      resilience: { ...DEFAULT_RESILIENCE, retries: 1, retryBaseDelayMs: 10, breakerFailures: 1 },
    });
    emulator.switchboard.inject({ route: 'GET /api/v0/sessions', status: 503, times: 1 });
    emulator.switchboard.inject({ route: 'GET /v1/sessions', status: 503, times: 2 });
    await post(url, FEED);
    // Everruns' breaker opened on that failure: the next call is refused without a request.
    await post(url, FEED);
    await stop();

    const [first, second] = [...byTrace(receiver.spans).values()];
    if (!first || !second) throw new Error('expected two traces');
    const factory = only(first, 'GET /api/v0/sessions');
    expect(factory.attributes).toMatchObject({ 'http.response.status_code': 200, 'sessiongraph.retries': 1 });
    expect(factory.events.map((event) => event.name)).toEqual(['retry']);
    expect(factory.events[0]?.attributes).toMatchObject({ 'sessiongraph.retry.after': '503' });

    const failed = only(first, 'GET /v1/sessions');
    expect(failed.attributes).toMatchObject({
      'http.response.status_code': 503,
      'error.type': '503',
      'sessiongraph.retries': 1,
      'sessiongraph.breaker': 'closed',
    });
    expect(failed.status).toMatchObject({ code: ERROR, message: 'UPSTREAM_UNAVAILABLE' });
    // The operation's errors as codes (envelop's copy of the errors, which quotes the query, is not exported).
    const operation = only(first, 'query.TracedFeed');
    expect(operation.status.code).toBe(ERROR);
    expect(operation.attributes['graphql.error.codes']).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(operation.events.map((event) => event.attributes)).toEqual([{ 'exception.type': 'graphql.execute.error' }]);

    const refused = only(second, 'GET /v1/sessions');
    expect(refused.attributes).toMatchObject({
      'sessiongraph.breaker': 'open',
      'error.type': 'circuit-open',
      'sessiongraph.retries': 0,
    });
    expect(refused.attributes['http.response.status_code']).toBeUndefined();
    expect(refused.status.code).toBe(ERROR);
    expect(emulator.switchboard.count('GET /v1/sessions')).toBe(2);
  });

  it('a WebSocket subscription: its span is under the client traceparent; the shared live work is not traced', async () => {
    const url = await start();
    const session = emulator.tenants.get('acme')?.factorySessions.find((s) => s.status === 'idle');
    if (!session) throw new Error('no idle Factory session');
    const client = clientContext();
    const subscription = subscribeWs(
      url,
      'subscription Watch($id: ID!) { sessionEvents(sessionId: $id) { __typename } }',
      { id: globalId('FactorySession', session.sessionId) },
      { traceparent: client.traceparent },
    );
    const started = Date.now();
    while (emulator.switchboard.count('GET /api/v0/sessions/:id/messages') < 1) {
      if (Date.now() - started > 5_000) throw new Error('the poller never polled');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await subscription.close();
    await stop();

    expect(new Set(receiver.spans.map((span) => span.traceId))).toEqual(new Set([client.traceId]));
    const watch = only(receiver.spans, 'subscription.Watch');
    expect(watch.parentSpanId).toBe(client.spanId);
    expect(watch.attributes).toEqual({
      'graphql.execute.operationName': 'Watch',
      'graphql.execute.operationType': 'subscription',
    });
    const polls = emulator.switchboard.requests.filter((r) => r.route === 'GET /api/v0/sessions/:id/messages');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.map((request) => request.traceparent)).toEqual(polls.map(() => undefined));
  });

  it('a collector refusing the spans does not fail the shutdown', async () => {
    receiver.refuseWith = 400;
    const url = await start();
    await post(url, FEED);
    await expect(stop()).resolves.toBeUndefined();
    expect(receiver.spans).toEqual([]);
  });
});

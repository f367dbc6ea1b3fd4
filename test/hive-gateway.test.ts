import { createServer, type Server } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime, type GatewayConfigBase, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_KEYS, type Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { closeServer, dataOf, useHarness } from './harness.js';
import { eventsOf, type Subscription, subscribeSse } from './live-client.js';

const h = useHarness({ gateway: () => ({ subgraph: true }), emulator: { turnMs: 200 } });

// Concrete entities, not `Session @interfaceObject`: Hive Gateway 2.12 joins those only under a Session-typed field.
const NOTES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type EverrunsSession @key(fields: "id") {
    id: ID!
    notes: String!
  }
  type FactorySession @key(fields: "id") {
    id: ID!
    notes: String!
  }
`;
const notesOf = (id: string) => `notes on ${id}`;

const NOTES = `fragment Notes on Session {
  ... on EverrunsSession { notes }
  ... on FactorySession { notes }
}`;
const EVENTS = `${NOTES}
subscription($id: ID!) {
  sessionEvents(sessionId: $id) {
    __typename upstreamType
    ... on MessageAddedEvent { message { role text session { id ...Notes } } }
  }
}`;
const SEND = `${NOTES}
mutation($sessionId: ID!, $text: String!) {
  sendMessage(input: { sessionId: $sessionId, text: $text }) {
    __typename
    ... on SendMessagePayload { sentMessage { text session { id ...Notes } } }
  }
}`;

/** The same mutation, sent to our gateway directly (which has no `notes`). */
const SEND_DIRECT = `mutation($sessionId: ID!, $text: String!) {
  sendMessage(input: { sessionId: $sessionId, text: $text }) { __typename }
}`;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`);
    }),
  );
}

async function post(url: string, query: string, variables?: Record<string, unknown>, record = true) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (record) h.bodies.push(text);
  return JSON.parse(text);
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

/** An idle Everruns session no other test of this file uses. */
let nextIdle = 0;
function idleEverruns(): string {
  const idle = acme().everrunsSessions.filter((s) => s.json.status === 'idle');
  const session = idle[nextIdle++ % idle.length];
  if (!session) throw new Error('no idle Everruns session');
  return session.json.id;
}

/** A subgraph request Hive Gateway made. */
interface SubgraphRequest {
  readonly url: string;
  readonly method: string;
  readonly accept: string;
  readonly subscription: boolean;
}

/** A running Hive Gateway over the supergraph of this test. */
interface Router {
  readonly url: string;
  readonly requests: SubgraphRequest[];
}

type TransportEntries = NonNullable<GatewayConfigBase<Record<string, unknown>>['transportEntries']>;

/** Subscriptions to our subgraph as SSE over POST: its CSRF prevention refuses a GET with no key or CSRF header. */
const SSE_OVER_POST: TransportEntries = {
  sessions: { options: { subscriptions: { kind: 'http', options: { method: 'POST' } } } },
};

const KEY_HEADERS = ['x-factory-api-key', 'x-everruns-api-key'];

let notesServer: Server;
let notesUrl: string;
/** Whether each request the notes subgraph received carried a key header. */
const notesKeyed: boolean[] = [];
let supergraph: string;
let router: Router;
const running: { runtime: GatewayRuntime; server: Server }[] = [];
const open: Subscription[] = [];

async function startRouter(transportEntries: TransportEntries = SSE_OVER_POST): Promise<Router> {
  const requests: SubgraphRequest[] = [];
  const runtime = createGatewayRuntime({
    supergraph,
    transports: { http: httpTransport },
    transportEntries,
    // Per-request keys go to our subgraph only, never to another team's.
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, subgraphName }) =>
        subgraphName === 'sessions'
          ? Object.fromEntries(KEY_HEADERS.map((name) => [name, request.headers.get(name)]))
          : undefined,
    },
    logging: false,
    plugins: () => [
      {
        onFetch({ url, options, executionRequest }) {
          requests.push({
            url,
            method: options.method ?? '',
            accept: options.headers?.accept ?? '',
            subscription: executionRequest?.operationType === 'subscription',
          });
        },
      },
    ],
  });
  const server = createServer(runtime);
  running.push({ runtime, server });
  return { url: await listen(server), requests };
}

beforeAll(async () => {
  // Hive's logger rejects pino's 'silent' (set for tests); ours read LOG_LEVEL at import already.
  vi.stubEnv('LOG_LEVEL', 'error');
  const notes = createYoga({
    schema: buildSubgraphSchema({
      typeDefs: parse(NOTES_SDL),
      resolvers: {
        EverrunsSession: {
          __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
          notes: (session: { id: string }) => notesOf(session.id),
        },
        FactorySession: {
          __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
          notes: (session: { id: string }) => notesOf(session.id),
        },
      },
    }),
    logging: false,
    plugins: [
      { onRequest: ({ request }) => void notesKeyed.push(KEY_HEADERS.some((name) => request.headers.has(name))) },
    ],
  });
  notesServer = createServer(notes);
  notesUrl = await listen(notesServer);
});

// The harness serves a fresh subgraph per test (on a new port), so the router is composed per test.
beforeEach(async () => {
  // The SDL's docs name upstream paths: it is the schema, not a client's response, so not leak-checked.
  const sdl = (await post(h.url, '{ _service { sdl } }', undefined, false)).data._service.sdl;
  const composed = composeServices([
    { name: 'sessions', url: h.url, typeDefs: parse(sdl) },
    { name: 'notes', url: notesUrl, typeDefs: parse(NOTES_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  supergraph = composed.supergraphSdl;
  router = await startRouter();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((subscription) => subscription.close()));
  for (const { runtime, server } of running.splice(0)) {
    await closeServer(server);
    await runtime.dispose();
  }
});

afterAll(async () => {
  vi.unstubAllEnvs();
  if (notesServer) await closeServer(notesServer);
});

describe('sessiongraph as a subgraph behind Hive Gateway', () => {
  it('a query joins sessions with the other subgraph’s field', async () => {
    const everruns = acme().everrunsSessions[50]?.json;
    const id = globalId('EverrunsSession', everruns?.id ?? '');
    const body = await post(
      router.url,
      `${NOTES}
      query($id: ID!) {
        node(id: $id) { id ... on Session { title } ...Notes }
        sessions(first: 4) { edges { node { __typename id ...Notes } } }
      }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.node).toEqual({ id, title: everruns?.title ?? null, notes: notesOf(id) });
    const nodes: { __typename: string; id: string; notes: string }[] = body.data.sessions.edges.map(
      (edge: { node: unknown }) => edge.node,
    );
    expect(nodes).toHaveLength(4);
    // The merged feed's newest hold both kinds, each joined by its own entity type.
    expect(new Set(nodes.map((node) => node.__typename))).toEqual(new Set(['EverrunsSession', 'FactorySession']));
    for (const node of nodes) expect(node.notes).toBe(notesOf(node.id));
  });

  it('a mutation passes through, its result joined with the other subgraph', async () => {
    const id = globalId('EverrunsSession', idleEverruns());
    const body = await post(router.url, SEND, { sessionId: id, text: 'Through the router.' });
    expect(body.errors).toBeUndefined();
    expect(body.data.sendMessage).toEqual({
      __typename: 'SendMessagePayload',
      sentMessage: { text: 'Through the router.', session: { id, notes: notesOf(id) } },
    });
    expect(h.emulator.switchboard.count('POST /v1/sessions/:id/messages')).toBe(1);
  });

  it('a subscription streams the upstream events in order, each session joined with the other subgraph', async () => {
    const upstreamId = idleEverruns();
    const id = globalId('EverrunsSession', upstreamId);
    const subscription = await subscribeSse(router.url, EVENTS, { id });
    open.push(subscription);
    expect(subscription.status).toBe(200);
    await until(() => h.emulator.openSseStreams(upstreamId) === 1);
    // Hive Gateway reached our subgraph for the subscription over SSE, once.
    expect(router.requests.filter((request) => request.subscription)).toEqual([
      { url: h.url, method: 'POST', accept: 'text/event-stream', subscription: true },
    ]);
    const before = h.emulator.events.lastId(upstreamId);
    const sent = await h.query(SEND_DIRECT, { sessionId: id, text: 'Run the tests.' });
    expect(dataOf<{ __typename: string }>(sent, 'sendMessage').__typename).toBe('SendMessagePayload');
    await subscription.waitFor((payloads) =>
      eventsOf(payloads).some((event) => event.upstreamType === 'session.idled'),
    );
    for (const payload of subscription.payloads) expect(payload.errors).toBeUndefined();
    const events = eventsOf(subscription.payloads);
    const upstream = h.emulator.events.eventsAfter(upstreamId, { sinceId: before });
    expect(events.map((event) => event.upstreamType)).toEqual(upstream.map((event) => event.type));
    const added = events.filter((event) => event.__typename === 'MessageAddedEvent');
    expect(added.length).toBeGreaterThanOrEqual(2);
    expect(added[0]).toMatchObject({ message: { role: 'USER', text: 'Run the tests.' } });
    for (const event of added) {
      expect(event).toMatchObject({ message: { session: { id, notes: notesOf(id) } } });
    }
    h.bodies.push(JSON.stringify(subscription.payloads));
  });

  it('Hive Gateway’s default SSE over GET is refused by CSRF prevention: hence SSE_OVER_POST', async () => {
    const upstreamId = idleEverruns();
    const plain = await startRouter({});
    const subscription = await subscribeSse(plain.url, EVENTS, { id: globalId('EverrunsSession', upstreamId) });
    open.push(subscription);
    await subscription.waitFor((payloads) => payloads.length > 0);
    expect(subscription.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'CSRF_HEADER_REQUIRED' });
    expect(plain.requests.filter((request) => request.subscription).map((request) => request.method)).toEqual(['GET']);
    expect(h.emulator.openSseStreams(upstreamId)).toBe(0);
  });

  it('forwards a client’s keys to this subgraph only, for queries and subscriptions', async () => {
    const globex = h.emulator.tenants.get('globex')?.everrunsSessions.find((s) => s.json.status === 'idle')?.json.id;
    const id = globalId('EverrunsSession', globex ?? '');
    const headers = { 'x-everruns-api-key': DEMO_KEYS.globex.everruns };
    const query = `${NOTES} query($id: ID!) { node(id: $id) { id ...Notes } }`;
    notesKeyed.length = 0;
    const asGlobex = await fetch(router.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables: { id } }),
    });
    const text = await asGlobex.text();
    h.bodies.push(text);
    expect(JSON.parse(text)).toEqual({ data: { node: { id, notes: notesOf(id) } } });
    // Without the header our subgraph uses its own (acme's) key, which does not see globex's session.
    expect((await post(router.url, query, { id })).data).toEqual({ node: null });
    expect(notesKeyed).toEqual([false]);
    const subscription = await subscribeSse(router.url, EVENTS, { id }, headers);
    open.push(subscription);
    await until(() => h.emulator.openSseStreams(globex) === 1);
  });
});

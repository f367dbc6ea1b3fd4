import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import { createGateway } from '../src/yoga.js';
import { closeServer, dataOf, serveOverSocket, testConfig, until, useHarness } from './harness.js';
import { eventsOf, type Subscription, subscribeSse } from './live-client.js';

const MANIFEST = 'examples/generated/persisted-documents.json';
const MANIFEST_FILE = new URL(`../${MANIFEST}`, import.meta.url);

// A router sends its own query text to subgraphs, so behind it ours allows text as well as ids.
const h = useHarness({
  gateway: () => ({ subgraph: true, persistedDocuments: { mode: 'allow', path: MANIFEST } }),
  emulator: { turnMs: 200 },
});

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

/** A document of the supergraph (ours has no `notes`): a client built against it has it in its manifest. */
const SESSION_NOTES = `${NOTES}
query SessionNotes($first: Int!) { sessions(first: $first) { edges { node { __typename id ...Notes } } } }`;
const SESSION_NOTES_ID = `sha256:${createHash('sha256').update(SESSION_NOTES).digest('hex')}`;

/** The example client's manifest: ids (`sha256:<hex>`) to document text. */
const manifest: Record<string, string> = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8'));

/** The manifest id of the example operation named `name`. */
function idOf(name: string): string {
  const found = Object.entries(manifest).find(([, text]) =>
    new RegExp(`(query|mutation|subscription) ${name}\\b`).test(text),
  );
  if (!found) throw new Error(`no ${name} in the manifest`);
  return found[0];
}

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
  return (await send(url, { query, variables }, record)).body;
}

/** POSTs a GraphQL request body as it is (`documentId` instead of `query`, say). */
async function send(url: string, body: Record<string, unknown>, record = true) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (record) h.bodies.push(text);
  return { status: response.status, body: JSON.parse(text) };
}

const codes = (body: { errors?: { extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((error) => error.extensions?.code);

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
/** Our subgraph's SDL, as composition reads it. */
let sessionsSdl: string;
let supergraph: string;
let router: Router;
const running: { runtime: GatewayRuntime; server: Server }[] = [];
/** Extra subgraphs a test served, closed after it. */
const extraSubgraphs: { close(): Promise<void> }[] = [];
const open: Subscription[] = [];

/** The supergraph of our subgraph (at `sessionsUrl`) and the notes subgraph. */
function compose(sessionsUrl: string): string {
  const composed = composeServices([
    { name: 'sessions', url: sessionsUrl, typeDefs: parse(sessionsSdl) },
    { name: 'notes', url: notesUrl, typeDefs: parse(NOTES_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

/** The router's trusted documents: the client's manifest file (plus its supergraph document), read once. */
function routerDocuments(): Map<string, string> {
  const documents: Record<string, string> = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8'));
  return new Map([...Object.entries(documents), [SESSION_NOTES_ID, SESSION_NOTES]]);
}

interface RouterOptions {
  readonly transportEntries?: TransportEntries;
  /** Default: this test's, over the harness's subgraph. */
  readonly supergraph?: string;
  /** Run manifest ids only, refusing document text (Hive's `allowArbitraryDocuments: false`). */
  readonly trusted?: boolean;
}

async function startRouter(options: RouterOptions = {}): Promise<Router> {
  const requests: SubgraphRequest[] = [];
  const documents = options.trusted ? routerDocuments() : null;
  const runtime = createGatewayRuntime({
    supergraph: options.supergraph ?? supergraph,
    transports: { http: httpTransport },
    transportEntries: options.transportEntries ?? SSE_OVER_POST,
    ...(documents
      ? {
          persistedDocuments: {
            // Hive also reads APQ's `sha256Hash`, a bare hash: the manifest's ids carry `sha256:`.
            getPersistedOperation: (id: string) => documents.get(id) ?? documents.get(`sha256:${id}`) ?? null,
            allowArbitraryDocuments: false,
          },
        }
      : {}),
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
  sessionsSdl = (await post(h.url, '{ _service { sdl } }', undefined, false)).data._service.sdl;
  supergraph = compose(h.url);
  router = await startRouter();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((subscription) => subscription.close()));
  for (const { runtime, server } of running.splice(0)) {
    await closeServer(server);
    await runtime.dispose();
  }
  await Promise.all(extraSubgraphs.splice(0).map((subgraph) => subgraph.close()));
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
    const plain = await startRouter({ transportEntries: {} });
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

describe('trusted documents behind Hive Gateway: the router enforces, our subgraph allows', () => {
  it('runs manifest documents by documentId, the supergraph’s joined with the other subgraph', async () => {
    const trusted = await startRouter({ trusted: true });
    const list = await send(trusted.url, { documentId: idOf('SessionList'), variables: { first: 3 } });
    expect(list.status).toBe(200);
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data.sessions.edges).toHaveLength(3);
    const apq = await send(trusted.url, {
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf('SessionList').slice('sha256:'.length) } },
      variables: { first: 3 },
    });
    expect(apq.body).toEqual(list.body);
    const joined = await send(trusted.url, { documentId: SESSION_NOTES_ID, variables: { first: 4 } });
    expect(joined.body.errors).toBeUndefined();
    const nodes: { __typename: string; id: string; notes: string }[] = joined.body.data.sessions.edges.map(
      (edge: { node: unknown }) => edge.node,
    );
    expect(nodes).toHaveLength(4);
    expect(new Set(nodes.map((node) => node.__typename))).toEqual(new Set(['EverrunsSession', 'FactorySession']));
    for (const node of nodes) expect(node.notes).toBe(notesOf(node.id));
  });

  it('refuses document text and unknown ids at the router: no subgraph or upstream call', async () => {
    const trusted = await startRouter({ trusted: true });
    notesKeyed.length = 0;
    const text = await send(trusted.url, { query: SESSION_NOTES, variables: { first: 1 } });
    // Hive's refusals carry no HTTP status: 200 (also for application/graphql-response+json), unlike ours (400).
    expect({ status: text.status, codes: codes(text.body), message: text.body.errors?.[0]?.message }).toEqual({
      status: 200,
      codes: ['CANNOT_SEND_PQ_ID_AND_BODY'],
      message: 'PersistedQueryOnly',
    });
    const unknown = await send(trusted.url, { documentId: `sha256:${'0'.repeat(64)}` });
    expect({ status: unknown.status, codes: codes(unknown.body) }).toEqual({
      status: 200,
      codes: ['PERSISTED_QUERY_NOT_IN_LIST'],
    });
    expect(trusted.requests).toEqual([]);
    expect(notesKeyed).toEqual([]);
    expect(h.emulator.switchboard.requests).toHaveLength(0);
  });

  it('runs the SendMessage mutation by documentId', async () => {
    const trusted = await startRouter({ trusted: true });
    const id = globalId('EverrunsSession', idleEverruns());
    const sent = await send(trusted.url, {
      documentId: idOf('SendMessage'),
      variables: { sessionId: id, text: 'By id through the router.' },
    });
    expect(sent.body.errors).toBeUndefined();
    expect(sent.body.data.sendMessage).toMatchObject({
      __typename: 'SendMessagePayload',
      sentMessage: { role: 'USER', text: 'By id through the router.' },
      session: { id },
    });
    expect(h.emulator.switchboard.count('POST /v1/sessions/:id/messages')).toBe(1);
  });

  it('runs the WatchSession subscription by documentId, reaching the upstream stream', async () => {
    const trusted = await startRouter({ trusted: true });
    const upstreamId = idleEverruns();
    const controller = new AbortController();
    const response = await fetch(trusted.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        documentId: idOf('WatchSession'),
        variables: { id: globalId('EverrunsSession', upstreamId) },
      }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    await until(() => h.emulator.openSseStreams(upstreamId) === 1);
    controller.abort();
  });

  it('with our subgraph in require mode, it refuses the router’s generated text: clients get an error', async () => {
    const gateway = createGateway(
      testConfig(h.emulator, { subgraph: true, persistedDocuments: { mode: 'require', path: MANIFEST } }),
    );
    const served = await serveOverSocket(gateway);
    extraSubgraphs.push({
      close: async () => {
        await served.close();
        await gateway.close();
      },
    });
    const trusted = await startRouter({ trusted: true, supergraph: compose(served.url) });
    const list = await send(trusted.url, { documentId: idOf('SessionList'), variables: { first: 3 } });
    // Hive reports the subgraph's refusal as an error on the fields that subgraph serves.
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual({ sessions: null });
    expect(list.body.errors).toMatchObject([
      { path: ['sessions'], extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED', serviceName: 'sessions' } },
    ]);
    expect(trusted.requests.map((request) => request.url)).toEqual([served.url]);
    expect(h.emulator.switchboard.requests).toHaveLength(0);
  });
});

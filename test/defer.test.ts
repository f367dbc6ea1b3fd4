import { describe, expect, it } from 'vitest';
import type { Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { useHarness } from './harness.js';

const h = useHarness();

const FACTORY_SESSION = 'GET /api/v0/sessions/:id';
const FACTORY_LIST = 'GET /api/v0/sessions/:id/messages';

interface ErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

interface Increment<Deferred, Item> {
  data?: Deferred | null;
  items?: Item[];
  path: (string | number)[];
  label?: string;
  errors?: ErrorJson[];
}

/** One part of a multipart/mixed response: the initial payload or a subsequent one. */
interface Payload<Data = Record<string, unknown>, Deferred = Record<string, unknown>, Item = unknown> {
  data?: Data | null;
  errors?: ErrorJson[];
  hasNext?: boolean;
  incremental?: Increment<Deferred, Item>[];
}

interface Edge {
  node: { id: string; sourceId: string; text: string };
}

interface Row {
  node: { sourceId: string };
}

/** The payloads of a page of messages whose edges are streamed. */
type StreamPayload = Payload<{ node: { messages: { edges: Row[]; pageInfo: { hasNextPage: boolean } } } }, never, Row>;

/** The payloads of DETAIL. */
type DetailPayload = Payload<{ node: { title: string | null; state: string } }, { messages: { edges: Edge[] } | null }>;

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

/** An idle Factory session with a long conversation (nothing adds messages during a test). */
function factorySession(): string {
  const tenant = acme();
  const ids = tenant.factoryConversations.long;
  const id = ids.find((id) => tenant.factorySessions.find((s) => s.sessionId === id)?.status === 'idle') ?? ids[0];
  if (!id) throw new Error('no long Factory conversation');
  return id;
}

/** The first message ids of a Factory session's seeded conversation. */
function firstMessages(sessionId: string, count: number): string[] {
  return acme()
    .conversations.factory(sessionId)
    .slice(0, count)
    .map((message) => message.id);
}

/** A session's title and state, read without @defer. */
async function header(sessionId: string): Promise<Record<string, unknown> | null | undefined> {
  const response = await h.query('query($id: ID!) { node(id: $id) { ... on Session { title state } } }', {
    id: globalId('FactorySession', sessionId),
  });
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}

/** POSTs an operation over the gateway's socket, accepting incremental delivery. */
function post(query: string, variables: Record<string, unknown>, accept = 'multipart/mixed'): Promise<Response> {
  return fetch(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query, variables }),
  });
}

/**
 * The payloads of a multipart/mixed response (RFC 2046: the boundary from Content-Type, parts
 * after each CRLF "--" boundary, headers then a JSON body), each yielded as soon as it is whole.
 */
async function* payloads<P extends Payload<unknown, unknown, unknown>>(response: Response): AsyncGenerator<P> {
  const type = response.headers.get('content-type') ?? '';
  const boundary = /^multipart\/mixed;.*boundary="?([^";]+)"?/.exec(type)?.[1];
  const reader = response.body?.getReader();
  if (!boundary || !reader) throw new Error(`not a multipart/mixed response: ${response.status} ${type}`);
  const delimiter = `\r\n--${boundary}`;
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    for (let start = buffer.indexOf(delimiter); start >= 0; start = buffer.indexOf(delimiter)) {
      const after = start + delimiter.length;
      if (buffer.startsWith('--', after)) return;
      const end = buffer.indexOf(delimiter, after);
      if (end < 0) break;
      const part = buffer.slice(after, end);
      buffer = buffer.slice(end);
      const blank = part.indexOf('\r\n\r\n');
      expect(part.slice(0, blank)).toMatch(/content-type: application\/json/i);
      const body = part.slice(blank + 4);
      h.bodies.push(body);
      yield JSON.parse(body);
    }
    if (done) throw new Error(`the response ended without its closing delimiter: ${JSON.stringify(buffer)}`);
  }
}

async function allPayloads<P extends Payload<unknown, unknown, unknown> = Payload>(response: Response): Promise<P[]> {
  const all: P[] = [];
  for await (const payload of payloads<P>(response)) all.push(payload);
  return all;
}

const DETAIL = `query Detail($id: ID!) {
  node(id: $id) {
    ... on Session {
      title
      state
      ... @defer(label: "messages") { messages(first: 5) { edges { node { id sourceId text } } } }
    }
  }
}`;

describe('@defer over multipart/mixed', () => {
  it('a detail page gets its session first and its messages in a later payload', async () => {
    const sessionId = factorySession();
    h.emulator.switchboard.inject({ route: FACTORY_LIST, delayMs: 600 });
    const response = await post(DETAIL, { id: globalId('FactorySession', sessionId) });
    expect(response.status).toBe(200);
    const seen: DetailPayload[] = [];
    for await (const payload of payloads<DetailPayload>(response)) {
      // The initial payload is on the socket while the messages are still held back upstream.
      if (seen.length === 0) {
        const answered = h.emulator.switchboard.count(FACTORY_LIST) - h.emulator.switchboard.inFlightNow(FACTORY_LIST);
        expect(answered).toBe(0);
      }
      seen.push(payload);
    }
    const [initial, subsequent, ...rest] = seen;
    expect(rest).toEqual([]);
    expect(initial).toEqual({ data: await header(sessionId), hasNext: true });
    expect(subsequent?.hasNext).toBe(false);
    expect(subsequent?.incremental).toHaveLength(1);
    const increment = subsequent?.incremental?.[0];
    expect(increment).toMatchObject({ path: ['node'], label: 'messages' });
    expect(increment?.errors).toBeUndefined();
    const edges = increment?.data?.messages?.edges ?? [];
    expect(edges.map((edge) => edge.node.sourceId)).toEqual(firstMessages(sessionId, 5));
    for (const edge of edges) {
      expect(edge.node.id).toBe(globalId('Message', `FACTORY:${sessionId}:${edge.node.sourceId}`));
      expect(typeof edge.node.text).toBe('string');
    }
    // One read, started beside the session's: the look-ahead sees through @defer.
    expect(h.emulator.switchboard.count(FACTORY_LIST)).toBe(1);
  });

  it('starts the deferred messages read beside the session read, not after it', async () => {
    h.emulator.switchboard.inject({ route: FACTORY_SESSION, delayMs: 400 });
    const response = await post(DETAIL, { id: globalId('FactorySession', factorySession()) });
    const all = await allPayloads(response);
    expect(all.map((payload) => payload.hasNext)).toEqual([true, false]);
    const arrival = (route: string) => h.emulator.switchboard.requests.find((r) => r.route === route)?.at ?? Number.NaN;
    expect(arrival(FACTORY_LIST) - arrival(FACTORY_SESSION)).toBeLessThan(300);
  });

  it('a deferred fragment that fails upstream delivers its coded error later; the initial payload stands', async () => {
    const sessionId = factorySession();
    h.emulator.switchboard.inject({ route: FACTORY_LIST, status: 503 });
    const response = await post(DETAIL, { id: globalId('FactorySession', sessionId) });
    expect(response.status).toBe(200);
    const [initial, subsequent, ...rest] = await allPayloads<DetailPayload>(response);
    expect(rest).toEqual([]);
    expect(initial).toEqual({ data: await header(sessionId), hasNext: true });
    expect(subsequent).toEqual({
      incremental: [
        {
          data: { messages: null },
          path: ['node'],
          label: 'messages',
          errors: [
            {
              message: expect.any(String),
              locations: [expect.any(Object)],
              path: ['node', 'messages'],
              extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'FACTORY', upstreamStatus: 503 },
            },
          ],
        },
      ],
      hasNext: false,
    });
  });

  it('partial errors of the merged feed go with the payload that delivers the feed', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', status: 503 });
    const feed = 'sessions(first: 3) { edges { node { id } } unavailableSources }';
    const other = 'factorySessions(first: 1) { edges { node { id } } }';
    const unavailable = { path: ['sessions'], code: 'UPSTREAM_UNAVAILABLE', source: 'EVERRUNS' };
    const where = (errors: ErrorJson[] | undefined) =>
      (errors ?? []).map((e) => ({ path: e.path, code: e.extensions?.code, source: e.extensions?.source }));

    const deferred = await allPayloads(await post(`{ ${other} ... @defer(label: "feed") { ${feed} } }`, {}));
    expect(deferred.map((payload) => payload.hasNext)).toEqual([true, false]);
    expect(deferred[0]?.errors).toBeUndefined();
    const increment = deferred[1]?.incremental?.[0];
    expect(increment?.data?.sessions).toMatchObject({ unavailableSources: ['EVERRUNS'] });
    expect(where(increment?.errors)).toEqual([unavailable]);

    const first = await allPayloads(await post(`{ ${feed} ... @defer(label: "other") { ${other} } }`, {}));
    expect(where(first[0]?.errors)).toEqual([unavailable]);
    expect(first[1]?.incremental?.[0]?.errors).toBeUndefined();
  });

  it('logs and times a deferred request when its last payload is sent', async () => {
    h.emulator.switchboard.inject({ route: FACTORY_LIST, delayMs: 300 });
    await allPayloads(await post(DETAIL, { id: globalId('FactorySession', factorySession()) }));
    const text = await h.gateway.metrics.getSingleMetricAsString('sessiongraph_request_duration_seconds');
    const value = (name: string) => Number(new RegExp(`^${name}\\{operation="Detail"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('sessiongraph_request_duration_seconds_count')).toBe(1);
    expect(value('sessiongraph_request_duration_seconds_sum')).toBeGreaterThanOrEqual(0.3);
  });

  it('answers a deferred operation to a client that accepts only JSON with a coded 406', async () => {
    const response = await post(DETAIL, { id: globalId('FactorySession', factorySession()) }, 'application/json');
    expect(response.status).toBe(406);
    const text = await response.text();
    h.bodies.push(text);
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: expect.stringContaining('multipart/mixed'), extensions: { code: 'NOT_ACCEPTABLE' } }],
    });
    // Refused before it ran: no upstream call.
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it('refuses a deferred mutation it cannot answer before sending anything upstream', async () => {
    const sessionId = globalId('FactorySession', factorySession());
    const response = await post(
      `mutation($id: ID!) { sendMessage(input: { sessionId: $id, text: "Hi." }) {
        ... on SendMessagePayload { sentMessage { id } ... @defer { session { state } } } } }`,
      { id: sessionId },
      'application/graphql-response+json, application/json',
    );
    expect(response.status).toBe(406);
    h.bodies.push(await response.text());
    expect(h.emulator.switchboard.countPrefix('POST ')).toBe(0);
  });

  it('refuses a subscription POSTed for JSON before it starts upstream work', async () => {
    const id = h.emulator.tenants.get('acme')?.everrunsSessions[0]?.json.id ?? '';
    for (let n = 0; n < 3; n++) {
      const response = await post(
        'subscription($id: ID!) { sessionEvents(sessionId: $id) { __typename } }',
        { id: globalId('EverrunsSession', id) },
        'application/json',
      );
      expect(response.status).toBe(406);
      expect(JSON.parse(await response.text()).errors[0].extensions).toEqual({ code: 'NOT_ACCEPTABLE' });
    }
    expect(h.gateway.live.subscriptions).toBe(0);
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id/sse')).toBe(0);
  });
});

describe('@stream on a page of messages', () => {
  it('sends the first edges with the page and the rest in later payloads, in order', async () => {
    const sessionId = factorySession();
    const response = await post(
      `query($id: ID!) { node(id: $id) { ... on Session {
        messages(first: 8) { edges @stream(initialCount: 3) { node { sourceId } } pageInfo { hasNextPage } }
      } } }`,
      { id: globalId('FactorySession', sessionId) },
    );
    const [initial, ...later] = await allPayloads<StreamPayload>(response);
    expect(initial?.hasNext).toBe(true);
    expect(initial?.data?.node.messages.pageInfo).toEqual({ hasNextPage: true });
    const first = initial?.data?.node.messages.edges ?? [];
    expect(first).toHaveLength(3);
    const increments = later.flatMap((payload) => payload.incremental ?? []);
    expect(increments.map((increment) => increment.path)).toEqual(
      [3, 4, 5, 6, 7].map((index) => ['node', 'messages', 'edges', index]),
    );
    const streamed = increments.flatMap((increment) => increment.items ?? []);
    expect([...first, ...streamed]).toEqual(firstMessages(sessionId, 8).map((id) => ({ node: { sourceId: id } })));
    expect(later.at(-1)?.hasNext).toBe(false);
    expect(h.emulator.switchboard.count(FACTORY_LIST)).toBe(1);
  });
});

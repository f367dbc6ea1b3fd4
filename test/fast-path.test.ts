import { connect } from 'node:net';
import { GraphQLError, GraphQLObjectType, GraphQLSchema, GraphQLString, getOperationAST, parse } from 'graphql';
import { maskError } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { regularMediaType } from '../src/fast-path.js';
import { EXECUTION_HOOKS, executionHooks, PreparedOperations } from '../src/prepared.js';
import { globalId } from '../src/schema/node.js';
import { CallCancel } from '../src/sources/http.js';
import { createUpstreams } from '../src/upstreams.js';
import { createGateway } from '../src/yoga.js';
import { abortablePost, serveOverSocket, testConfig, useHarness } from './harness.js';

// The Node fast path (src/fast-path.ts) must answer exactly as Yoga would. Each request goes
// once over a socket to the gateway's listener, once to Yoga in-process (`yoga.fetch`, which
// never takes the fast path); the status, headers, body and upstream calls must be the same,
// and the fast-path counter says which requests the fast path answered itself.

const h = useHarness();

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly calls: Record<string, number>;
}

interface Pair {
  readonly socket: Answer;
  /** The same request over the socket once more (a document envelop validated is then prepared). */
  readonly again: Answer;
  readonly yoga: Answer;
  /** Requests the fast path answered during the first socket request (0 or 1). */
  readonly fast: number;
  /** Prepared operations (src/prepared.ts) executed during the two socket requests. */
  readonly prepared: number;
}

// Headers Node's HTTP server adds on a socket (Yoga's in-process Response has none of them).
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (!TRANSPORT_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  return headers;
}

async function fastCount(): Promise<number> {
  const metric = await h.gateway.metrics.getSingleMetric('sessiongraph_fast_path_requests_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  h.bodies.push(text);
  const calls = h.emulator.switchboard.counts();
  h.emulator.switchboard.resetCounts();
  return { status: response.status, headers: headersOf(response), text, calls };
}

async function pair(url: string, headers: Record<string, string>, body: string, method = 'POST'): Promise<Pair> {
  h.emulator.switchboard.resetCounts();
  const before = await fastCount();
  // Copies: Yoga's Request adds content-length to a plain headers object it is given.
  const preparedBefore = h.gateway.prepared?.executed ?? 0;
  const socket = await answer(await fetch(url, { method, headers: { ...headers }, body }));
  const fast = (await fastCount()) - before;
  const again = await answer(await fetch(url, { method, headers: { ...headers }, body }));
  const prepared = (h.gateway.prepared?.executed ?? 0) - preparedBefore;
  const yoga = await answer(
    await h.gateway.yoga.fetch('http://gateway.test/graphql', { method, headers: { ...headers }, body }),
  );
  return { socket, again, yoga, fast, prepared };
}

const JSON_POST = { 'content-type': 'application/json' };
const LIST = 'sourceId title upstreamStatus createdAt updatedAt model tokenUsage { inputTokens outputTokens }';
const body = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });

describe('the Node fast path answers as Yoga does', () => {
  it('lists, the merged feed, nodes and errors inside a result, with every Accept it takes', async () => {
    const server = await serveOverSocket(h.gateway);
    try {
      const acme = h.emulator.tenants.get('acme');
      const factoryId = globalId('FactorySession', acme?.factorySessions[0]?.sessionId ?? '');
      const everrunsId = globalId('EverrunsSession', acme?.everrunsSessions[0]?.json.id ?? '');
      const cases: [string, Record<string, string>, string][] = [
        [
          'Factory list, variables',
          JSON_POST,
          body(`query B($first: Int) { factorySessions(first: $first) { edges { node { ${LIST} } } } }`, {
            variables: { first: 7 },
          }),
        ],
        [
          'both lists, graphql-response+json',
          { ...JSON_POST, accept: 'application/graphql-response+json' },
          body(
            `{ factorySessions(first: 3) { edges { cursor node { id ${LIST} } } pageInfo { hasNextPage endCursor } } everrunsSessions(first: 3) { totalCount edges { node { id ${LIST} agentId } } } }`,
          ),
        ],
        [
          'merged feed, accept application/json',
          { ...JSON_POST, accept: 'application/json' },
          body(
            `{ sessions(first: 6) { edges { cursor node { __typename id ${LIST} } } pageInfo { hasNextPage endCursor } } }`,
          ),
        ],
        [
          'nodes with a good, a repeated and a bad id',
          {
            'content-type': 'application/json; charset=utf-8',
            accept: 'application/graphql-response+json, application/json',
          },
          body('query E($ids: [ID!]!) { nodes(ids: $ids) { id ... on Session { title } } }', {
            variables: { ids: [factoryId, everrunsId, factoryId] },
          }),
        ],
        ['a bad id (BAD_USER_INPUT)', JSON_POST, body(`{ node(id: "bad") { id } }`)],
        [
          'a bad id, graphql-response+json',
          { ...JSON_POST, accept: 'application/graphql-response+json' },
          body(`{ node(id: "bad") { id } }`),
        ],
        [
          'a variable of the wrong type',
          JSON_POST,
          body('query($n: Int) { sessions(first: $n) { totalCount } }', { variables: { n: 'x' } }),
        ],
        [
          'a variable of the wrong type, graphql-response+json',
          { ...JSON_POST, accept: 'application/graphql-response+json' },
          body('query($n: Int) { sessions(first: $n) { totalCount } }', { variables: { n: 'x' } }),
        ],
        [
          'over maxNodes (stopped at execution)',
          JSON_POST,
          body(
            `query($ids: [ID!]!) { nodes(ids: $ids) { id } ${Array.from({ length: 10 }, (_, i) => `s${i}: sessions(first: 100) { totalCount }`).join(' ')} }`,
            { variables: { ids: Array.from({ length: 100 }, () => factoryId) } },
          ),
        ],
        [
          'operationName picks one of two',
          JSON_POST,
          body('query A { __typename } query B { everrunsSessions(first: 1) { totalCount } }', {
            operationName: 'B',
            variables: null,
            extensions: {},
          }),
        ],
        [
          'a mutation refused by input validation',
          JSON_POST,
          body(
            'mutation { createEverrunsSession(input: { agentId: "nope" }) { __typename ... on Error { message } ... on ValidationError { fieldErrors { path message } } } }',
          ),
        ],
        ['introspection', JSON_POST, body('{ __schema { queryType { name } } __type(name: "Session") { kind } }')],
      ];
      for (const [name, headers, text] of cases) {
        const { socket, again, yoga, fast, prepared } = await pair(server.url, headers, text);
        expect(socket, name).toEqual(yoga);
        expect(again, `${name}, prepared`).toEqual(yoga);
        expect(fast, `${name}: answered by the fast path`).toBe(1);
        // Documents of several operations run on graphql-js, through envelop, every time.
        expect(prepared > 0, `${name}: a prepared operation`).toBe(name !== 'operationName picks one of two');
      }
      // The request record names the operation, prepared or not: two operations named B (the
      // Factory list and the one operationName picks), each twice over the socket and once in-process.
      const requests = await h.gateway.metrics.getSingleMetric('sessiongraph_requests_total')?.get();
      expect(requests?.values.find((value) => value.labels.operation === 'B')?.value).toBe(6);
    } finally {
      await server.close();
    }
  });

  /**
   * A request under an upstream fault, over the socket twice (the second prepared) and to Yoga:
   * the three answers must be the same.
   */
  async function pairUnderFault(fault: Parameters<typeof h.emulator.switchboard.inject>[0], text: string) {
    const server = await serveOverSocket(h.gateway);
    try {
      h.emulator.switchboard.inject(fault);
      const result = await pair(server.url, JSON_POST, text);
      expect(result.socket).toEqual(result.yoga);
      expect(result.again).toEqual(result.yoga);
      expect(result.fast).toBe(1);
      expect(result.prepared).toBe(1);
      return result;
    } finally {
      await server.close();
    }
  }

  it('a failing source: the other source answers, with the same errors and retries', async () => {
    const { socket } = await pairUnderFault(
      { route: 'GET /v1/sessions', status: 500 },
      body(`{ factorySessions(first: 2) { edges { node { ${LIST} } } } everrunsSessions(first: 2) { totalCount } }`),
    );
    expect(socket.text).toContain('"factorySessions":{"edges":[');
    expect(socket.calls['GET /v1/sessions']).toBeGreaterThan(1);
  });

  it('the merged feed with a refusing source: its sessions, and the partial error', async () => {
    // Not retried and not a breaker failure: the three answers meet the same upstream state.
    const { socket } = await pairUnderFault(
      { route: 'GET /v1/sessions', status: 403 },
      body(`{ sessions(first: 3) { edges { node { id ${LIST} } } } }`),
    );
    expect(socket.text).toContain('"errors":[');
    expect(socket.text).toContain('"sessions":{"edges":[{"node"');
  });

  it('hands Yoga whatever it does not take, with the body it read', async () => {
    const server = await serveOverSocket(h.gateway);
    try {
      const cases: [string, Record<string, string>, string][] = [
        // Parse and validation errors first seen by the fast path: Yoga's answer must not change.
        [
          'a parse error, first seen here',
          { ...JSON_POST, accept: 'application/graphql-response+json' },
          body('{ nope'),
        ],
        ['a validation error', { ...JSON_POST, accept: 'application/graphql-response+json' }, body('{ nope }')],
        [
          'over maxAliases (a validation rule of ours)',
          JSON_POST,
          body(`{ sessions(first: 1) { ${Array.from({ length: 31 }, (_, i) => `a${i}: totalCount`).join(' ')} } }`),
        ],
        ['an unknown parameter', JSON_POST, body('{ __typename }', { variable: {} })],
        ['variables as an array', JSON_POST, body('{ __typename }', { variables: [] })],
        ['a batch', JSON_POST, JSON.stringify([{ query: '{ __typename }' }])],
        ['not JSON', JSON_POST, '{"query": '],
        ['JSON null', JSON_POST, 'null'],
        ['an unknown operationName', JSON_POST, body('query A { __typename }', { operationName: 'B' })],
        ['text/plain (CSRF)', { 'content-type': 'text/plain' }, body('{ __typename }')],
        ['application/graphql+json', { 'content-type': 'application/graphql+json' }, body('{ __typename }')],
        ['a browser (Origin)', { ...JSON_POST, origin: 'http://app.test' }, body('{ __typename }')],
        ['event-stream only', { ...JSON_POST, accept: 'text/event-stream' }, body('{ __typename }')],
        [
          'a charset Yoga does not serve',
          { ...JSON_POST, accept: 'application/json; charset=latin1' },
          body('{ __typename }'),
        ],
        ['a document over maxDocumentBytes', JSON_POST, body(`{ __typename ${' '.repeat(40_000)}}`)],
      ];
      const answers: Answer[] = [];
      for (const [name, headers, text] of cases) {
        const { socket, yoga, fast } = await pair(server.url, headers, text);
        expect(socket, name).toEqual(yoga);
        expect(fast, `${name}: not answered by the fast path`).toBe(0);
        answers.push(socket);
      }
      // Both sides share the gateway's parse cache, so a parse error cached by the fast path
      // without Yoga's code and status would look the same on both: check what Yoga gives.
      expect(answers[0]?.status).toBe(400);
      expect(JSON.parse(answers[0]?.text ?? '{}').errors[0].extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
      expect(answers[1]?.status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('a client that leaves stops the upstream call', async () => {
    const server = await serveOverSocket(h.gateway);
    try {
      h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions', hang: true });
      const client = abortablePost(server.url, '{ factorySessions(first: 2) { edges { node { id } } } }');
      while (h.emulator.switchboard.inFlightNow('GET /api/v0/sessions') === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      client.abort();
      expect(await client.left).toBe('aborted');
      // The gateway's upstream timeout is 2 s; the call must end well before it.
      const started = Date.now();
      while (h.emulator.switchboard.inFlightNow('GET /api/v0/sessions') > 0 && Date.now() - started < 1_500) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(h.emulator.switchboard.inFlightNow('GET /api/v0/sessions')).toBe(0);
      const aborted = await h.gateway.metrics.getSingleMetric('sessiongraph_upstream_calls_total')?.get();
      expect(aborted?.values.find((value) => value.labels.status === 'aborted')?.value).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('the fast path and broken clients', () => {
  it('a client that leaves halfway through its body does not take the server down', async () => {
    const server = await serveOverSocket(h.gateway);
    try {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { socket: after, fast } = await pair(server.url, JSON_POST, body('{ __typename }'));
      expect(after.text).toBe('{"data":{"__typename":"Query"}}');
      expect(fast).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('regularMediaType: the media type Yoga picks for a single result', () => {
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['application/graphql-response+json, application/json', 'application/graphql-response+json'],
    ['application/json, application/graphql-response+json', 'application/json'],
    ['application/*', 'application/json'],
    ['text/event-stream, application/json', 'application/json'],
    ['application/json; charset=latin1', null],
    ['text/event-stream', null],
    ['multipart/mixed', null],
  ])('%s -> %s', (accept, expected) => {
    expect(regularMediaType(accept)).toBe(expected);
    // Again, from the remembered answers.
    expect(regularMediaType(accept)).toBe(expected);
  });

  it('answers the same once more distinct headers than it remembers have been seen', () => {
    for (let i = 0; i < 300; i++) {
      expect(regularMediaType(`application/json;q=0.${i}`)).toBe('application/json');
      expect(regularMediaType(`text/event-stream;q=0.${i}`)).toBe(null);
    }
    expect(regularMediaType('application/graphql-response+json')).toBe('application/graphql-response+json');
    expect(regularMediaType('multipart/mixed')).toBe(null);
  });
});

describe('prepared operations replay the plugins the gateway registers', () => {
  it('are on for the gateway as built, and off when graphql-jit is', async () => {
    // Fails when a plugin with execution hooks is added, removed or moved: src/prepared.ts
    // replays them, so update it (and EXECUTION_HOOKS) with the plugin.
    expect(h.gateway.prepared).not.toBeNull();
    const interpreted = createGateway(testConfig(h.emulator, { jit: false }));
    try {
      expect(interpreted.prepared).toBeNull();
    } finally {
      await interpreted.close();
    }
  });

  it('remember a bounded number of documents, compiled when they come back', () => {
    const prepared = h.gateway.prepared;
    if (!prepared) throw new Error('prepared operations are off');
    const texts = Array.from(
      { length: 250 },
      (_, i) => `query Q${i} { sessions(first: ${(i % 100) + 1}) { totalCount } }`,
    );
    for (const text of texts) {
      const document = parse(text);
      const operation = getOperationAST(document);
      if (!operation) throw new Error('no operation');
      prepared.remember(text, document, operation);
    }
    // 200 at most: the first 200 were forgotten when the 201st came.
    expect(prepared.get(texts[0] ?? '', null)).toBeUndefined();
    expect(prepared.get(texts[249] ?? '', 'Q249')?.compiled.query).toBeTypeOf('function');
    expect(prepared.get(texts[249] ?? '', 'Other')).toBeUndefined();
    const two = 'query A { __typename } query B { __typename }';
    const document = parse(two);
    const operation = getOperationAST(document, 'A');
    if (!operation) throw new Error('no operation');
    prepared.remember(two, document, operation);
    expect(prepared.get(two, 'A')).toBeUndefined();
  });

  it('mask an unexpected error as Yoga does', async () => {
    // No request of the gateway's makes an unexpected error, so this runs the execute steps on
    // a schema whose resolver fails, with Yoga's own masking as the mask step.
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          boom: {
            type: GraphQLString,
            resolve: () => {
              throw new Error('upstream 10.0.0.7 sent key sk-live-123');
            },
          },
        },
      }),
    });
    const prepared = new PreparedOperations({
      schema,
      observe: () => () => {},
      refuse: () => null,
      withPartialErrors: () => null,
      mask: (error, message) => {
        const masked = maskError(error, message, false);
        return masked instanceof GraphQLError ? masked : new GraphQLError(masked.message);
      },
    });
    const text = '{ boom }';
    const document = parse(text);
    const operation = getOperationAST(document);
    if (!operation) throw new Error('no operation');
    prepared.remember(text, document, operation);
    const operationToRun = prepared.get(text, null);
    if (!operationToRun) throw new Error('not prepared');
    const config = testConfig(h.emulator);
    const context = createContext(createUpstreams(config).upstreams, config, {
      headers: { get: () => null },
      signal: new CallCancel(),
    });
    const result = await prepared.execute(operationToRun, context, {}, null);
    expect(result.data).toEqual({ boom: null });
    expect(result.errors?.map((error) => error.message)).toEqual(['Unexpected error.']);
    expect(JSON.stringify(result)).not.toContain('10.0.0.7');
  });

  it('are left out when the hooks are not the ones they were written for', () => {
    const listed = EXECUTION_HOOKS.split(' | ').map((hooks) =>
      Object.fromEntries(hooks.split(',').map((hook) => [hook, true])),
    );
    expect(executionHooks(listed)).toBe(EXECUTION_HOOKS);
    expect(executionHooks([false, ...listed, {}])).toBe(EXECUTION_HOOKS);
    expect(executionHooks([...listed, { onExecute: true }])).not.toBe(EXECUTION_HOOKS);
    expect(executionHooks([{ instrumentation: {} }, ...listed])).not.toBe(EXECUTION_HOOKS);
  });
});

import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config.js';
import { type Emulator, startEmulator } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { serveOverSocket, testConfig } from './harness.js';
import { subscribeWs } from './live-client.js';

let emulator: Emulator;
const opened: { gateway: Gateway; close: () => Promise<void> }[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  for (const { gateway, close } of opened) {
    await close();
    await gateway.close();
  }
  await emulator.close();
  for (const body of bodies) {
    expect(body).not.toMatch(/"stack"|at \/|ECONN|127\.0\.0\.1:\d+\/(api|v1)/);
  }
});

/** A gateway over a real socket with the given settings. */
async function serve(overrides: Parameters<typeof testConfig>[1] = {}) {
  const gateway = createGateway(testConfig(emulator, overrides));
  const server = await serveOverSocket(gateway);
  opened.push({ gateway, close: server.close });
  return server.url;
}

async function send(url: string, init: RequestInit) {
  const response = await fetch(url, init);
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, text, body: text ? JSON.parse(text) : null };
}

const json = (query: string, variables?: Record<string, unknown>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query, variables }),
});

describe('query limits', () => {
  const small = {
    ...DEFAULT_LIMITS,
    maxDepth: 4,
    maxAliases: 3,
    maxRootFields: 3,
    maxTokens: 100,
    maxDirectives: 3,
    maxNodes: 150,
    maxDocumentBytes: 2_000,
  };
  let url: string;
  beforeAll(async () => {
    url = await serve({ limits: small });
  });

  it.each([
    ['maxDepth', 4, '{ factorySessions(first: 1) { edges { node { settings { tokenUsage { inputTokens } } } } } }'],
    [
      'maxAliases',
      3,
      '{ a: node(id: "x") { id } b: node(id: "x") { id } c: node(id: "x") { id } d: node(id: "x") { id } }',
    ],
    [
      'maxRootFields',
      3,
      '{ sessions(first: 1) { totalCount } factorySessions(first: 1) { __typename } everrunsSessions(first: 1) { totalCount } nodes(ids: []) { id } }',
    ],
    ['maxTokens', 100, `{ ${'__typename '.repeat(100)}}`],
    [
      'maxDirectives',
      3,
      '{ sessions(first: 1) { totalCount @skip(if: false) edges @skip(if: false) { cursor @skip(if: false) } pageInfo @skip(if: false) { hasNextPage } } }',
    ],
    ['maxNodes', 150, '{ sessions(first: 100) { totalCount } factorySessions(first: 51) { __typename } }'],
  ])('%s refuses with a coded error naming the limit, before any upstream call', async (limit, max, query) => {
    emulator.switchboard.reset();
    const response = await send(url, json(query));
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining(`exceeds the limit of ${max} (${limit})`),
        extensions: expect.objectContaining({ code: 'LIMIT_EXCEEDED', limit, max }),
      }),
    );
    expect(response.body.data ?? null).toBeNull();
    expect(emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it('depth is the response’s: fragments add no level, and one more field does', async () => {
    const fragments =
      'fragment E on FactorySessionEdge { node { ... on FactorySession { LEAF } } } query { factorySessions(first: 1) { edges { ...E } } }';
    const within = await send(url, json(fragments.replace('LEAF', 'id')));
    expect(within.body.errors).toBeUndefined();
    const deeper = await send(url, json(fragments.replace('LEAF', 'settings { autonomyLevel }')));
    expect(deeper.body.errors?.[0]?.extensions).toMatchObject({ limit: 'maxDepth', max: 4 });
  });

  it('root fields are the ones that run: a repeated field counts once, an alias once more', async () => {
    const repeated = await send(url, json('{ __typename __typename __typename __typename }'));
    expect(repeated.body).toEqual({ data: { __typename: 'Query' } });
    const aliased = await send(url, json('{ __typename a: __typename b: __typename c: __typename }'));
    expect(aliased.body.errors?.[0]?.extensions).toMatchObject({ limit: 'maxRootFields', max: 3, actual: 4 });
  });

  it('counts sessions through variables, nodes(ids) and fragments', async () => {
    const ids = Array.from({ length: 120 }, () => globalId('FactorySession', 'x'));
    const response = await send(
      url,
      json(
        'query($n: Int, $ids: [ID!]!) { ...F nodes(ids: $ids) { id } } fragment F on Query { sessions(first: $n) { totalCount } }',
        {
          n: 40,
          ids,
        },
      ),
    );
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ limit: 'maxNodes', actual: 160 });
  });

  it('refuses a document over maxDocumentBytes', async () => {
    const response = await send(url, json(`{ __typename ${' '.repeat(2_100)}}`));
    expect(response.status).toBe(413);
    expect(response.body.errors[0].extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'maxDocumentBytes',
      max: 2_000,
    });
  });

  it('refuses a document over maxDocumentBytes over WebSocket too', async () => {
    const operation = subscribeWs(url, `{ __typename ${' '.repeat(2_100)}}`, {});
    await operation.waitFor((payloads) => payloads.length > 0);
    await operation.close();
    expect(operation.payloads[0]?.errors?.[0]?.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'maxDocumentBytes',
      max: 2_000,
    });
    expect(operation.payloads[0]?.data).toBeUndefined();
  });

  it('the default limits let GraphiQL introspect and the README queries run', async () => {
    const defaults = await serve();
    const introspection = await send(
      defaults,
      json(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true })),
    );
    expect(introspection.body.errors).toBeUndefined();
    const feed = await send(
      defaults,
      json(
        '{ sessions(first: 100) { edges { node { id title } } } factorySessions(first: 100) { edges { cursor } } everrunsSessions(first: 100) { totalCount } }',
      ),
    );
    expect(feed.body.errors).toBeUndefined();
  });
});

describe('malformed requests', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve({ limits: { ...DEFAULT_LIMITS, maxBodyBytes: 5_000 } });
  });

  it('an oversized body is 413 REQUEST_TOO_LARGE', async () => {
    const response = await send(url, json(`{ __typename }`, { padding: 'x'.repeat(6_000) }));
    expect(response.status).toBe(413);
    expect(response.body.errors[0]).toEqual({
      message: expect.stringContaining('exceeds the limit of 5000 (maxBodyBytes)'),
      extensions: { code: 'REQUEST_TOO_LARGE', limit: 'maxBodyBytes', max: 5_000 },
    });
  });

  it('a chunked body (no Content-Length) is counted as it arrives: over the limit is 413, under it is served', async () => {
    const chunked = (text: string, type = 'application/json'): RequestInit & { duplex: 'half' } => ({
      method: 'POST',
      headers: { 'content-type': type, 'x-graphql-yoga-csrf': '1' },
      body: new ReadableStream({
        start(controller) {
          const bytes = new TextEncoder().encode(text);
          for (let at = 0; at < bytes.length; at += 1_000) controller.enqueue(bytes.slice(at, at + 1_000));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    const big = await send(
      url,
      chunked(JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(6_000) } })),
    );
    expect(big.status).toBe(413);
    expect(big.body.errors[0]).toEqual({
      message: expect.stringContaining('exceeds the limit of 5000 (maxBodyBytes)'),
      extensions: { code: 'REQUEST_TOO_LARGE', limit: 'maxBodyBytes', max: 5_000 },
    });
    const small = await send(
      url,
      chunked(JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(3_000) } })),
    );
    expect(small.status).toBe(200);
    expect(small.body).toEqual({ data: { __typename: 'Query' } });
    // A multipart parser wraps the stream's error in its own: still 413.
    const operations = JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(8_000) } });
    const multipart = await send(
      url,
      chunked(
        `--B\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n--B--\r\n`,
        'multipart/form-data; boundary=B',
      ),
    );
    expect(multipart.status).toBe(413);
    expect(multipart.body.errors[0].extensions).toEqual({
      code: 'REQUEST_TOO_LARGE',
      limit: 'maxBodyBytes',
      max: 5_000,
    });
  });

  it('malformed JSON is 400 BAD_REQUEST', async () => {
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('Content-Type text/plain (a "simple" cross-site type) is refused with advice', async () => {
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ __typename }"}',
    });
    expect(response.status).toBe(403);
    expect(response.body.errors[0].message).toContain('application/json');
  });

  it.each([
    'application/xml',
    'image/png',
  ])('Content-Type %s is 415 UNSUPPORTED_MEDIA_TYPE with advice', async (type) => {
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': type },
      body: '{"query":"{ __typename }"}',
    });
    expect(response.status).toBe(415);
    expect(response.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(response.body.errors[0].message).toContain('application/json');
  });

  it('a form post (a cross-site "simple" request) is refused by CSRF prevention', async () => {
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B__typename%7D',
    });
    expect(response.status).toBe(403);
    expect(response.body.errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
  });

  it('GET needs the CSRF header (or a key header); with it, GET queries work', async () => {
    const get = `${url}?query=${encodeURIComponent('{ __typename }')}`;
    expect((await send(get, { headers: { accept: 'application/json' } })).status).toBe(403);
    const ok = await send(get, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(ok.body).toEqual({ data: { __typename: 'Query' } });
    const withKey = await send(get, {
      headers: { accept: 'application/json', 'x-factory-api-key': 'fk-demo-acme-2f9c4e' },
    });
    expect(withKey.status).toBe(200);
  });

  it('a mutation over GET is refused', async () => {
    const get = `${url}?query=${encodeURIComponent('mutation { deleteEverrunsSession(input: { id: "x" }) { __typename } }')}`;
    const response = await send(get, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(405);
  });
});

describe('production switches', () => {
  it('introspection and GraphiQL can be switched off', async () => {
    const url = await serve({ introspection: false, graphiql: false, production: true });
    const introspection = await send(url, json('{ __schema { types { name } } }'));
    expect(introspection.body.errors[0].message).toContain('introspection');
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('<html');
    expect((await fetch(url.replace('/graphql', '/graphiql-assets/graphiql.css'))).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/emulator/index.js';
import { allSources, registerSource } from '../src/sources/registry.js';
import { ORBIT_BUGGY_ID, ORBIT_SESSIONS, orbitSource, startOrbit } from './fixtures/orbit/module.js';

// A third source joins through the registry alone, before the schema is built (so everything
// that builds it is imported after): no core file changes.
registerSource(orbitSource);
await import('./fixtures/orbit/schema.js');
const { globalId } = await import('../src/schema/node.js');
const { printSchema } = await import('graphql');
const { schema } = await import('../src/schema/index.js');
const { createGateway } = await import('../src/yoga.js');
const { listen } = await import('../src/server.js');
const { closeServer, testConfig } = await import('./harness.js');

const ORBIT_KEY = 'orbit-test-key';
let emulator: Emulator;
let orbit: Awaited<ReturnType<typeof startOrbit>>;
let gateway: ReturnType<typeof createGateway>;
let served: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  emulator = await startEmulator();
  orbit = await startOrbit(ORBIT_KEY);
  const base = testConfig(emulator);
  gateway = createGateway({ ...base, sources: { ...base.sources, ORBIT: { baseUrl: orbit.url, apiKey: ORBIT_KEY } } });
  served = await listen(gateway, 0, '127.0.0.1');
});

afterAll(async () => {
  await closeServer(served.server);
  await gateway.close();
  await closeServer(orbit.server);
  await emulator.close();
});

async function query(text: string, variables?: Record<string, unknown>) {
  const response = await fetch(served.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] };
}

const orbitId = (index: number) => globalId('OrbitSession', ORBIT_SESSIONS[index]?.id ?? '');

describe('a third source registered from outside src/', () => {
  it('is in the schema: its type, and a SessionSource value', () => {
    const printed = printSchema(schema);
    expect(printed).toContain('type OrbitSession implements Node & Session');
    expect(printed).toMatch(/enum SessionSource \{[^}]*ORBIT/);
    expect(allSources().map((source) => source.name)).toEqual(['FACTORY', 'EVERRUNS', 'ORBIT']);
  });

  it('node and nodes load its sessions through the loader: one call per distinct id', async () => {
    orbit.counts.clear();
    const result = await query(
      `query ($id: ID!, $ids: [ID!]!) {
        node(id: $id) { __typename ... on Session { sourceId state upstreamStatus title } ... on OrbitSession { crew } }
        nodes(ids: $ids) { __typename id }
      }`,
      { id: orbitId(1), ids: [orbitId(1), orbitId(3), globalId('OrbitSession', 'orb-999')] },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      node: {
        __typename: 'OrbitSession',
        sourceId: 'orb-101',
        state: 'IDLE',
        upstreamStatus: 'docked',
        title: 'Mission 1',
        crew: 'crew 1',
      },
      nodes: [{ __typename: 'OrbitSession', id: orbitId(1) }, { __typename: 'OrbitSession', id: orbitId(3) }, null],
    });
    expect(orbit.counts.get('GET /sessions/:id')).toBe(3);
  });

  it('without a conversation capability, its sessions answer messages: null and refuse sendMessage', async () => {
    orbit.counts.clear();
    const read = await query(
      'query ($id: ID!) { node(id: $id) { ... on Session { messages(first: 2) { edges { cursor } } } } }',
      {
        id: orbitId(1),
      },
    );
    expect(read).toEqual({ data: { node: { messages: null } } });
    const send = await query(
      'mutation ($id: ID!) { sendMessage(input: { sessionId: $id, text: "hi" }) { __typename ... on ValidationError { fieldErrors { path message } } } }',
      { id: orbitId(1) },
    );
    expect(send.data).toEqual({
      sendMessage: {
        __typename: 'ValidationError',
        fieldErrors: [
          {
            path: ['input', 'sessionId'],
            message: 'must be the `id` of a FactorySession or EverrunsSession (a global id, as queries return it)',
          },
        ],
      },
    });
    expect(orbit.counts.get('GET /sessions/:id')).toBe(1);
  });

  it('a malformed id of its type is refused with its own id shape, before any call', async () => {
    orbit.counts.clear();
    const result = await query('query ($id: ID!) { node(id: $id) { id } }', { id: globalId('OrbitSession', 'x y') });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result.errors)).toContain('`orb-` followed by digits');
    expect(orbit.counts.size).toBe(0);
  });

  it("a bug in its module reaches the client as Yoga's masked error, without details", async () => {
    const response = await fetch(served.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query ($id: ID!) { node(id: $id) { id } }',
        variables: { id: globalId('OrbitSession', ORBIT_BUGGY_ID) },
      }),
    });
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.data).toEqual({ node: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({
      message: 'Unexpected error.',
      path: ['node'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(text).not.toContain(ORBIT_KEY);
    expect(text).not.toMatch(/TypeError|orbit module bug/);
  });

  it('joins the merged feed in creation order, and pages alone with a sources filter', async () => {
    const top = await query('{ sessions(first: 9) { edges { node { __typename sourceId state } } } }');
    const nodes = (
      top.data?.sessions as { edges: { node: { __typename: string; sourceId: string; state: string } }[] }
    ).edges.map((edge) => edge.node);
    // Orbit's sessions are newer than every emulated one: they lead the feed, unknown words as UNKNOWN.
    expect(nodes.slice(0, 7)).toEqual(
      ORBIT_SESSIONS.map((session) => ({
        __typename: 'OrbitSession',
        sourceId: session.id,
        state: session.status === 'working' ? 'RUNNING' : session.status === 'docked' ? 'IDLE' : 'UNKNOWN',
      })),
    );
    expect(nodes.slice(7).every((node) => node.__typename !== 'OrbitSession')).toBe(true);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result = await query(
        'query ($after: String) { sessions(first: 3, after: $after, filter: { sources: [ORBIT] }) { edges { node { sourceId } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      const connection = result.data?.sessions as {
        edges: { node: { sourceId: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      seen.push(...connection.edges.map((edge) => edge.node.sourceId));
      expect(connection.pageInfo.hasNextPage).toBe(seen.length < ORBIT_SESSIONS.length);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(ORBIT_SESSIONS.map((session) => session.id));
  });
});

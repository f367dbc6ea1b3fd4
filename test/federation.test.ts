import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { testConfig } from './harness.js';

/** A second subgraph, as another team would write it: notes on any session, by its id. */
const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@interfaceObject"])
  type Session @key(fields: "id") @interfaceObject {
    id: ID!
    reviewNotes: [String!]!
  }
`;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`)),
  );
}

let emulator: Emulator;
let sessions: Gateway;
let sessionsServer: Server;
let sessionsUrl: string;
let reviews: ApolloServer;
let router: ApolloServer;
let routerUrl: string;
const notes = new Map<string, string[]>();

async function post(url: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

beforeAll(async () => {
  emulator = await startEmulator();
  sessions = createGateway({ ...testConfig(emulator), subgraph: true });
  sessionsServer = createServer(sessions.yoga);
  sessionsUrl = await listen(sessionsServer);

  reviews = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(REVIEWS_SDL),
      resolvers: {
        Session: {
          __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
          reviewNotes: (session: { id: string }) => notes.get(session.id) ?? [],
        },
      },
    }),
  });
  const { url: reviewsUrl } = await startStandaloneServer(reviews, { listen: { port: 0, host: '127.0.0.1' } });

  const sdl = (await post(sessionsUrl, '{ _service { sdl } }')).data._service.sdl;
  const composed = composeServices([
    { name: 'sessions', url: sessionsUrl, typeDefs: parse(sdl) },
    { name: 'reviews', url: reviewsUrl, typeDefs: parse(REVIEWS_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  router = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
  ({ url: routerUrl } = await startStandaloneServer(router, { listen: { port: 0, host: '127.0.0.1' } }));
});

afterAll(async () => {
  await router?.stop();
  await reviews?.stop();
  await new Promise((resolve) => sessionsServer?.close(resolve));
  await sessions?.close();
  await emulator?.close();
});

describe('sessiongraph as an Apollo Federation v2 subgraph', () => {
  it('publishes its SDL with entity keys and a shareable PageInfo', async () => {
    const sdl: string = (await post(sessionsUrl, '{ _service { sdl } }')).data._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6"');
    expect(sdl).toMatch(/interface Session implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type FactorySession implements Node & Session\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
  });

  it('resolves N representations of one session with one upstream GET', async () => {
    const id = globalId('EverrunsSession', emulator.tenants.get('acme')?.everrunsSessions[3]?.json.id ?? '');
    emulator.switchboard.reset();
    const representations = [
      ...Array.from({ length: 5 }, () => ({ __typename: 'EverrunsSession', id })),
      { __typename: 'Session', id },
      { __typename: 'EverrunsSession', id: globalId('EverrunsSession', `session_${'0'.repeat(32)}`) },
    ];
    const body = await post(
      sessionsUrl,
      'query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Session { id title } } }',
      { r: representations },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toHaveLength(7);
    expect(body.data._entities.slice(0, 6).every((e: { id: string }) => e.id === id)).toBe(true);
    expect(body.data._entities[6]).toBeNull();
    expect(emulator.switchboard.count('GET /v1/sessions/:id')).toBe(2);
  });

  it('composes with another subgraph, and a real federation gateway answers a query across both', async () => {
    const acme = emulator.tenants.get('acme');
    const factoryId = globalId('FactorySession', acme?.factorySessions[0]?.sessionId ?? '');
    const everrunsId = globalId('EverrunsSession', acme?.everrunsSessions[0]?.json.id ?? '');
    notes.set(factoryId, ['ship it']);
    notes.set(everrunsId, ['needs tests', 'flaky']);
    const body = await post(
      routerUrl,
      `{
        factorySessions(first: 1) { edges { node { id title reviewNotes } } }
        everrunsSessions(first: 1) { totalCount edges { node { id reviewNotes } } }
        sessions(first: 2) { edges { node { __typename id reviewNotes } } }
      }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.factorySessions.edges).toEqual([
      { node: { id: factoryId, title: acme?.factorySessions[0]?.title ?? null, reviewNotes: ['ship it'] } },
    ]);
    expect(body.data.everrunsSessions).toEqual({
      totalCount: 230,
      edges: [{ node: { id: everrunsId, reviewNotes: ['needs tests', 'flaky'] } }],
    });
    // The merged feed's first two: the newest of both sources (Factory first on a tie).
    const newest = [
      ...(acme?.factorySessions.slice(0, 2) ?? []).map((s) => ({
        __typename: 'FactorySession',
        id: globalId('FactorySession', s.sessionId),
        micros: s.createdAt * 1000,
      })),
      ...(acme?.everrunsSessions.slice(0, 2) ?? []).map((s) => ({
        __typename: 'EverrunsSession',
        id: globalId('EverrunsSession', s.json.id),
        micros: s.micros,
      })),
    ]
      .sort((a, b) => b.micros - a.micros)
      .slice(0, 2);
    // Both carry notes, so the merged feed's entities are joined with the other subgraph.
    expect(newest.map((node) => node.id).sort()).toEqual([factoryId, everrunsId].sort());
    expect(body.data.sessions.edges).toEqual(
      newest.map(({ __typename, id }) => ({ node: { __typename, id, reviewNotes: notes.get(id) } })),
    );
  });
});

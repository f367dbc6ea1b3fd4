import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuditResult, serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/emulator/index.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { testConfig } from './harness.js';

let emulator: Emulator;
let gateway: Gateway;
let server: Server;
let url: string;

beforeAll(async () => {
  emulator = await startEmulator();
  gateway = createGateway(testConfig(emulator));
  server = createServer(gateway.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await gateway?.close();
  await emulator?.close();
});

/** SHOULDs the gateway does not meet, with the reason (also in the README). */
const KNOWN_SHOULD_GAPS: Record<string, string> = {};

describe('GraphQL over HTTP (graphql-http serverAudits, against the live server)', () => {
  it('passes every MUST, and every SHOULD except the documented ones', async () => {
    const results: (AuditResult & { name: string })[] = [];
    for (const audit of serverAudits({ url, fetchFn: fetch })) {
      results.push({ ...(await audit.fn()), name: audit.name });
    }
    const failed = (level: string) =>
      results
        .filter((r) => r.name.startsWith(level) && r.status !== 'ok')
        .map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(failed('MUST')).toEqual([]);
    const shouldGaps = results.filter((r) => r.name.startsWith('SHOULD') && r.status !== 'ok');
    expect(shouldGaps.map((r) => r.id).sort()).toEqual(Object.keys(KNOWN_SHOULD_GAPS).sort());
    expect(results.length).toBeGreaterThan(40);
  });
});

describe('operationName', () => {
  it('runs the operation it names in a document of several, whichever ran first', async () => {
    const document =
      'query Count { everrunsSessions(first: 1) { totalCount } } query Newest { factorySessions(first: 1) { edges { node { sourceId } } } }';
    const run = async (operationName: string) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: document, operationName }),
      });
      return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    };
    for (const operationName of ['Count', 'Newest', 'Count']) {
      const body = await run(operationName);
      expect(body.errors).toBeUndefined();
      expect(Object.keys(body.data ?? {})).toEqual([
        operationName === 'Count' ? 'everrunsSessions' : 'factorySessions',
      ]);
    }
  });
});

describe('request parameters of the wrong type', () => {
  it.each([
    ['{"query":1}'],
    ['{}'],
    ['{"query":true}'],
    ['{"query":["{ __typename }"]}'],
  ])('%s answers 400 BAD_REQUEST, not an internal error', async (body) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body,
    });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { errors: { extensions?: { code?: string } }[] };
    expect(answer.errors.map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
  });
});

describe('a GET whose variables or extensions are not JSON', () => {
  it.each([['variables'], ['extensions']])('%s={bad answers 400 BAD_REQUEST naming the parameter', async (name) => {
    const response = await fetch(
      `${url}?query=${encodeURIComponent('{ __typename }')}&${name}=${encodeURIComponent('{bad')}`,
      {
        headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' },
      },
    );
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { errors: { message: string; extensions?: { code?: string } }[] };
    expect(answer.errors.map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
    expect(answer.errors[0]?.message).toContain(`"${name}"`);
  });
});

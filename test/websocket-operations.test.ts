import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useHarness } from './harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const h = useHarness();

describe('WebSocket operations', () => {
  it('a long-lived socket lets go of each operation once it ends: thousands of queries leave nothing on it', async () => {
    const client = createClient({
      url: h.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
    });
    const run = () =>
      new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe(
          { query: '{ factorySessions(first: 1) { edges { node { sourceId } } } }' },
          {
            next: (result) => {
              value = result;
            },
            error: reject,
            complete: () => resolve(value),
          },
        );
      });
    try {
      for (let n = 0; n < 200; n++) await run();
      // The emulator keeps a record of every request it served: cleared, so only the gateway is weighed.
      h.emulator.switchboard.reset();
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let n = 0; n < 8_000; n++) await run();
      const calls = h.emulator.switchboard.count('GET /api/v0/sessions');
      h.emulator.switchboard.reset();
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      expect(calls).toBe(8_000);
      // Each operation used to leave ~370 bytes on its socket until it closed: ~4.6 MB here against ~1.6.
      expect(grown).toBeLessThan(3_000_000);
    } finally {
      await client.dispose();
    }
  }, 60_000);

  it('each operation is counted and logged as over HTTP, with status 101 and its errors’ codes', async () => {
    const client = createClient({
      url: h.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
    });
    const run = (query: string) =>
      new Promise<void>((resolve) => {
        client.subscribe({ query }, { next: () => undefined, error: () => resolve(), complete: () => resolve() });
      });
    try {
      await run('query WsFeed { factorySessions(first: 1) { edges { node { sourceId } } } }');
      await run('query WsBroken { noSuchField }');
      await run(
        'query WsTooMany { sessions(first: 100) { edges { node { ... on Session { messages(first: 100) { totalCount: __typename } } } } } }',
      );
    } finally {
      await client.dispose();
    }
    const metrics = await (await fetch(h.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain('sessiongraph_requests_total{operation="WsFeed",status="101"} 1');
    expect(metrics).toContain('sessiongraph_requests_total{operation="WsBroken",status="101"} 1');
    expect(metrics).toContain('sessiongraph_requests_total{operation="WsTooMany",status="101"} 1');
    expect(metrics).toMatch(/sessiongraph_request_errors_total\{code="GRAPHQL_VALIDATION_FAILED"\} 1/);
    expect(metrics).toMatch(/sessiongraph_request_errors_total\{code="LIMIT_EXCEEDED"\} 1/);
  });
});

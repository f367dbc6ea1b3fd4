import { type IncomingMessage, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { until, useHarness } from './harness.js';
import { eventsOf, subscribeSse, subscribeWs, useOpenSubscriptions } from './live-client.js';

const h = useHarness({
  gateway: () => ({
    live: {
      maxSubscriptions: 6,
      maxPerConnection: 3,
      bufferSize: 500,
      maxUnsentBytes: 1_000_000,
      lingerMs: 500,
      readTimeoutMs: 45_000,
    },
  }),
});

const EVENTS = `subscription($id: ID!) {
  sessionEvents(sessionId: $id) { __typename cursor ... on MessageDeltaEvent { delta } }
}`;

const RESUME = `subscription($id: ID!, $after: String) {
  sessionEvents(sessionId: $id, after: $after) { __typename cursor ... on MessageDeltaEvent { delta } }
}`;

const open = useOpenSubscriptions(h);

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

let next = 1;
function idleEverruns(): string {
  const idle = acme().everrunsSessions.filter((s) => s.json.status === 'idle');
  next += 5;
  const session = idle[next % idle.length];
  if (!session) throw new Error('no idle Everruns session');
  return session.json.id;
}

/** An SSE subscription whose client does not read its response until `resume`. */
function stalledSse(url: string, id: string): { close: () => void; resume: () => Promise<string> } {
  let response: IncomingMessage | undefined;
  const target = new URL(url);
  const body = JSON.stringify({ query: EVENTS, variables: { id } });
  const req = request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'content-length': Buffer.byteLength(body),
      },
    },
    (res) => {
      response = res;
      res.pause();
    },
  );
  req.end(body);
  return {
    close: () => req.destroy(),
    // The end of what it was sent, once the response completes.
    resume: () =>
      new Promise((resolve, reject) => {
        if (!response) return reject(new Error('no response yet'));
        let tail = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          tail = (tail + chunk).slice(-4_000);
        });
        response.on('end', () => resolve(tail));
        response.on('error', reject);
        response.resume();
      }),
  };
}

describe('sessionEvents limits', () => {
  it('a subscriber that reads nothing while 10,000 deltas arrive ends SUBSCRIBER_TOO_SLOW; the others get every one', async () => {
    const id = idleEverruns();
    const stalled = stalledSse(h.url, globalId('EverrunsSession', id));
    const reader = await subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', id) });
    open.push(reader);
    try {
      await until(() => h.gateway.live.subscriptions === 2 && h.emulator.openSseStreams(id) === 1);
      const text = 'x'.repeat(1_000);
      const heapBefore = process.memoryUsage().heapUsed;
      for (let n = 0; n < 10_000; n++) {
        h.emulator.events.append(id, {
          type: 'output.message.delta',
          data: { turn_id: 'turn_1', delta: text, accumulated: null },
        });
      }
      await reader.waitFor((payloads) => payloads.length >= 10_000, 30_000);
      expect(eventsOf(reader.payloads)).toHaveLength(10_000);
      await until(() => h.gateway.live.subscriptions === 1);
      const metrics = await (await fetch(h.url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/sessiongraph_subscribers_too_slow_total\{source="EVERRUNS"\} 1/);
      // The stalled subscriber's backlog was let go, not kept: well under the 10+ MB it would be.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150_000_000);
      // When it reads again, it finds the coded error, then the end of the subscription.
      const tail = await stalled.resume();
      expect(tail).toContain('"code":"SUBSCRIBER_TOO_SLOW"');
      expect(tail).toMatch(/event: complete\n/);
    } finally {
      stalled.close();
    }
  }, 60_000);

  it('a resume with more history than the buffer replays all of it: only live events count against it', async () => {
    const id = idleEverruns();
    const live = await subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', id) });
    open.push(live);
    await until(() => h.emulator.openSseStreams(id) === 1);
    const delta = (n: number) => ({
      type: 'output.message.delta',
      data: { turn_id: 'turn_1', delta: `d${n}`, accumulated: null },
    });
    h.emulator.events.append(id, delta(0));
    await live.waitFor((payloads) => payloads.length >= 1);
    const cursor = eventsOf(live.payloads)[0]?.cursor;
    for (let n = 1; n <= 1_200; n++) h.emulator.events.append(id, delta(n));
    await live.waitFor((payloads) => payloads.length >= 1_201, 30_000);
    const resumed = await subscribeSse(h.url, RESUME, { id: globalId('EverrunsSession', id), after: cursor });
    open.push(resumed);
    await resumed.waitFor((payloads) => payloads.length >= 1_200 || payloads.some((payload) => payload.errors), 30_000);
    expect(resumed.payloads.flatMap((payload) => payload.errors ?? [])).toEqual([]);
    expect(eventsOf(resumed.payloads).map((event) => event.delta)).toEqual(
      Array.from({ length: 1_200 }, (_, n) => `d${n + 1}`),
    );
  }, 60_000);

  it('MAX_SUBSCRIPTIONS_PER_CONNECTION and MAX_SUBSCRIPTIONS refuse with TOO_MANY_SUBSCRIPTIONS', async () => {
    const id = globalId('EverrunsSession', idleEverruns());
    const ws = [0, 1, 2, 3].map(() => subscribeWs(h.url, EVENTS, { id }));
    // One graphql-ws client per subscription: each its own connection; then four on one connection.
    open.push(...ws);
    await until(() => h.gateway.live.subscriptions === 4);
    const { createClient } = await import('graphql-ws');
    const { default: WebSocket } = await import('ws');
    const client = createClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const results: unknown[] = [];
    const unsubscribes = [0, 1, 2].map(() =>
      client.subscribe(
        { query: EVENTS, variables: { id } },
        { next: (value) => results.push(value), error: (error) => results.push(error), complete: () => undefined },
      ),
    );
    await until(() => results.length >= 1);
    expect(JSON.stringify(results[0])).toContain('TOO_MANY_SUBSCRIPTIONS');
    expect(JSON.stringify(results[0])).toContain('MAX_SUBSCRIPTIONS');
    expect(h.gateway.live.subscriptions).toBe(6);
    for (const unsubscribe of unsubscribes) unsubscribe();
    await client.dispose();
  });

  it('closing the gateway (SIGTERM) completes open subscriptions', async () => {
    const id = globalId('EverrunsSession', idleEverruns());
    const sse = await subscribeSse(h.url, EVENTS, { id });
    const ws = subscribeWs(h.url, EVENTS, { id });
    open.push(sse, ws);
    await until(() => h.gateway.live.subscriptions === 2);
    h.gateway.live.close();
    await until(() => sse.completed && ws.completed);
    expect(sse.payloads).toEqual([]);
    expect(ws.payloads).toEqual([]);
  });
});

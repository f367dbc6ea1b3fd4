import { describe, expect, it } from 'vitest';
import { DEFAULT_LIVE } from '../src/config.js';
import { CursorCodec, DEFAULT_CURSOR_SECRET, scopeDigest } from '../src/cursor.js';
import { DEMO_KEYS, type Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { createGateway } from '../src/yoga.js';
import { serveOverSocket, testConfig, until, useHarness } from './harness.js';
import { eventsOf, type Subscription, subscribeSse, subscribeWs, useOpenSubscriptions } from './live-client.js';

// A short retry hint, so a cycle resumes quickly; turns stay out of the way (these tests append events).
const h = useHarness({ emulator: { sseRetryMs: 20 } });

const EVENTS = `subscription($id: ID!, $after: String) {
  sessionEvents(sessionId: $id, after: $after) { __typename cursor upstreamType ... on OtherEvent { data } }
}`;

const open = useOpenSubscriptions(h);

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

let next = 0;
function idleEverruns(): string {
  const idle = acme().everrunsSessions.filter((s) => s.json.status === 'idle');
  next += 3;
  const session = idle[next % idle.length];
  if (!session) throw new Error('no idle Everruns session');
  return session.json.id;
}

/** Appends numbered events of a type the gateway serves as OtherEvent. */
function append(id: string, from: number, count: number): void {
  for (let n = from; n < from + count; n++) h.emulator.events.append(id, { type: 'reason.started', data: { n } });
}

const numbers = (subscription: Subscription) =>
  eventsOf(subscription.payloads).map((event) => {
    const data = event.data;
    return typeof data === 'object' && data !== null && 'n' in data ? data.n : null;
  });

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);

describe('sessionEvents resumes', () => {
  it('across a planned cycle and a dropped stream: no gap, no duplicate; `after` replays exactly the rest', async () => {
    const id = idleEverruns();
    const lastStored = h.emulator.events.eventsAfter(id, {}).at(-1)?.id;
    const subscription = await subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', id) });
    open.push(subscription);
    await until(() => h.emulator.openSseStreams(id) === 1);
    append(id, 0, 5);
    await subscription.waitFor((payloads) => payloads.length === 5);
    expect(h.emulator.cycleSseStreams(id)).toBe(1);
    append(id, 5, 5); // while the stream reconnects
    await until(() => h.emulator.openSseStreams(id) === 1);
    append(id, 10, 5);
    expect(h.emulator.dropSseStreams(id)).toBe(1);
    append(id, 15, 5); // while it is down
    await until(() => h.emulator.openSseStreams(id) === 1);
    append(id, 20, 5);
    await subscription.waitFor((payloads) => payloads.length >= 25);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(numbers(subscription)).toEqual(range(0, 25));
    const sinceIds = h.emulator.switchboard.requests
      .filter((request) => request.route === 'GET /v1/sessions/:id/sse')
      .map((request) => request.query.since_id ?? null);
    expect(sinceIds).toHaveLength(3);
    // The stream starts after the last event stored before the subscription: no history, no gap.
    expect(sinceIds[0]).toBe(lastStored);

    const cursor = eventsOf(subscription.payloads)[11]?.cursor;
    const resumed = subscribeWs(h.url, EVENTS, { id: globalId('EverrunsSession', id), after: cursor });
    open.push(resumed);
    await resumed.waitFor((payloads) => payloads.length >= 13);
    append(id, 25, 2);
    await resumed.waitFor((payloads) => payloads.length >= 15);
    await subscription.waitFor((payloads) => payloads.length >= 27);
    expect(numbers(resumed)).toEqual(range(12, 27));
    expect(numbers(subscription)).toEqual(range(0, 27));
  });

  it('a cycle before any new stored event: the events stored while it reconnects arrive', async () => {
    const id = idleEverruns();
    const subscription = await subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', id) });
    open.push(subscription);
    await until(() => h.emulator.openSseStreams(id) === 1);
    expect(h.emulator.cycleSseStreams(id)).toBe(1);
    append(id, 0, 3); // while the stream reconnects: nothing stored was delivered yet
    await until(() => h.emulator.openSseStreams(id) === 1);
    append(id, 3, 2);
    await subscription.waitFor((payloads) => payloads.length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(numbers(subscription)).toEqual(range(0, 5));
  });

  it('an earlier version’s cursor taken before any stored event (`~n`) replays every stored event', async () => {
    const id = idleEverruns();
    append(id, 0, 3);
    const legacy = new CursorCodec(DEFAULT_CURSOR_SECRET).encode('sessionEvents', [
      scopeDigest(['EVERRUNS', id]),
      '~2',
    ]);
    const resumed = await subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', id), after: legacy });
    open.push(resumed);
    await resumed.waitFor(() => numbers(resumed).includes(2));
    const stored = h.emulator.events.eventsAfter(id, {}).length;
    expect(eventsOf(resumed.payloads)).toHaveLength(stored);
    expect(numbers(resumed).slice(-3)).toEqual([0, 1, 2]);
  });

  it('three 503s on reconnect: backoff, then recovery with no lost event', async () => {
    const id = idleEverruns();
    const subscription = await subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', id) });
    open.push(subscription);
    await until(() => h.emulator.openSseStreams(id) === 1);
    append(id, 0, 3);
    await subscription.waitFor((payloads) => payloads.length === 3);
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions/:id/sse', status: 503, times: 3 });
    h.emulator.dropSseStreams(id);
    append(id, 3, 4);
    await until(() => h.emulator.openSseStreams(id) === 1, 10_000);
    append(id, 7, 3);
    await subscription.waitFor((payloads) => payloads.length >= 10);
    expect(numbers(subscription)).toEqual(range(0, 10));
    const attempts = h.emulator.switchboard.requests.filter((r) => r.route === 'GET /v1/sessions/:id/sse');
    expect(attempts).toHaveLength(5);
    // Backoff: the retries were spread out, not made at once.
    const first = attempts[1]?.at ?? 0;
    const last = attempts[4]?.at ?? 0;
    expect(last - first).toBeGreaterThan(100);
    const metrics = await (await fetch(h.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/sessiongraph_live_reconnects_total\{source="EVERRUNS",planned="false"\} [1-9]/);
  });
});

describe('sessionEvents when the upstream stream goes silent', () => {
  it('a stream with no heartbeat for the read timeout is resumed with since_id, losing nothing', async () => {
    const gateway = createGateway(testConfig(h.emulator, { live: { ...DEFAULT_LIVE, readTimeoutMs: 300 } }));
    const served = await serveOverSocket(gateway);
    try {
      const id = idleEverruns();
      const subscription = await subscribeSse(served.url, EVENTS, { id: globalId('EverrunsSession', id) });
      open.push(subscription);
      await until(() => h.emulator.openSseStreams(id) === 1);
      append(id, 0, 2);
      await subscription.waitFor((payloads) => payloads.length === 2);
      // The emulator of this file sends heartbeats every 15 s: 300 ms of silence is a dead stream.
      await until(
        () => h.emulator.switchboard.requests.filter((r) => r.route === 'GET /v1/sessions/:id/sse').length >= 2,
        5_000,
      );
      append(id, 2, 2);
      await subscription.waitFor((payloads) => payloads.length === 4);
      expect(numbers(subscription)).toEqual(range(0, 4));
      const resumed = h.emulator.switchboard.requests.filter((r) => r.route === 'GET /v1/sessions/:id/sse')[1];
      expect(resumed?.query.since_id).toMatch(/^event_/);
    } finally {
      await served.close();
      await gateway.close();
    }
  });
});

describe('sessionEvents sharing', () => {
  it('20 subscribers of one session with one key share one upstream stream; it closes within 5 s of the last', async () => {
    const id = idleEverruns();
    const subscriptions = await Promise.all(
      range(0, 20).map((n) =>
        n % 2 === 0
          ? subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', id) })
          : Promise.resolve(subscribeWs(h.url, EVENTS, { id: globalId('EverrunsSession', id) })),
      ),
    );
    open.push(...subscriptions);
    await until(() => h.gateway.live.subscriptions === 20);
    await until(() => h.emulator.openSseStreams(id) === 1);
    append(id, 0, 3);
    for (const subscription of subscriptions) await subscription.waitFor((payloads) => payloads.length === 3);
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id/sse')).toBe(1);
    const metrics = await (await fetch(h.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain('sessiongraph_subscriptions_open{source="EVERRUNS"} 20');
    expect(metrics).toContain('sessiongraph_live_upstreams_open{source="EVERRUNS",kind="stream"} 1');
    expect(metrics).toMatch(/sessiongraph_live_events_delivered_total\{source="EVERRUNS"\} 60/);
    await Promise.all(open.splice(0).map((subscription) => subscription.close()));
    const left = Date.now();
    await until(() => h.emulator.openSseStreams(id) === 0, 5_000);
    expect(Date.now() - left).toBeLessThan(5_000);
    expect(h.gateway.live.subscriptions).toBe(0);
  });

  it('two keys: two streams; the other tenant: NOT_FOUND and no events', async () => {
    const id = idleEverruns();
    const variables = { id: globalId('EverrunsSession', id) };
    const first = await subscribeSse(h.url, EVENTS, variables);
    const second = await subscribeSse(h.url, EVENTS, variables, { 'x-everruns-api-key': DEMO_KEYS.acmeSecondEverruns });
    const stranger = subscribeWs(h.url, EVENTS, variables, { 'x-everruns-api-key': DEMO_KEYS.globex.everruns });
    open.push(first, second, stranger);
    await until(() => h.emulator.openSseStreams(id) === 2);
    await stranger.waitFor((payloads) => payloads.length > 0);
    expect(stranger.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    append(id, 0, 2);
    await first.waitFor((payloads) => payloads.length === 2);
    await second.waitFor((payloads) => payloads.length === 2);
    expect(eventsOf(stranger.payloads)).toEqual([]);
  });
});

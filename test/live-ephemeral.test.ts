import { describe, expect, it } from 'vitest';
import type { Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { dataOf, until, useHarness } from './harness.js';
import { eventsOf, subscribeSse, useOpenSubscriptions } from './live-client.js';

// Newer Everruns servers: deltas are live only (no `id:`), never replayed.
const h = useHarness({ emulator: { ephemeralDeltas: true, turnMs: 200 } });

const EVENTS = `subscription($id: ID!, $after: String) {
  sessionEvents(sessionId: $id, after: $after) { __typename cursor upstreamType ... on MessageDeltaEvent { delta } }
}`;
const SEND = `mutation($sessionId: ID!, $text: String!) {
  sendMessage(input: { sessionId: $sessionId, text: $text }) { __typename }
}`;

const open = useOpenSubscriptions(h);

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

describe('sessionEvents with ephemeral deltas', () => {
  it('deltas arrive live with cursors of their own; `after` a delta resumes at the next stored event', async () => {
    const id = acme().everrunsSessions.filter((s) => s.json.status === 'idle')[7]?.json.id ?? '';
    const sessionId = globalId('EverrunsSession', id);
    const live = await subscribeSse(h.url, EVENTS, { id: sessionId });
    open.push(live);
    await until(() => h.emulator.openSseStreams(id) === 1);
    const before = h.emulator.events.lastId(id);
    const sent = await h.query(SEND, { sessionId, text: 'Stream it.' });
    expect(dataOf<{ __typename: string }>(sent, 'sendMessage').__typename).toBe('SendMessagePayload');
    await live.waitFor((payloads) => eventsOf(payloads).some((event) => event.upstreamType === 'session.idled'));
    const events = eventsOf(live.payloads);
    const deltas = events.filter((event) => event.__typename === 'MessageDeltaEvent');
    expect(deltas.length).toBeGreaterThan(0);
    expect(new Set(events.map((event) => event.cursor)).size).toBe(events.length);
    // The stored events are exactly the upstream's log; deltas sit among them.
    const stored = h.emulator.events.eventsAfter(id, { sinceId: before }).map((event) => event.type);
    expect(
      events.filter((event) => event.__typename !== 'MessageDeltaEvent').map((event) => event.upstreamType),
    ).toEqual(stored);

    const lastDelta = events.lastIndexOf(deltas.at(-1) ?? {});
    const resumed = await subscribeSse(h.url, EVENTS, { id: sessionId, after: deltas.at(-1)?.cursor });
    open.push(resumed);
    const rest = events.slice(lastDelta + 1).map((event) => event.upstreamType);
    await resumed.waitFor((payloads) => payloads.length >= rest.length);
    expect(eventsOf(resumed.payloads).map((event) => event.upstreamType)).toEqual(rest);
  });

  it('`after` a delta that came before any new stored event resumes at the next stored event', async () => {
    const id = acme().everrunsSessions.filter((s) => s.json.status === 'idle')[9]?.json.id ?? '';
    const sessionId = globalId('EverrunsSession', id);
    const live = await subscribeSse(h.url, EVENTS, { id: sessionId });
    open.push(live);
    await until(() => h.emulator.openSseStreams(id) === 1);
    const delta = { type: 'output.message.delta', data: { turn_id: 'turn_x', delta: 'Hel' } };
    h.emulator.events.append(id, delta);
    await live.waitFor((payloads) => payloads.length === 1);
    h.emulator.events.append(id, { type: 'reason.started', data: { n: 1 } });
    h.emulator.events.append(id, { type: 'reason.started', data: { n: 2 } });
    await live.waitFor((payloads) => payloads.length === 3);
    const [first] = eventsOf(live.payloads);
    expect(first?.__typename).toBe('MessageDeltaEvent');

    const resumed = await subscribeSse(h.url, EVENTS, { id: sessionId, after: first?.cursor });
    open.push(resumed);
    await resumed.waitFor((payloads) => payloads.length >= 2);
    expect(eventsOf(resumed.payloads).map((event) => event.upstreamType)).toEqual(['reason.started', 'reason.started']);
  });

  it('`after` a delta of a stream that has since closed: the new stream’s deltas all arrive', async () => {
    const id = acme().everrunsSessions.filter((s) => s.json.status === 'idle')[11]?.json.id ?? '';
    const sessionId = globalId('EverrunsSession', id);
    const delta = (text: string) => ({ type: 'output.message.delta', data: { turn_id: 'turn_y', delta: text } });
    const first = await subscribeSse(h.url, EVENTS, { id: sessionId });
    await until(() => h.emulator.openSseStreams(id) === 1);
    for (const text of ['d1', 'd2', 'd3', 'd4', 'd5']) h.emulator.events.append(id, delta(text));
    await first.waitFor((payloads) => payloads.length === 5);
    const cursor = eventsOf(first.payloads).at(-1)?.cursor;
    await first.close();
    // The shared stream lingers, then closes: the next one numbers its deltas afresh.
    await until(() => h.emulator.openSseStreams(id) === 0, 10_000);

    const resumed = await subscribeSse(h.url, EVENTS, { id: sessionId, after: cursor });
    open.push(resumed);
    await until(() => h.emulator.openSseStreams(id) === 1);
    for (const text of ['d6', 'd7', 'd8']) h.emulator.events.append(id, delta(text));
    h.emulator.events.append(id, { type: 'reason.started', data: { n: 1 } });
    await resumed.waitFor((payloads) => payloads.length >= 4);
    expect(eventsOf(resumed.payloads).map((event) => event.delta ?? event.upstreamType)).toEqual([
      'd6',
      'd7',
      'd8',
      'reason.started',
    ]);
  }, 20_000);
});

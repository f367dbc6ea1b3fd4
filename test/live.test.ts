import { describe, expect, it } from 'vitest';
import { CursorCodec, DEFAULT_CURSOR_SECRET } from '../src/cursor.js';
import type { Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { dataOf, until, useHarness } from './harness.js';
import { eventsOf, type Subscription, subscribeSse, subscribeWs, useOpenSubscriptions } from './live-client.js';

const h = useHarness({ emulator: { turnMs: 200 } });

const EVENTS = `subscription($id: ID!, $after: String, $deltas: Boolean) {
  sessionEvents(sessionId: $id, after: $after, deltas: $deltas) {
    __typename cursor sessionId at upstreamType
    ... on MessageAddedEvent { message { id role text } }
    ... on MessageDeltaEvent { delta accumulated }
    ... on TurnEndedEvent { outcome usage { inputTokens outputTokens } }
    ... on SessionStateChangedEvent { state upstreamStatus }
    ... on ToolCallStartedEvent { name }
    ... on OtherEvent { data }
  }
}`;
const SEND = `mutation($sessionId: ID!, $text: String!) {
  sendMessage(input: { sessionId: $sessionId, text: $text }) { __typename }
}`;

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

const open = useOpenSubscriptions(h);

/** An idle Everruns session no other test of this file uses. */
let nextIdle = 0;
function idleEverruns(): string {
  const idle = acme().everrunsSessions.filter((s) => s.json.status === 'idle');
  const session = idle[nextIdle++ % idle.length];
  if (!session) throw new Error('no idle Everruns session');
  return session.json.id;
}

/** The position inside an event cursor (tests may read it: positions must only grow). */
function positionOf(cursor: unknown): string {
  const values = new CursorCodec(DEFAULT_CURSOR_SECRET).decode('sessionEvents', String(cursor));
  return Array.isArray(values) ? String(values[1]) : '';
}

const turnEnded = (payloads: Parameters<Parameters<Subscription['waitFor']>[0]>[0]) =>
  eventsOf(payloads).some((event) => event.upstreamType === 'session.idled');

describe.each([
  ['SSE', 'sse'],
  ['WebSocket', 'ws'],
] as const)('sessionEvents over %s', (_name, transport) => {
  const subscribe = (variables: Record<string, unknown>) =>
    transport === 'sse'
      ? subscribeSse(h.url, EVENTS, variables)
      : Promise.resolve(subscribeWs(h.url, EVENTS, variables));

  it('an Everruns turn: the upstream events in order, each once, cursors only growing', async () => {
    const id = idleEverruns();
    const subscription = await subscribe({ id: globalId('EverrunsSession', id) });
    open.push(subscription);
    await until(() => h.emulator.openSseStreams(id) === 1);
    const before = h.emulator.events.lastId(id);
    const sent = await h.query(SEND, { sessionId: globalId('EverrunsSession', id), text: 'Run the tests.' });
    expect(dataOf<{ __typename: string }>(sent, 'sendMessage').__typename).toBe('SendMessagePayload');
    await subscription.waitFor(turnEnded);
    const events = eventsOf(subscription.payloads);
    const upstream = h.emulator.events.eventsAfter(id, { sinceId: before });
    expect(events.map((event) => event.upstreamType)).toEqual(upstream.map((event) => event.type));
    expect(events.map((event) => event.__typename)).toContain('MessageDeltaEvent');
    expect(events[0]).toMatchObject({
      __typename: 'MessageAddedEvent',
      sessionId: globalId('EverrunsSession', id),
      message: { role: 'USER', text: 'Run the tests.' },
    });
    expect(events.at(-2)).toMatchObject({ __typename: 'TurnEndedEvent', outcome: 'COMPLETED' });
    expect(events.at(-1)).toMatchObject({
      __typename: 'SessionStateChangedEvent',
      state: 'IDLE',
      upstreamStatus: 'idle',
    });
    const positions = events.map((event) => positionOf(event.cursor));
    for (let index = 1; index < positions.length; index++) {
      expect((positions[index] ?? '') > (positions[index - 1] ?? '')).toBe(true);
    }
  });

  it('a Factory turn (polled): the sent and the agent’s messages, then the turn’s end, each once', async () => {
    const session = acme().factorySessions.filter((s) => s.status === 'idle')[transport === 'sse' ? 3 : 4];
    if (!session) throw new Error('no idle Factory session');
    const id = globalId('FactorySession', session.sessionId);
    const before = acme().conversations.factory(session.sessionId).length;
    const subscription = await subscribe({ id });
    open.push(subscription);
    // The poller's first poll (the snapshot) is done once it has listed the messages.
    await until(() => h.emulator.switchboard.count('GET /api/v0/sessions/:id/messages') >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h.query(SEND, { sessionId: id, text: 'Polled turn.' });
    await subscription.waitFor(
      (payloads) => eventsOf(payloads).some((event) => event.__typename === 'TurnEndedEvent'),
      15_000,
    );
    const events = eventsOf(subscription.payloads);
    const added = events.filter((event) => event.__typename === 'MessageAddedEvent');
    const expected = acme().conversations.factory(session.sessionId).slice(before);
    expect(added.map((event) => (event.message as { text: string }).text)).toEqual(
      expected.map((message) =>
        message.content
          .filter((part) => part.type === 'text')
          .map((part) => String(part.text))
          .join('\n'),
      ),
    );
    expect(events[0]?.__typename).toBe('TurnStartedEvent');
    expect(events.at(-1)?.__typename).toMatch(/TurnEndedEvent|SessionStateChangedEvent/);
    expect(new Set(events.map((event) => event.cursor)).size).toBe(events.length);
  }, 20_000);

  it('deltas: false leaves the deltas out upstream', async () => {
    const id = idleEverruns();
    const subscription = await subscribe({ id: globalId('EverrunsSession', id), deltas: false });
    open.push(subscription);
    await until(() => h.emulator.openSseStreams(id) === 1);
    const before = h.emulator.events.lastId(id);
    await h.query(SEND, { sessionId: globalId('EverrunsSession', id), text: 'Again.' });
    await subscription.waitFor(turnEnded);
    const upstream = h.emulator.events.eventsAfter(id, { sinceId: before, exclude: ['output.message.delta'] });
    expect(eventsOf(subscription.payloads).map((event) => event.upstreamType)).toEqual(upstream.map((e) => e.type));
    const sse = h.emulator.switchboard.requests.filter((r) => r.route === 'GET /v1/sessions/:id/sse');
    expect(sse.at(-1)?.query).toMatchObject({ exclude: 'output.message.delta' });
  });

  it('a session of another tenant, or none: NOT_FOUND at once, no stream opened', async () => {
    const other = h.emulator.tenants.get('globex')?.everrunsSessions[0]?.json.id ?? '';
    const subscription = await subscribe({ id: globalId('EverrunsSession', other) });
    open.push(subscription);
    await subscription.waitFor((payloads) => payloads.length > 0);
    expect(subscription.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    await until(() => subscription.completed);
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id/sse')).toBe(0);
  });
});

describe('sessionEvents limits', () => {
  it('a selection over MAX_NODES per event is refused with LIMIT_EXCEEDED before any upstream call', async () => {
    const id = h.emulator.tenants.get('acme')?.everrunsSessions[0]?.json.id ?? '';
    const pages = Array.from({ length: 12 }, (_, n) => `m${n}: messages(first: 100) { edges { node { text } } }`).join(
      ' ',
    );
    const subscription = await subscribeSse(
      h.url,
      `subscription($id: ID!) { sessionEvents(sessionId: $id) { cursor ... on MessageAddedEvent { message { session { ${pages} } } } } }`,
      { id: globalId('EverrunsSession', id) },
    );
    open.push(subscription);
    await subscription.waitFor((payloads) => payloads.length > 0);
    expect(subscription.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', actual: 1200 });
    await until(() => subscription.completed);
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id/sse')).toBe(0);
  });
});

describe('sessionEvents arguments', () => {
  it('a malformed id or cursor is BAD_USER_INPUT before any upstream call', async () => {
    const subscription = await subscribeSse(h.url, EVENTS, { id: 'nope' });
    open.push(subscription);
    await subscription.waitFor((payloads) => payloads.length > 0);
    expect(subscription.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    // An empty cursor is a malformed one, not "start live": a client that stored it would lose events.
    for (const after of ['abc', '']) {
      const bad = await subscribeSse(h.url, EVENTS, { id: globalId('EverrunsSession', idleEverruns()), after });
      open.push(bad);
      await bad.waitFor((payloads) => payloads.length > 0);
      expect(bad.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id')).toBe(0);
  });

  it('a missing or mistyped variable is BAD_USER_INPUT over either transport, as for a query', async () => {
    const sse = await subscribeSse(h.url, EVENTS, {});
    open.push(sse);
    await sse.waitFor((payloads) => payloads.length > 0);
    expect(sse.status).toBe(400);
    expect(sse.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const ws = subscribeWs(h.url, EVENTS, { id: globalId('EverrunsSession', idleEverruns()), deltas: 'yes' });
    open.push(ws);
    await ws.waitFor((payloads) => payloads.length > 0);
    expect(ws.payloads[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id')).toBe(0);
  });
});

describe('sessionEvents for several subscribers', () => {
  const DEFERRED = `subscription($id: ID!) {
    sessionEvents(sessionId: $id) {
      __typename cursor upstreamType
      ... on MessageAddedEvent @defer { message { text } }
    }
  }`;

  it('subscribers of one stream get the same events and cursors; @defer delivers its part after each event', async () => {
    const id = idleEverruns();
    const variables = { id: globalId('EverrunsSession', id) };
    const plain = await subscribeSse(h.url, EVENTS, variables);
    const twin = await subscribeSse(h.url, EVENTS, variables);
    const deferred = await subscribeSse(h.url, DEFERRED, variables);
    open.push(plain, twin, deferred);
    await until(() => h.emulator.openSseStreams(id) === 1);
    await h.query(SEND, { sessionId: variables.id, text: 'Deferred text.' });
    await Promise.all([plain.waitFor(turnEnded), twin.waitFor(turnEnded)]);
    const events = eventsOf(plain.payloads);
    expect(eventsOf(twin.payloads)).toEqual(events);
    await deferred.waitFor((payloads) => eventsOf(payloads).length === events.length);
    // Each event's initial payload holds the cursor; the deferred message follows in an increment.
    expect(eventsOf(deferred.payloads).map((event) => event.cursor)).toEqual(events.map((event) => event.cursor));
    const first = deferred.payloads.find((payload) => payload.data?.sessionEvents?.__typename === 'MessageAddedEvent');
    expect(first?.data?.sessionEvents).not.toHaveProperty('message');
    await deferred.waitFor((payloads) => JSON.stringify(payloads).includes('"incremental"'));
    const increments = deferred.payloads.flatMap((payload) => Reflect.get(payload, 'incremental') ?? []);
    expect(increments[0]).toMatchObject({ data: { message: { text: 'Deferred text.' } }, path: ['sessionEvents'] });
  });
});

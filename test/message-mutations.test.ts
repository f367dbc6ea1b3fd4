import { describe, expect, it } from 'vitest';
import { DEMO_KEYS, type Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { dataOf, useHarness } from './harness.js';

const h = useHarness({ gateway: () => ({ upstreamTimeoutMs: 500 }) });

const RESULT = `
  __typename
  ... on Error { message }
  ... on ValidationError { fieldErrors { path message } }
  ... on NotFoundError { id }
  ... on UpstreamError { source code upstreamStatus outcomeUnknown }
`;

const SEND = `mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { ${RESULT}
    ... on SendMessagePayload { sentMessage { id sourceId role upstreamRole text parts { __typename ... on TextPart { text } } } session { id state } }
  }
}`;
const INTERRUPT = `mutation($sessionId: ID!) {
  interruptSession(input: { sessionId: $sessionId }) { ${RESULT}
    ... on InterruptSessionPayload { outcome interruptStatus session { state upstreamStatus } }
  }
}`;
const LAST_USER_MESSAGE = `query($id: ID!) {
  node(id: $id) { ... on Session { state messages(last: 1, role: USER) { edges { node { sourceId text role } } } } }
}`;

type Result = Record<string, unknown> & { __typename: string };

const tenant = (name: 'acme' | 'globex'): Tenant => {
  const found = h.emulator.tenants.get(name);
  if (!found) throw new Error('no tenant');
  return found;
};
const acme = () => tenant('acme');
const count = (route: string) => h.emulator.switchboard.count(route);
const upstreamCalls = () =>
  ['GET ', 'POST ', 'PATCH ', 'DELETE '].reduce((sum, prefix) => sum + h.emulator.switchboard.countPrefix(prefix), 0);

const FACTORY_POST = 'POST /api/v0/sessions/:id/messages';
const EVERRUNS_POST = 'POST /v1/sessions/:id/messages';
const FACTORY_INTERRUPT = 'POST /api/v0/sessions/:id/interrupt';
const EVERRUNS_CANCEL = 'POST /v1/sessions/:id/cancel';

/**
 * Idle sessions of each source as seeded, each test taking its own by index: the list is taken
 * once, since sends and interrupts change statuses while the file runs.
 */
let seededIdle: { factory: string[]; everruns: string[] } | null = null;
function idle() {
  seededIdle ??= {
    factory: acme()
      .factorySessions.filter((s) => s.status === 'idle')
      .map((s) => s.sessionId),
    everruns: acme()
      .everrunsSessions.filter((s) => s.json.status === 'idle')
      .map((s) => s.json.id),
  };
  return seededIdle;
}

function idleFactory(index: number): string {
  const id = idle().factory[index];
  if (!id) throw new Error('not enough idle Factory sessions');
  return id;
}

function idleEverruns(index: number): string {
  const id = idle().everruns[index];
  if (!id) throw new Error('not enough idle Everruns sessions');
  return id;
}

const SOURCES = [
  {
    source: 'FACTORY',
    typename: 'FactorySession',
    post: FACTORY_POST,
    interrupt: FACTORY_INTERRUPT,
    idle: idleFactory,
    length: (id: string) => acme().conversations.factory(id).length,
    idleWord: 'idle',
  },
  {
    source: 'EVERRUNS',
    typename: 'EverrunsSession',
    post: EVERRUNS_POST,
    interrupt: EVERRUNS_CANCEL,
    idle: idleEverruns,
    length: (id: string) => acme().conversations.everruns(id).length,
    idleWord: 'no_op',
  },
] as const;

describe.each(SOURCES)('sendMessage on $source', (s) => {
  it('sends with one POST; the message reads back through messages', async () => {
    const sessionId = s.idle(0);
    const id = globalId(s.typename, sessionId);
    const before = s.length(sessionId);
    const text = `Please also update the changelog (${s.source}).`;
    const response = await h.query(SEND, { input: { sessionId: id, text } });
    const result = dataOf<Result>(response, 'sendMessage');
    expect(result).toMatchObject({
      __typename: 'SendMessagePayload',
      sentMessage: { role: 'USER', upstreamRole: 'user', text, parts: [{ __typename: 'TextPart', text }] },
      session: { id, state: 'RUNNING' },
    });
    expect(count(s.post)).toBe(1);
    expect(h.emulator.switchboard.countPrefix('POST ')).toBe(1);
    expect(s.length(sessionId)).toBeGreaterThan(before);
    const sent = result.sentMessage as { id: string; sourceId: string };
    const read = await h.query(LAST_USER_MESSAGE, { id });
    expect(dataOf<{ messages: unknown }>(read, 'node').messages).toEqual({
      edges: [{ node: { sourceId: sent.sourceId, text, role: 'USER' } }],
    });
    const node = await h.query('query($id: ID!) { node(id: $id) { ... on Message { text session { id } } } }', {
      id: sent.id,
    });
    expect(node.body.data).toEqual({ node: { text, session: { id } } });
  });

  it.each([
    ['empty text', () => ({ text: '' }), ['input', 'text']],
    ['blank text', () => ({ text: ' \n\t ' }), ['input', 'text']],
    ['text over 32000 characters', () => ({ text: 'x'.repeat(32_001) }), ['input', 'text']],
    ['a malformed id', () => ({ sessionId: 'not-a-global-id' }), ['input', 'sessionId']],
    ['the id of a Message', () => ({ sessionId: globalId('Message', 'FACTORY:a:b') }), ['input', 'sessionId']],
    ['the id of an unknown type', () => ({ sessionId: globalId('Computer', 'c1') }), ['input', 'sessionId']],
    [
      'a session id of the wrong shape',
      () => ({ sessionId: globalId(s.typename, 'session_XYZ with spaces') }),
      ['input', 'sessionId'],
    ],
  ])('refuses %s with a ValidationError and no upstream call', async (_name, change, path) => {
    const input = { sessionId: globalId(s.typename, s.idle(1)), text: 'hello', ...change() };
    const response = await h.query(SEND, { input });
    const result = dataOf<Result>(response, 'sendMessage');
    expect(result.__typename).toBe('ValidationError');
    expect(result.fieldErrors).toEqual([{ path, message: expect.any(String) }]);
    expect(upstreamCalls()).toBe(0);
  });

  it("tenant B's key on tenant A's session: NotFoundError, nothing sent, nothing changed", async () => {
    const sessionId = s.idle(2);
    const before = s.length(sessionId);
    const headers: Record<string, string> =
      s.source === 'FACTORY'
        ? { 'x-factory-api-key': DEMO_KEYS.globex.factory }
        : { 'x-everruns-api-key': DEMO_KEYS.globex.everruns };
    const id = globalId(s.typename, sessionId);
    const response = await h.query(SEND, { input: { sessionId: id, text: 'hijack' } }, headers);
    expect(dataOf<Result>(response, 'sendMessage')).toEqual({
      __typename: 'NotFoundError',
      message: 'No such session (it does not exist, or your key cannot see it).',
      id,
    });
    expect(s.length(sessionId)).toBe(before);
    expect(count(s.post)).toBe(1);
  });

  it('a 5xx is not retried; a timeout says the outcome is unknown', async () => {
    const id = globalId(s.typename, s.idle(3));
    h.emulator.switchboard.inject({ route: s.post, status: 503, times: 1 });
    const failed = await h.query(SEND, { input: { sessionId: id, text: 'one' } });
    expect(dataOf<Result>(failed, 'sendMessage')).toMatchObject({
      __typename: 'UpstreamError',
      source: s.source,
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamStatus: 503,
      outcomeUnknown: false,
    });
    expect(count(s.post)).toBe(1);
    h.emulator.switchboard.resetCounts();
    h.emulator.switchboard.inject({ route: s.post, delayMs: 1_000, times: 1 });
    const slow = await h.query(SEND, { input: { sessionId: id, text: 'two' } });
    expect(dataOf<Result>(slow, 'sendMessage')).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UPSTREAM_UNAVAILABLE',
      outcomeUnknown: true,
    });
    expect(count(s.post)).toBe(1);
  });
});

describe.each(SOURCES)('interruptSession on $source', (s) => {
  it('during a simulated turn: one upstream call, INTERRUPTED, the session reads idle; then NO_OP', async () => {
    const id = globalId(s.typename, s.idle(4));
    const sent = await h.query(SEND, { input: { sessionId: id, text: 'Run the whole suite, please.' } });
    expect(dataOf<Result>(sent, 'sendMessage')).toMatchObject({ session: { state: 'RUNNING' } });
    h.emulator.switchboard.resetCounts();
    const response = await h.query(INTERRUPT, { sessionId: id });
    expect(dataOf<Result>(response, 'interruptSession')).toMatchObject({
      __typename: 'InterruptSessionPayload',
      outcome: 'INTERRUPTED',
      session: { state: 'IDLE' },
    });
    expect(count(s.interrupt)).toBe(1);
    expect(h.emulator.switchboard.countPrefix('POST ')).toBe(1);
    const again = await h.query(INTERRUPT, { sessionId: id });
    expect(dataOf<Result>(again, 'interruptSession')).toMatchObject({
      outcome: 'NO_OP',
      interruptStatus: s.idleWord,
      session: { state: 'IDLE' },
    });
  });

  it('refuses a malformed id with no call; an unknown session is a NotFoundError', async () => {
    const bad = await h.query(INTERRUPT, { sessionId: 'bm9wZQ' });
    expect(dataOf<Result>(bad, 'interruptSession').__typename).toBe('ValidationError');
    expect(upstreamCalls()).toBe(0);
    const unknownId = s.source === 'FACTORY' ? 'no-such-session' : `session_${'0'.repeat(32)}`;
    const missing = await h.query(INTERRUPT, { sessionId: globalId(s.typename, unknownId) });
    expect(dataOf<Result>(missing, 'interruptSession').__typename).toBe('NotFoundError');
  });
});

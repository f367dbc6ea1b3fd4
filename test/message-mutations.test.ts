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
const UPDATE_FACTORY = `mutation($input: UpdateFactorySessionInput!) {
  updateFactorySession(input: $input) { ${RESULT}
    ... on FactorySessionPayload { session { id model settings { model reasoningEffort autonomyLevel enabledToolIds } } }
  }
}`;
const DELETE_FACTORY = `mutation($id: ID!) {
  deleteFactorySession(input: { id: $id }) { ${RESULT} ... on DeleteFactorySessionPayload { deletedId } }
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
const FACTORY_PATCH = 'PATCH /api/v0/sessions/:id';
const FACTORY_DELETE = 'DELETE /api/v0/sessions/:id';

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

  it('a 2xx whose answer is out of the API says the outcome is unknown (the upstream did the write)', async () => {
    const id = globalId(s.typename, s.idle(4));
    h.emulator.switchboard.inject({ route: s.post, status: 201, body: '{"unexpected":true}', times: 1 });
    const response = await h.query(SEND, { input: { sessionId: id, text: 'three' } });
    expect(dataOf<Result>(response, 'sendMessage')).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UPSTREAM_UNAVAILABLE',
      outcomeUnknown: true,
    });
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

describe.each(SOURCES)('messages around a send on $source', (s) => {
  it('a cursor taken before a send resumes right after its message: each message once, the new ones last', async () => {
    const sessionId = s.idle(5);
    const id = globalId(s.typename, sessionId);
    const PAGE = `query($id: ID!, $after: String) { node(id: $id) { ... on Session {
      messages(first: 4, after: $after) { edges { node { sourceId } } pageInfo { hasNextPage endCursor } } } } }`;
    type Conn = {
      messages: { edges: { node: { sourceId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    };
    const first = dataOf<Conn>(await h.query(PAGE, { id }), 'node').messages;
    const seen = first.edges.map((edge) => edge.node.sourceId);
    const sent = await h.query(SEND, { input: { sessionId: id, text: 'One more thing.' } });
    const sentId = dataOf<{ sentMessage: { sourceId: string } }>(sent, 'sendMessage').sentMessage.sourceId;
    let after: string | null = first.pageInfo.endCursor;
    for (let page = 0; after !== null && page < 100; page++) {
      const next: Conn['messages'] = dataOf<Conn>(await h.query(PAGE, { id, after }), 'node').messages;
      seen.push(...next.edges.map((edge) => edge.node.sourceId));
      after = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(sentId);
    const stored = (
      s.source === 'FACTORY' ? acme().conversations.factory(sessionId) : acme().conversations.everruns(sessionId)
    ).map((message) => message.id);
    // The walk saw the conversation in order up to where it ended (a turn may have added more since).
    expect(seen).toEqual(stored.slice(0, seen.length));
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

describe('updateFactorySession and deleteFactorySession', () => {
  it('changes settings with one PATCH; node reads the change back', async () => {
    const sessionId = idleFactory(10);
    const id = globalId('FactorySession', sessionId);
    const response = await h.query(UPDATE_FACTORY, {
      input: { id, settings: { model: 'gpt-5-codex', reasoningEffort: 'HIGH', enabledToolIds: ['Read'] } },
    });
    expect(dataOf<Result>(response, 'updateFactorySession')).toMatchObject({
      __typename: 'FactorySessionPayload',
      session: {
        id,
        model: 'gpt-5-codex',
        settings: { model: 'gpt-5-codex', reasoningEffort: 'high', enabledToolIds: ['Read'] },
      },
    });
    expect(h.emulator.switchboard.counts()).toEqual({ [FACTORY_PATCH]: 1 });
    const read = await h.query(
      'query($id: ID!) { node(id: $id) { ... on FactorySession { model settings { reasoningEffort } } } }',
      { id },
    );
    expect(read.body.data).toEqual({ node: { model: 'gpt-5-codex', settings: { reasoningEffort: 'high' } } });
  });

  it.each([
    ['no setting at all', () => ({ id: globalId('FactorySession', idleFactory(11)), settings: {} }), 'input.settings'],
    [
      'an Everruns session id',
      () => ({ id: globalId('EverrunsSession', idleEverruns(11)), settings: { model: 'm' } }),
      'input.id',
    ],
    ['a malformed id', () => ({ id: 'bm9wZQ', settings: { model: 'm' } }), 'input.id'],
    [
      'a 201-character model',
      () => ({ id: globalId('FactorySession', idleFactory(11)), settings: { model: 'm'.repeat(201) } }),
      'input.settings.model',
    ],
  ])('refuses %s with a ValidationError and no upstream call', async (_name, input, path) => {
    const response = await h.query(UPDATE_FACTORY, { input: input() });
    const result = dataOf<{ __typename: string; fieldErrors: { path: string[] }[] }>(response, 'updateFactorySession');
    expect(result.__typename).toBe('ValidationError');
    expect(result.fieldErrors.map((e) => e.path.join('.'))).toEqual([path]);
    expect(upstreamCalls()).toBe(0);
  });

  it.each([
    [400, 'BAD_USER_INPUT'],
    [403, 'FORBIDDEN'],
    [429, 'UPSTREAM_RATE_LIMITED'],
    [500, 'UPSTREAM_UNAVAILABLE'],
  ])('maps Factory %i on PATCH and DELETE to an UpstreamError %s, sent once', async (status, code) => {
    const id = globalId('FactorySession', idleFactory(12));
    h.emulator.switchboard.inject({ route: FACTORY_PATCH, status });
    h.emulator.switchboard.inject({ route: FACTORY_DELETE, status });
    const update = await h.query(UPDATE_FACTORY, { input: { id, settings: { model: 'm' } } });
    const remove = await h.query(DELETE_FACTORY, { id });
    for (const [response, field] of [
      [update, 'updateFactorySession'],
      [remove, 'deleteFactorySession'],
    ] as const) {
      expect(dataOf<Result>(response, field)).toMatchObject({
        __typename: 'UpstreamError',
        source: 'FACTORY',
        code,
        upstreamStatus: status,
        outcomeUnknown: false,
      });
    }
    expect(count(FACTORY_PATCH)).toBe(1);
    expect(count(FACTORY_DELETE)).toBe(1);
  });

  it('a PATCH timeout says the outcome is unknown, sent once', async () => {
    h.emulator.switchboard.inject({ route: FACTORY_PATCH, delayMs: 1_000, times: 1 });
    const response = await h.query(UPDATE_FACTORY, {
      input: { id: globalId('FactorySession', idleFactory(13)), settings: { autonomyLevel: 'LOW' } },
    });
    expect(dataOf<Result>(response, 'updateFactorySession')).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      outcomeUnknown: true,
    });
    expect(count(FACTORY_PATCH)).toBe(1);
  });

  it('deletes; the rest of the request and later requests see it gone', async () => {
    const id = globalId('FactorySession', idleFactory(14));
    const response = await h.query(
      `mutation($id: ID!) {
        deleteFactorySession(input: { id: $id }) { __typename ... on DeleteFactorySessionPayload { deletedId } }
        again: sendMessage(input: { sessionId: $id, text: "still there?" }) { __typename }
      }`,
      { id },
    );
    expect(response.body.data).toEqual({
      deleteFactorySession: { __typename: 'DeleteFactorySessionPayload', deletedId: id },
      again: { __typename: 'NotFoundError' },
    });
    expect(count(FACTORY_DELETE)).toBe(1);
    const read = await h.query('query($id: ID!) { node(id: $id) { id } }', { id });
    expect(read.body.data).toEqual({ node: null });
    const again = await h.query(DELETE_FACTORY, { id });
    expect(dataOf<Result>(again, 'deleteFactorySession').__typename).toBe('NotFoundError');
  });

  it("tenant B's key cannot update or delete tenant A's session", async () => {
    const sessionId = idleFactory(15);
    const id = globalId('FactorySession', sessionId);
    const before = structuredClone(acme().factorySessions.find((s) => s.sessionId === sessionId));
    const globex = { 'x-factory-api-key': DEMO_KEYS.globex.factory };
    const update = await h.query(UPDATE_FACTORY, { input: { id, settings: { model: 'hijacked' } } }, globex);
    const remove = await h.query(DELETE_FACTORY, { id }, globex);
    expect(dataOf<Result>(update, 'updateFactorySession').__typename).toBe('NotFoundError');
    expect(dataOf<Result>(remove, 'deleteFactorySession').__typename).toBe('NotFoundError');
    expect(acme().factorySessions.find((s) => s.sessionId === sessionId)).toEqual(before);
  });
});

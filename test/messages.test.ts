import { describe, expect, it } from 'vitest';
import type { Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { dataOf, errorCodes, type GraphQLResponse, useHarness } from './harness.js';

// A small bound, so that "all in flight together, bounded" shows in the emulator's peak.
const CONCURRENCY = 4;
const h = useHarness({ gateway: () => ({ loaderConcurrency: CONCURRENCY }) });

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

const FACTORY_LIST = 'GET /api/v0/sessions/:id/messages';
const FACTORY_ONE = 'GET /api/v0/sessions/:id/messages/:messageId';
const EVERRUNS_LIST = 'GET /v1/sessions/:id/messages';

type Source = 'FACTORY' | 'EVERRUNS';
const TYPENAME = { FACTORY: 'FactorySession', EVERRUNS: 'EverrunsSession' } as const;

/** Upstream role words by normalised role, as each source's table has them. */
const ROLE_WORDS: Record<Source, Record<string, string>> = {
  FACTORY: { user: 'USER', assistant: 'AGENT', tool: 'TOOL', system: 'SYSTEM' },
  EVERRUNS: { user: 'USER', agent: 'AGENT', tool_result: 'TOOL', system: 'SYSTEM' },
};

interface Expected {
  readonly id: string;
  readonly role: string;
}

/** The seeded conversation of a session, oldest first, as the emulator holds it. */
function conversation(source: Source, sessionId: string): Expected[] {
  const messages =
    source === 'FACTORY' ? acme().conversations.factory(sessionId) : acme().conversations.everruns(sessionId);
  return messages.map((message) => ({ id: message.id, role: ROLE_WORDS[source][message.role] ?? 'UNKNOWN' }));
}

/** A long (150+) conversation of an idle session: nothing adds messages while a test walks it. */
function longSession(source: Source): string {
  const tenant = acme();
  const ids = source === 'FACTORY' ? tenant.factoryConversations.long : tenant.everrunsConversations.long;
  const idle = (id: string) =>
    source === 'FACTORY'
      ? tenant.factorySessions.find((s) => s.sessionId === id)?.status === 'idle'
      : tenant.everrunsSessions.find((s) => s.json.id === id)?.json.status === 'idle';
  const id = ids.find(idle) ?? ids[0];
  if (!id) throw new Error(`no long ${source} conversation`);
  return id;
}

function oddSession(source: Source): string {
  const odd = source === 'FACTORY' ? acme().factoryConversations.odd : acme().everrunsConversations.odd;
  if (!odd) throw new Error(`no odd ${source} conversation`);
  return odd;
}

interface Page {
  edges: { cursor: string; node: { sourceId: string; role: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAGE = `edges { cursor node { sourceId role } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const FORWARD = `query($id: ID!, $first: Int, $after: String, $role: MessageRole) {
  node(id: $id) { ... on Session { messages(first: $first, after: $after, role: $role) { ${PAGE} } } }
}`;
const BACKWARD = `query($id: ID!, $last: Int, $before: String, $role: MessageRole) {
  node(id: $id) { ... on Session { messages(last: $last, before: $before, role: $role) { ${PAGE} } } }
}`;

function pageOf(response: GraphQLResponse): Page {
  expect(response.body.errors).toBeUndefined();
  return dataOf<{ messages: Page }>(response, 'node').messages;
}

/**
 * Walks a session's messages to the end, `size` at a time, checking each page's flags; answers
 * the ids in conversation order and the page sizes in walking order.
 */
async function walk(source: Source, sessionId: string, backward: boolean, size: number, role?: string) {
  const id = globalId(TYPENAME[source], sessionId);
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const variables = backward ? { id, last: size, before: cursor, role } : { id, first: size, after: cursor, role };
    const page = pageOf(await h.query(backward ? BACKWARD : FORWARD, variables));
    const got = page.edges.map((edge) => edge.node.sourceId);
    if (role) for (const edge of page.edges) expect(edge.node.role).toBe(role);
    sizes.push(got.length);
    if (backward) ids.unshift(...got);
    else ids.push(...got);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    // The side the walk came from: false only on its first page.
    expect(backward ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage).toBe(pages > 0);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]?.cursor ?? null);
    if (!more) return { ids, sizes };
    cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
  }
  throw new Error('the walk did not end');
}

/** Every page full but the last, which holds the rest (and is not empty unless the whole list is). */
function expectFullPages(sizes: readonly number[], size: number, total: number): void {
  expect(sizes.slice(0, -1).every((n) => n === size)).toBe(true);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
  if (total > 0) expect(sizes[sizes.length - 1]).toBeGreaterThan(0);
}

describe('Session.messages walks', () => {
  it.each([
    ['FACTORY', false],
    ['FACTORY', true],
    ['EVERRUNS', false],
    ['EVERRUNS', true],
  ] as const)('%s, backward=%s, 7 at a time: every message exactly once, in order', async (source, backward) => {
    const sessionId = longSession(source);
    const expected = conversation(source, sessionId).map((m) => m.id);
    expect(expected.length).toBeGreaterThanOrEqual(150);
    const { ids, sizes } = await walk(source, sessionId, backward, 7);
    expect(ids).toEqual(expected);
    expectFullPages(sizes, 7, expected.length);
  });

  it.each([
    ['FACTORY', 'USER'],
    ['FACTORY', 'TOOL'],
    ['FACTORY', 'SYSTEM'],
    ['FACTORY', 'UNKNOWN'],
    ['EVERRUNS', 'AGENT'],
    ['EVERRUNS', 'SYSTEM'],
    ['EVERRUNS', 'UNKNOWN'],
  ] as const)('%s role %s: only that role, pages full while more exist, both ways', async (source, role) => {
    const sessionId = oddSession(source);
    const expected = conversation(source, sessionId)
      .filter((m) => m.role === role)
      .map((m) => m.id);
    expect(expected.length).toBeGreaterThan(0);
    for (const backward of [false, true]) {
      const { ids, sizes } = await walk(source, sessionId, backward, 3, role);
      expect(ids).toEqual(expected);
      expectFullPages(sizes, 3, expected.length);
    }
  });

  it('Factory filters USER, AGENT and TOOL upstream, SYSTEM and UNKNOWN here', async () => {
    const id = globalId('FactorySession', oddSession('FACTORY'));
    await h.query(FORWARD, { id, first: 3, role: 'AGENT' });
    await h.query(FORWARD, { id, first: 3, role: 'SYSTEM' });
    const roles = h.emulator.switchboard.requests.filter((r) => r.route === FACTORY_LIST).map((r) => r.query.role);
    expect(roles[0]).toBe('assistant');
    expect(roles.slice(1).every((role) => role === undefined)).toBe(true);
  });

  it('Everruns answers the whole conversation: one call per session and request, however it is paged', async () => {
    const id = globalId('EverrunsSession', longSession('EVERRUNS'));
    const response = await h.query(
      `query($id: ID!) { node(id: $id) { ... on Session {
        a: messages(first: 5) { edges { node { sourceId } } }
        b: messages(last: 5) { edges { node { sourceId } } }
        c: messages(first: 2, role: USER) { edges { node { sourceId } } }
      } } }`,
      { id },
    );
    expect(response.body.errors).toBeUndefined();
    expect(h.emulator.switchboard.count(EVERRUNS_LIST)).toBe(1);
  });
});

describe('Session.messages in lists', () => {
  it('a page of 20 sessions with messages(first: 3): one call per listed session, bounded concurrency', async () => {
    for (const route of [FACTORY_LIST, EVERRUNS_LIST]) h.emulator.switchboard.inject({ route, delayMs: 40 });
    const response = await h.query(`{
      sessions(first: 20) { edges { node { __typename sourceId messages(first: 3) {
        edges { node { sourceId } } pageInfo { hasNextPage }
      } } } }
    }`);
    expect(response.body.errors).toBeUndefined();
    const edges = dataOf<{
      edges: {
        node: { __typename: string; sourceId: string; messages: { edges: { node: { sourceId: string } }[] } };
      }[];
    }>(response, 'sessions').edges;
    expect(edges).toHaveLength(20);
    const count = (typename: string) => edges.filter((edge) => edge.node.__typename === typename).length;
    const counts = h.emulator.switchboard;
    expect(counts.count(FACTORY_LIST)).toBe(count('FactorySession'));
    expect(counts.count(EVERRUNS_LIST)).toBe(count('EverrunsSession'));
    expect(counts.count(FACTORY_LIST) + counts.count(EVERRUNS_LIST)).toBeLessThanOrEqual(20);
    for (const route of [FACTORY_LIST, EVERRUNS_LIST]) {
      expect(counts.maxInFlight(route)).toBeLessThanOrEqual(CONCURRENCY);
    }
    // In flight together: with more sessions than the bound, the bound is reached.
    if (count('FactorySession') >= CONCURRENCY) expect(counts.maxInFlight(FACTORY_LIST)).toBe(CONCURRENCY);
    for (const edge of edges) {
      const source = edge.node.__typename === 'FactorySession' ? 'FACTORY' : 'EVERRUNS';
      const expected = conversation(source, edge.node.sourceId)
        .slice(0, 3)
        .map((m) => m.id);
      expect(edge.node.messages.edges.map((e) => e.node.sourceId)).toEqual(expected);
    }
  });

  it('the same session twice in one request costs one call', async () => {
    const factory = globalId('FactorySession', longSession('FACTORY'));
    const everruns = globalId('EverrunsSession', longSession('EVERRUNS'));
    const response = await h.query(
      `query($f: ID!, $e: ID!) {
        f1: node(id: $f) { ... on Session { messages(first: 3) { edges { node { id } } } } }
        f2: node(id: $f) { ... on Session { messages(first: 3) { edges { node { id } } } } }
        e1: node(id: $e) { ... on Session { messages(first: 3) { edges { node { id } } } } }
        e2: nodes(ids: [$e]) { ... on Session { messages(last: 3) { edges { node { id } } } } }
      }`,
      { f: factory, e: everruns },
    );
    expect(response.body.errors).toBeUndefined();
    expect(h.emulator.switchboard.count(FACTORY_LIST)).toBe(1);
    expect(h.emulator.switchboard.count(EVERRUNS_LIST)).toBe(1);
  });

  it.each([
    'FACTORY',
    'EVERRUNS',
  ] as const)('%s: node(id) with messages reads the conversation beside the session, not after it', async (source) => {
    const id = longSession(source);
    const sessionRoute = source === 'FACTORY' ? 'GET /api/v0/sessions/:id' : 'GET /v1/sessions/:id';
    const listRoute = source === 'FACTORY' ? FACTORY_LIST : EVERRUNS_LIST;
    h.emulator.switchboard.inject({ route: sessionRoute, delayMs: 400 });
    const response = await h.query(
      `fragment Detail on Session { title messages(first: 5) { edges { node { sourceId } } } }
        query($id: ID!) { node(id: $id) { ...Detail } }`,
      { id: globalId(TYPENAME[source], id) },
    );
    expect(response.body.errors).toBeUndefined();
    const ids = dataOf<{ messages: Page }>(response, 'node').messages.edges.map((edge) => edge.node.sourceId);
    expect(ids).toEqual(
      conversation(source, id)
        .slice(0, 5)
        .map((m) => m.id),
    );
    const arrival = (route: string) => h.emulator.switchboard.requests.find((r) => r.route === route)?.at ?? Number.NaN;
    // The messages call arrived while the session's answer was still held back.
    expect(arrival(listRoute) - arrival(sessionRoute)).toBeLessThan(300);
    expect(h.emulator.switchboard.count(listRoute)).toBe(1);
  });

  it('a session that does not exist is null without an error, though its messages were asked for', async () => {
    const response = await h.query(
      `query($id: ID!) { node(id: $id) { ... on Session { messages(first: 5) { edges { cursor } } } } }`,
      { id: globalId('EverrunsSession', `session_${'0'.repeat(32)}`) },
    );
    expect(response.body).toEqual({ data: { node: null } });
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id')).toBe(1);
  });

  it('MAX_NODES counts nested messages pages: 20 sessions x 100 messages is refused before any call', async () => {
    const response = await h.query(
      '{ sessions(first: 20) { edges { node { messages(first: 100) { edges { node { id } } } } } } }',
    );
    expect(errorCodes(response)).toEqual([{ path: '', code: 'LIMIT_EXCEEDED' }]);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ limit: 'maxNodes', actual: 2020 });
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });
});

const MESSAGE = `__typename id sourceId role upstreamRole text createdAt isError
  session { id }
  parts {
    __typename
    ... on TextPart { text }
    ... on ToolCallPart { toolCallId name arguments }
    ... on ToolResultPart { toolCallId result error isError }
    ... on ImagePart { url mediaType data imageId filename }
    ... on OtherPart { type raw }
  }`;

interface MessageView {
  __typename: string;
  id: string;
  sourceId: string;
  role: string;
  upstreamRole: string;
  text: string;
  createdAt: string;
  isError: boolean;
  session: { id: string } | null;
  parts: Record<string, unknown>[];
}

async function allMessages(source: Source, sessionId: string): Promise<MessageView[]> {
  const id = globalId(TYPENAME[source], sessionId);
  const views: MessageView[] = [];
  let after: string | null = null;
  for (;;) {
    const response = await h.query(
      `query($id: ID!, $after: String) { node(id: $id) { ... on Session { messages(first: 100, after: $after) {
        edges { node { ${MESSAGE} } } pageInfo { hasNextPage endCursor } } } } }`,
      { id, after },
    );
    expect(response.body.errors).toBeUndefined();
    const page = dataOf<{
      messages: { edges: { node: MessageView }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>(response, 'node').messages;
    views.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return views;
    after = page.pageInfo.endCursor;
  }
}

describe('Message', () => {
  it('Factory: an unknown role and part type are served (UNKNOWN, OtherPart), tool parts typed, ms times', async () => {
    const sessionId = oddSession('FACTORY');
    const views = await allMessages('FACTORY', sessionId);
    const stored = acme().conversations.factory(sessionId);
    expect(views.map((v) => v.sourceId)).toEqual(stored.map((m) => m.id));
    const unknown = views.find((v) => v.upstreamRole === 'reviewer');
    expect(unknown?.role).toBe('UNKNOWN');
    const other = views.flatMap((v) => v.parts).find((p) => p.__typename === 'OtherPart');
    expect(other).toMatchObject({ type: 'thinking', raw: { type: 'thinking', signature: expect.any(String) } });
    expect(views.flatMap((v) => v.parts).some((p) => p.__typename === 'ToolCallPart')).toBe(true);
    const failed = views.find((v) => v.isError);
    expect(failed?.parts).toContainEqual(expect.objectContaining({ __typename: 'ToolResultPart', isError: true }));
    const sessionGlobal = globalId('FactorySession', sessionId);
    views.forEach((view, index) => {
      const source = stored[index];
      expect(view.createdAt).toBe(new Date(Number(source?.createdAt)).toISOString());
      expect(view.session).toEqual({ id: sessionGlobal });
    });
    expect(views.find((v) => v.role === 'SYSTEM')?.upstreamRole).toBe('system');
  });

  it('Everruns: unknown role and part served, images typed, microsecond times verbatim', async () => {
    const sessionId = oddSession('EVERRUNS');
    const views = await allMessages('EVERRUNS', sessionId);
    const stored = acme().conversations.everruns(sessionId);
    expect(views.map((v) => v.sourceId)).toEqual(stored.map((m) => m.id));
    expect(views.map((v) => v.createdAt)).toEqual(stored.map((m) => m.created_at));
    expect(views.find((v) => v.upstreamRole === 'developer')?.role).toBe('UNKNOWN');
    expect(views.flatMap((v) => v.parts)).toContainEqual(
      expect.objectContaining({
        __typename: 'OtherPart',
        type: 'file',
        raw: expect.objectContaining({ type: 'file' }),
      }),
    );
    const images = views.flatMap((v) => v.parts).filter((p) => p.__typename === 'ImagePart');
    expect(images.some((p) => p.imageId !== null)).toBe(true);
    expect(images.some((p) => p.data !== null || p.url !== null)).toBe(true);
    expect(views.some((v) => v.isError)).toBe(true);
    const toolMessage = views.find((v) => v.role === 'TOOL');
    expect(toolMessage?.upstreamRole).toBe('tool_result');
    for (const view of views) {
      const texts = view.parts.filter((p) => p.__typename === 'TextPart').map((p) => p.text);
      expect(view.text).toBe(texts.join('\n'));
    }
  });

  it('node(id) reads a message back: Factory by one GET, Everruns from the list shared with messages', async () => {
    const factorySession = longSession('FACTORY');
    const everrunsSession = longSession('EVERRUNS');
    const first = await h.query(
      `query($f: ID!, $e: ID!) {
        f: node(id: $f) { ... on Session { messages(first: 2) { edges { node { id text } } } } }
        e: node(id: $e) { ... on Session { messages(last: 2) { edges { node { id text } } } } }
      }`,
      { f: globalId('FactorySession', factorySession), e: globalId('EverrunsSession', everrunsSession) },
    );
    type Conn = { messages: { edges: { node: { id: string; text: string } }[] } };
    const f = dataOf<Conn>(first, 'f').messages.edges[1]?.node;
    const e = dataOf<Conn>(first, 'e').messages.edges[0]?.node;
    if (!f || !e) throw new Error('no messages');
    h.emulator.switchboard.resetCounts();
    const read = await h.query(
      `query($ids: [ID!]!, $e: ID!) {
        nodes(ids: $ids) { __typename id ... on Message { text } }
        node(id: $e) { ... on Session { messages(first: 1) { edges { node { id } } } } }
      }`,
      { ids: [f.id, e.id], e: globalId('EverrunsSession', everrunsSession) },
    );
    expect(read.body).toEqual({
      data: {
        nodes: [
          { __typename: 'Message', id: f.id, text: f.text },
          { __typename: 'Message', id: e.id, text: e.text },
        ],
        node: { messages: { edges: [{ node: { id: expect.any(String) } }] } },
      },
    });
    expect(h.emulator.switchboard.count(FACTORY_ONE)).toBe(1);
    expect(h.emulator.switchboard.count(EVERRUNS_LIST)).toBe(1);
  });

  it('a Factory message asked by node(id) beside a page that holds it costs no call of its own', async () => {
    const session = globalId('FactorySession', longSession('FACTORY'));
    const page = await h.query(
      `query($s: ID!) { node(id: $s) { ... on Session { messages(first: 3) { edges { node { id text } } } } } }`,
      { s: session },
    );
    const second = dataOf<{ messages: { edges: { node: { id: string; text: string } }[] } }>(page, 'node').messages
      .edges[1]?.node;
    if (!second) throw new Error('no messages');
    h.emulator.switchboard.resetCounts();
    const read = await h.query(
      `query($s: ID!, $m: ID!) {
        node(id: $s) { ... on Session { messages(first: 3) { edges { node { id } } } } }
        m: node(id: $m) { ... on Message { id text } }
      }`,
      { s: session, m: second.id },
    );
    expect(read.body).toMatchObject({ data: { m: { id: second.id, text: second.text } } });
    expect(h.emulator.switchboard.count(FACTORY_ONE)).toBe(0);
  });

  it('a Message id of an unknown message is null; a malformed one is BAD_USER_INPUT with no call', async () => {
    const unknown = globalId('Message', `EVERRUNS:${longSession('EVERRUNS')}:message_${'0'.repeat(32)}`);
    const read = await h.query('query($id: ID!) { node(id: $id) { id } }', { id: unknown });
    expect(read.body).toEqual({ data: { node: null } });
    h.emulator.switchboard.resetCounts();
    for (const raw of ['EVERRUNS:session_1:message_1', 'NOPE:a:b', 'FACTORY:only-two', `FACTORY::x`]) {
      const bad = await h.query('query($id: ID!) { node(id: $id) { id } }', { id: globalId('Message', raw) });
      expect(errorCodes(bad)).toEqual([{ path: 'node', code: 'BAD_USER_INPUT' }]);
    }
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });
});

describe('Session.messages arguments', () => {
  it.each([
    ['first: 0', { first: 0 }],
    ['first: 101', { first: 101 }],
    ['first and last', { first: 2, last: 2 }],
    ['a tampered cursor', { after: 'eyJ2IjoxfQ' }],
  ])('refuses %s with BAD_USER_INPUT and no call', async (_name, args) => {
    const id = globalId('FactorySession', longSession('FACTORY'));
    const response = await h.query(
      `query($id: ID!, $first: Int, $last: Int, $after: String) {
        node(id: $id) { ... on Session { messages(first: $first, last: $last, after: $after) { edges { cursor } } } }
      }`,
      { id, ...args },
    );
    expect(errorCodes(response)).toEqual([{ path: 'node.messages', code: 'BAD_USER_INPUT' }]);
    expect(h.emulator.switchboard.countPrefix('GET /api/v0/sessions/:id/messages')).toBe(0);
  });

  it('a cursor of another session, or of another role, is BAD_USER_INPUT', async () => {
    const aId = longSession('EVERRUNS');
    const a = globalId('EverrunsSession', aId);
    const b = globalId('EverrunsSession', acme().everrunsSessions.find((s) => s.json.id !== aId)?.json.id ?? '');
    const page = pageOf(await h.query(FORWARD, { id: a, first: 2 }));
    const cursor = page.pageInfo.endCursor;
    const other = await h.query(FORWARD, { id: b, first: 2, after: cursor });
    expect(errorCodes(other)).toEqual([{ path: 'node.messages', code: 'BAD_USER_INPUT' }]);
    const role = await h.query(FORWARD, { id: a, first: 2, after: cursor, role: 'USER' });
    expect(errorCodes(role)).toEqual([{ path: 'node.messages', code: 'BAD_USER_INPUT' }]);
  });

  it('an upstream failure nulls that session’s messages only, with a coded error', async () => {
    const id = longSession('FACTORY');
    h.emulator.switchboard.inject({ route: FACTORY_LIST, status: 403 });
    const response = await h.query(
      `query($id: ID!) { node(id: $id) { ... on Session { sourceId messages(first: 2) { edges { cursor } } } } }`,
      { id: globalId('FactorySession', id) },
    );
    expect(response.body.data).toEqual({ node: { sourceId: id, messages: null } });
    expect(errorCodes(response)).toEqual([{ path: 'node.messages', code: 'FORBIDDEN', source: 'FACTORY' }]);
  });
});

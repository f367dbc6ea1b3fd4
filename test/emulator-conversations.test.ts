import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEMO_KEYS,
  type Emulator,
  type EverrunsEventJson,
  startEmulator,
  type Tenant,
  UNKNOWN_WORDS,
} from '../src/emulator/index.js';

/** Long enough that a test's next request lands inside the turn, short enough to wait for. */
const TURN_MS = 200;

let emulator: Emulator;
/** Idle sessions with a handful of messages, one per test, picked before any test changes the world. */
let idleFactory: string[];
let idleEverruns: string[];
beforeAll(async () => {
  emulator = await startEmulator({ turnMs: TURN_MS });
  idleFactory = idleFactorySessions(acmeOf(emulator));
  idleEverruns = idleEverrunsSessions(acmeOf(emulator));
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.switchboard.reset();
});

type Json = Record<string, unknown>;
interface Call {
  readonly method?: string;
  readonly body?: unknown;
  readonly key?: string;
}

function tenant(name: 'acme' | 'globex' = 'acme'): Tenant {
  const found = emulator.tenants.get(name);
  if (!found) throw new Error(`no tenant ${name}`);
  return found;
}

function acmeOf(of: Emulator): Tenant {
  const found = of.tenants.get('acme');
  if (!found) throw new Error('no tenant acme');
  return found;
}

async function call(url: string, authorization: string, { method = 'GET', body }: Call) {
  const response = await fetch(url, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, text, json: isJson ? (JSON.parse(text) as Json) : undefined };
}

const factory = (path: string, init: Call = {}) =>
  call(`${emulator.factoryUrl}/api/v0${path}`, `Bearer ${init.key ?? DEMO_KEYS.acme.factory}`, init);
const everruns = (path: string, init: Call = {}) =>
  call(`${emulator.everrunsUrl}/v1${path}`, init.key ?? DEMO_KEYS.acme.everruns, init);

async function body(answer: Promise<{ status: number; json: Json | undefined }>, status = 200): Promise<Json> {
  const { status: got, json } = await answer;
  expect(got).toBe(status);
  return json ?? {};
}

const list = <T = Json>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when no value anywhere in `value` is null (both upstreams leave unset fields out). */
function hasNoNull(value: unknown): boolean {
  if (value === null) return false;
  if (typeof value !== 'object') return true;
  return Object.values(value).every(hasNoNull);
}

/** Every message of a Factory session, walking pages of `limit` with `query` added. */
async function walkFactory(sessionId: string, limit: string, query = '') {
  const messages: Json[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await body(factory(`/sessions/${sessionId}/messages?limit=${limit}${query}${after}`));
    const pagination = page.pagination as { hasMore: boolean; nextCursor: string | null };
    messages.push(...list(page.messages));
    expect(pagination.hasMore).toBe(pagination.nextCursor !== null);
    cursor = pagination.nextCursor;
    pages += 1;
  } while (cursor);
  return { messages, pages };
}

/** Idle sessions with a handful of messages (never a landmark). */
function idleFactorySessions(of: Tenant): string[] {
  const skip = new Set([...of.factoryConversations.long, ...of.factoryConversations.empty]);
  return of.factorySessions.filter((s) => s.status === 'idle' && !skip.has(s.sessionId)).map((s) => s.sessionId);
}

function idleEverrunsSessions(of: Tenant): string[] {
  const skip = new Set(of.everrunsConversations.long);
  return of.everrunsSessions.filter((s) => s.json.status === 'idle' && !skip.has(s.json.id)).map((s) => s.json.id);
}

async function factoryIdle(sessionId: string): Promise<Json> {
  let session: Json = {};
  await vi.waitFor(
    async () => {
      session = await body(factory(`/sessions/${sessionId}`));
      expect(session.status).toBe('idle');
    },
    { timeout: 5_000, interval: 25 },
  );
  return session;
}

async function everrunsIdle(sessionId: string): Promise<Json> {
  let session: Json = {};
  await vi.waitFor(
    async () => {
      session = await body(everruns(`/sessions/${sessionId}`));
      expect(session.status).toBe('idle');
    },
    { timeout: 5_000, interval: 25 },
  );
  return session;
}

async function events(sessionId: string, query = ''): Promise<EverrunsEventJson[]> {
  return list<EverrunsEventJson>((await body(everruns(`/sessions/${sessionId}/events${query}`))).data);
}

const textOf = (message: Json) =>
  list(message.content)
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('\n');

describe('seeded conversations', () => {
  it('gives every tenant and source at least two 150+ conversations, some empty ones and an odd one', () => {
    for (const name of ['acme', 'globex'] as const) {
      const { factoryConversations: f, everrunsConversations: e, conversations } = tenant(name);
      expect(f.long.length).toBeGreaterThanOrEqual(2);
      expect(e.long.length).toBeGreaterThanOrEqual(2);
      expect(f.empty.length).toBeGreaterThan(0);
      expect(e.empty.length).toBeGreaterThan(0);
      expect(f.odd).toBe(f.long[0]);
      expect(e.odd).toBe(e.long[0]);
      for (const id of f.long) expect(conversations.factory(id).length).toBeGreaterThanOrEqual(150);
      for (const id of e.long) expect(conversations.everruns(id).length).toBeGreaterThanOrEqual(150);
      for (const id of f.empty) expect(conversations.factory(id)).toEqual([]);
    }
  });

  it('is the same conversation for the same seed, whatever was read first', async () => {
    const other = await startEmulator();
    try {
      const mine = tenant();
      const theirs = other.tenants.get('acme');
      const id = mine.factorySessions[3]?.sessionId ?? '';
      const everrunsId = mine.everrunsSessions[5]?.json.id ?? '';
      theirs?.conversations.everruns(everrunsId);
      expect(theirs?.conversations.factory(id)).toEqual(mine.conversations.factory(id));
      expect(theirs?.conversations.everruns(everrunsId)).toEqual(mine.conversations.everruns(everrunsId));
    } finally {
      await other.close();
    }
  });
});

describe('Factory conversations', () => {
  it('walks a 150+ conversation exactly once, oldest first, with string limits and opaque cursors', async () => {
    const id = tenant().factoryConversations.long[1] ?? '';
    const session = await body(factory(`/sessions/${id}`));
    const { messages, pages } = await walkFactory(id, '37');
    expect(messages.length).toBe(session.messageCount);
    expect(messages.length).toBeGreaterThanOrEqual(150);
    expect(pages).toBe(Math.ceil(messages.length / 37));
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    const times = messages.map((m) => m.createdAt as number);
    expect(times.every((t, i) => Number.isInteger(t) && (i === 0 || t > (times[i - 1] ?? 0)))).toBe(true);
    expect(times[0]).toBeGreaterThan(session.createdAt as number);
    expect(times[times.length - 1]).toBeLessThan(session.updatedAt as number);
    for (const message of messages) {
      expect(message.updatedAt).toBeGreaterThanOrEqual(message.createdAt as number);
      expect(hasNoNull(message)).toBe(true);
    }
    expect(messages.slice(1).every((m, i) => m.parentId === messages[i]?.id)).toBe(true);
    // The default page is "20".
    const first = await body(factory(`/sessions/${id}/messages`));
    expect(list(first.messages).map((m) => m.id)).toEqual(messages.slice(0, 20).map((m) => m.id));
  });

  it('filters by role across pages, and refuses bad limits, roles and cursors with problem bodies', async () => {
    const id = tenant().factoryConversations.long[0] ?? '';
    const { messages: all } = await walkFactory(id, '100');
    for (const role of ['user', 'assistant', 'tool']) {
      const { messages } = await walkFactory(id, '7', `&role=${role}`);
      expect(messages.map((m) => m.id)).toEqual(all.filter((m) => m.role === role).map((m) => m.id));
      expect(messages.length).toBeGreaterThan(0);
    }
    const sessionsCursor = (await body(factory('/sessions?limit=1'))).pagination as { nextCursor: string };
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=ten',
      'limit=',
      'limit=1.5',
      'role=system',
      'role=bogus',
      'role=',
      'cursor=bogus',
      `cursor=${sessionsCursor.nextCursor}`,
    ]) {
      const answer = await factory(`/sessions/${id}/messages?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json).toEqual({ detail: expect.any(String), status: 400, title: 'Bad Request' });
    }
    expect((await factory('/sessions/nope/messages')).status).toBe(404);
  });

  it("serves Factory's own shapes: tool calls and results, a system message, errors, unknown words", async () => {
    const id = tenant().factoryConversations.odd ?? '';
    const { messages } = await walkFactory(id, '100');
    const roles = new Set(messages.map((m) => m.role));
    expect(roles).toEqual(new Set(['system', 'user', 'assistant', 'tool', UNKNOWN_WORDS.factoryRole]));
    const parts = messages.flatMap((m) => list(m.content));
    expect(parts.some((p) => p.type === UNKNOWN_WORDS.factoryPart)).toBe(true);
    const uses = parts.filter((p) => p.type === 'tool_use');
    const results = parts.filter((p) => p.type === 'tool_result');
    expect(uses.length).toBeGreaterThan(0);
    expect(uses[0]).toEqual({
      type: 'tool_use',
      id: expect.any(String),
      name: expect.any(String),
      input: expect.any(Object),
    });
    expect(results.map((r) => r.tool_use_id)).toEqual(uses.map((u) => u.id));
    const failed = messages.find((m) => m.isError === true);
    expect(failed?.role).toBe('tool');
    expect(list(failed?.content)[0]?.is_error).toBe(true);
    expect(
      messages
        .filter((m) => m.role === 'tool')
        .every((m) => m.isError === (list(m.content)[0]?.is_error === true ? true : undefined)),
    ).toBe(true);
    // One message by id; an unknown id is a 404 problem.
    const one = messages[5] ?? {};
    expect(await body(factory(`/sessions/${id}/messages/${one.id}`))).toEqual(one);
    const missing = await factory(`/sessions/${id}/messages/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('runs a turn for a sent message: running, then idle with the reply appended and messageCount updated', async () => {
    const id = idleFactory[0] ?? '';
    const before = await body(factory(`/sessions/${id}`));
    const sent = await body(
      factory(`/sessions/${id}/messages`, { method: 'POST', body: { text: 'Add a regression test.' } }),
    );
    expect(sent).toEqual({ messageId: expect.any(String), status: 'running' });
    const running = await body(factory(`/sessions/${id}`));
    expect(running.status).toBe('running');
    expect(running.completedAt).toBeUndefined();
    expect(running.messageCount).toBe((before.messageCount as number) + 1);
    const mine = await body(factory(`/sessions/${id}/messages/${sent.messageId}`));
    expect(mine).toMatchObject({ role: 'user', content: [{ type: 'text', text: 'Add a regression test.' }] });
    const after = await factoryIdle(id);
    const { messages } = await walkFactory(id, '100');
    expect(after.messageCount).toBe(messages.length);
    const added = messages.slice(messages.findIndex((m) => m.id === sent.messageId));
    expect([2, 4]).toContain(added.length);
    const reply = added[added.length - 1] ?? {};
    expect(reply.role).toBe('assistant');
    expect(textOf(reply)).not.toBe('');
    if (added.length === 4) expect(added.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(after.updatedAt).toBeGreaterThan(before.updatedAt as number);
    expect(after.completedAt).toBe(reply.createdAt);
    const usage = (s: Json) => ((s.sessionSettings as Json).tokenUsage as Json).outputTokens as number;
    expect(usage(after)).toBeGreaterThan(usage(before));
  });

  it('refuses a message without text', async () => {
    const id = idleFactory[1] ?? '';
    for (const sent of [{}, { text: '' }, { text: '   ' }, { text: 5 }, [], { text: 'hi', images: 'no' }]) {
      const answer = await factory(`/sessions/${id}/messages`, { method: 'POST', body: sent });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ status: 400, title: 'Bad Request' });
    }
    expect((await factory('/sessions/nope/messages', { method: 'POST', body: { text: 'hi' } })).status).toBe(404);
  });

  it('interrupts a running turn (no reply comes), and is idempotent afterwards', async () => {
    const id = idleFactory[2] ?? '';
    const before = await body(factory(`/sessions/${id}`));
    await body(factory(`/sessions/${id}/messages`, { method: 'POST', body: { text: 'Stop me.' } }));
    expect(await body(factory(`/sessions/${id}/interrupt`, { method: 'POST' }))).toEqual({ status: 'interrupted' });
    expect((await body(factory(`/sessions/${id}`))).status).toBe('idle');
    await sleep(TURN_MS * 1.5);
    const after = await body(factory(`/sessions/${id}`));
    expect(after.messageCount).toBe((before.messageCount as number) + 1);
    expect(await body(factory(`/sessions/${id}/interrupt`, { method: 'POST' }))).toEqual({ status: 'idle' });
    // A seeded `running` session stops too.
    const seeded = tenant().factorySessions.find((s) => s.status === 'running')?.sessionId;
    expect(await body(factory(`/sessions/${seeded}/interrupt`, { method: 'POST' }))).toEqual({ status: 'interrupted' });
    expect((await body(factory(`/sessions/${seeded}`))).status).toBe('idle');
  });

  it('queues a message sent during a turn and answers it after', async () => {
    const id = idleFactory[3] ?? '';
    await body(factory(`/sessions/${id}/messages`, { method: 'POST', body: { text: 'First.' } }));
    const second = await body(factory(`/sessions/${id}/messages`, { method: 'POST', body: { text: 'Second.' } }));
    expect(second.status).toBe('running');
    await sleep(TURN_MS * 1.2);
    expect((await body(factory(`/sessions/${id}`))).status).toBe('running');
    await factoryIdle(id);
    const { messages } = await walkFactory(id, '100');
    const tail = messages.slice(messages.findIndex((m) => textOf(m) === 'First.'));
    expect(tail.filter((m) => m.role === 'user').map(textOf)).toEqual(['First.', 'Second.']);
    expect(tail[tail.length - 1]?.role).toBe('assistant');
  });

  it('merges PATCHed settings and refuses non-objects', async () => {
    const id = idleFactory[4] ?? '';
    const before = await body(factory(`/sessions/${id}`));
    const settings = before.sessionSettings as Json;
    const patched = await body(
      factory(`/sessions/${id}`, {
        method: 'PATCH',
        body: { sessionSettings: { model: 'gpt-5-codex', interactionMode: 'spec', specModeModel: null } },
      }),
    );
    expect(patched.sessionSettings).toEqual({
      ...Object.fromEntries(Object.entries(settings).filter(([key]) => key !== 'specModeModel')),
      model: 'gpt-5-codex',
      interactionMode: 'spec',
    });
    expect(patched.updatedAt).toBeGreaterThan(before.updatedAt as number);
    expect(await body(factory(`/sessions/${id}`))).toEqual(patched);
    for (const sent of [[], 'x', {}, { sessionSettings: 'fast' }, { sessionSettings: { interactionMode: 'wild' } }]) {
      expect((await factory(`/sessions/${id}`, { method: 'PATCH', body: sent })).status).toBe(400);
    }
  });

  it('soft-deletes: 204, then the session 404s and leaves every page', async () => {
    const id = idleFactory[5] ?? '';
    expect((await factory(`/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await factory(`/sessions/${id}`)).status).toBe(404);
    expect((await factory(`/sessions/${id}/messages`)).status).toBe(404);
    expect((await factory(`/sessions/${id}`, { method: 'DELETE' })).status).toBe(404);
    const ids: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await body(factory(`/sessions?limit=100${cursor ? `&cursor=${cursor}` : ''}`));
      ids.push(...list(page.sessions).map((s) => s.sessionId));
      cursor = (page.pagination as { nextCursor: string | null }).nextCursor;
    } while (cursor);
    expect(ids).not.toContain(id);
    expect(tenant().deletedFactorySessions.has(id)).toBe(true);
  });

  it("keeps tenants apart: another tenant's session is a 404 on every route", async () => {
    const id = idleFactory[6] ?? '';
    const key = DEMO_KEYS.globex.factory;
    for (const [method, path, sent] of [
      ['GET', '', undefined],
      ['GET', '/messages', undefined],
      ['POST', '/messages', { text: 'hi' }],
      ['POST', '/interrupt', undefined],
      ['PATCH', '', { sessionSettings: { model: 'x' } }],
      ['DELETE', '', undefined],
    ] as const) {
      expect((await factory(`/sessions/${id}${path}`, { method, body: sent, key })).status, `${method} ${path}`).toBe(
        404,
      );
    }
    expect((await body(factory(`/sessions/${id}`))).status).toBe('idle');
  });
});

describe('Everruns conversations', () => {
  const MESSAGE_ID = /^message_[0-9a-f]{32}$/;
  const EVENT_ID = /^event_[0-9a-f]{32}$/;

  it('lists a whole 150+ conversation oldest first in the OpenAPI Message shape', async () => {
    const id = tenant().everrunsConversations.long[1] ?? '';
    const session = await body(everruns(`/sessions/${id}`));
    const messages = list((await body(everruns(`/sessions/${id}/messages`))).data);
    expect(messages.length).toBeGreaterThanOrEqual(150);
    const micros = (text: unknown) =>
      Date.parse(`${String(text).slice(0, 19)}Z`) * 1000 + Number(String(text).slice(20, 26));
    messages.forEach((message, i) => {
      expect(message).toMatchObject({ id: expect.stringMatching(MESSAGE_ID), session_id: id, sequence: i + 1 });
      expect(message.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(['system', 'user', 'agent', 'tool_result']).toContain(message.role);
      expect(hasNoNull(message)).toBe(true);
      if (i > 0) expect(micros(message.created_at)).toBeGreaterThan(micros(messages[i - 1]?.created_at));
    });
    expect(micros(messages[0]?.created_at)).toBeGreaterThan(micros(session.created_at));
    expect(micros(messages[messages.length - 1]?.created_at)).toBeLessThan(micros(session.updated_at));
    expect(textOf(messages.find((m) => m.role === 'user') ?? {})).toBe(session.preview);
  });

  it("serves Everruns' own content parts, an unknown role and an unknown part type", async () => {
    const id = tenant().everrunsConversations.odd ?? '';
    const messages = list((await body(everruns(`/sessions/${id}/messages`))).data);
    expect(new Set(messages.map((m) => m.role))).toEqual(
      new Set(['system', 'user', 'agent', 'tool_result', UNKNOWN_WORDS.everrunsRole]),
    );
    const parts = messages.flatMap((m) => list(m.content));
    expect(new Set(parts.map((p) => p.type))).toEqual(
      new Set(['text', 'image', 'image_file', 'tool_call', 'tool_result', UNKNOWN_WORDS.everrunsPart]),
    );
    const calls = parts.filter((p) => p.type === 'tool_call');
    expect(calls[0]).toEqual({
      type: 'tool_call',
      id: expect.any(String),
      name: expect.any(String),
      arguments: expect.any(Object),
    });
    const results = parts.filter((p) => p.type === 'tool_result');
    // Every call has its result, but a session `waiting_for_tool_results` ends with a call.
    expect(calls.length - results.length).toBeLessThanOrEqual(1);
    expect(results.map((r) => r.tool_call_id)).toEqual(calls.slice(0, results.length).map((c) => c.id));
    expect(results.some((r) => typeof r.error === 'string' && !('result' in r))).toBe(true);
  });

  it('has empty conversations for sessions without a turn', async () => {
    const id = tenant().everrunsConversations.empty[0] ?? '';
    expect((await body(everruns(`/sessions/${id}`))).status).toBe('started');
    expect(await body(everruns(`/sessions/${id}/messages`))).toEqual({ data: [] });
    expect(await body(everruns(`/sessions/${id}/events`))).toEqual({ data: [] });
  });

  it('keeps the events a seeded conversation left, without deltas', async () => {
    const id = tenant().everrunsConversations.long[1] ?? '';
    const all = await events(id);
    const types = new Set(all.map((e) => e.type));
    for (const type of [
      'input.message',
      'turn.started',
      'output.message.completed',
      'turn.completed',
      'session.idled',
    ]) {
      expect(types.has(type), type).toBe(true);
    }
    expect(types.has('output.message.delta')).toBe(false);
    expect(all.every((e, i) => i === 0 || e.id > (all[i - 1]?.id ?? ''))).toBe(true);
    expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => i + 1));
  });

  it('records a turn as events in order, with increasing ids, and goes idle with the reply', async () => {
    const id = idleEverruns[0] ?? '';
    const before = await events(id);
    const lastBefore = before[before.length - 1]?.id ?? '';
    const posted = await everruns(`/sessions/${id}/messages`, {
      method: 'POST',
      body: { message: { role: 'user', content: [{ type: 'text', text: 'Ship it.' }] } },
    });
    expect(posted.status).toBe(201);
    const message = posted.json ?? {};
    expect(message).toEqual({
      id: expect.stringMatching(MESSAGE_ID),
      session_id: id,
      sequence: expect.any(Number),
      role: 'user',
      content: [{ type: 'text', text: 'Ship it.' }],
      created_at: expect.stringMatching(/\.\d{6}Z$/),
    });
    expect((await body(everruns(`/sessions/${id}`))).status).toBe('active');
    const session = await everrunsIdle(id);
    const turn = await events(id, `?since_id=${lastBefore}`);
    const types = turn.map((e) => e.type);
    const tool = types.includes('tool.started');
    const deltas = types.filter((t) => t === 'output.message.delta').length;
    expect(deltas).toBeGreaterThanOrEqual(2);
    expect(types).toEqual([
      'input.message',
      'turn.started',
      'session.activated',
      ...(tool ? ['output.message.completed', 'tool.started', 'tool.completed'] : []),
      'output.message.started',
      ...Array(deltas).fill('output.message.delta'),
      'output.message.completed',
      'turn.completed',
      'session.idled',
    ]);
    for (const [i, event] of turn.entries()) {
      expect(event.id).toMatch(EVENT_ID);
      if (i > 0) expect(event.id > (turn[i - 1]?.id ?? '')).toBe(true);
      expect(event.session_id).toBe(id);
      expect(event.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(event.sequence).toBe((before.length || 0) + i + 1);
      expect(hasNoNull(event)).toBe(true);
    }
    expect(turn[0]?.data).toEqual({ message });
    const turnId = turn[1]?.data.turn_id;
    expect(turnId).toMatch(/^turn_[0-9a-f]{32}$/);
    expect(turn[1]?.data).toEqual({ turn_id: turnId, input_message_id: message.id, input_content: 'Ship it.' });
    expect(turn.slice(1).every((e) => e.context.turn_id === turnId && e.context.input_message_id === message.id)).toBe(
      true,
    );
    const deltaEvents = turn.filter((e) => e.type === 'output.message.delta');
    let accumulated = '';
    for (const delta of deltaEvents) {
      accumulated += delta.data.delta as string;
      expect(delta.data).toEqual({ turn_id: turnId, delta: expect.any(String), accumulated });
    }
    const completed = turn[turn.length - 3]?.data ?? {};
    expect(textOf(completed.message as Json)).toBe(accumulated);
    expect(turn[turn.length - 2]?.data).toMatchObject({
      turn_id: turnId,
      iterations: tool ? 2 : 1,
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
    });
    expect(turn[turn.length - 1]?.data).toMatchObject({ turn_id: turnId, usage: session.usage });
    expect(session.output_preview).toBe(accumulated);
    const messages = list((await body(everruns(`/sessions/${id}/messages`))).data);
    expect(messages[messages.length - 1]).toEqual((completed.message as Json) ?? {});
  });

  it('filters events with since_id, exclude and types (repeated keys); an unknown type is a 400', async () => {
    const id = idleEverruns[0] ?? '';
    const all = await events(id);
    expect(all.length).toBeGreaterThan(10);
    for (const k of [0, 5, all.length - 2, all.length - 1]) {
      expect(await events(id, `?since_id=${all[k]?.id}`)).toEqual(all.slice(k + 1));
    }
    const noDeltas = await events(id, '?exclude=output.message.delta');
    expect(noDeltas).toEqual(all.filter((e) => e.type !== 'output.message.delta'));
    const neither = await events(id, '?exclude=output.message.delta&exclude=input.message');
    expect(neither).toEqual(all.filter((e) => e.type !== 'output.message.delta' && e.type !== 'input.message'));
    const only = await events(id, `?types=turn.started&types=turn.completed&since_id=${all[2]?.id}`);
    expect(only).toEqual(all.slice(3).filter((e) => e.type === 'turn.started' || e.type === 'turn.completed'));
    const unknown = await everruns(`/sessions/${id}/events?exclude=output.message.delta&exclude=made.up`);
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ error: expect.stringContaining('made.up') });
    expect((await everruns(`/sessions/${id}/events?types=bogus`)).status).toBe(400);
    const badSince = await everruns(`/sessions/${id}/events?since_id=event_123`);
    expect(badSince.status).toBe(400);
    expect(badSince.text).toMatch(/^Failed to deserialize query string/);
  });

  it('records tool.started and tool.completed when a turn uses a tool', async () => {
    const id = idleEverruns[1] ?? '';
    let turn: EverrunsEventJson[] = [];
    for (let attempt = 0; attempt < 12 && !turn.some((e) => e.type === 'tool.started'); attempt++) {
      const last = (await events(id)).at(-1)?.id ?? '';
      await body(
        everruns(`/sessions/${id}/messages`, {
          method: 'POST',
          body: { message: { content: [{ type: 'text', text: 'Check.' }] } },
        }),
        201,
      );
      await everrunsIdle(id);
      turn = await events(id, `?since_id=${last}`);
    }
    const started = turn.find((e) => e.type === 'tool.started')?.data.tool_call as Json;
    expect(started).toEqual({ id: expect.any(String), name: expect.any(String), arguments: expect.any(Object) });
    expect(turn.find((e) => e.type === 'tool.completed')?.data).toMatchObject({
      tool_call_id: started.id,
      tool_name: started.name,
      success: true,
      status: 'success',
      result: [{ type: 'text', text: expect.any(String) }],
    });
    const messages = list((await body(everruns(`/sessions/${id}/messages`))).data).slice(-3);
    expect(messages.map((m) => m.role)).toEqual(['agent', 'tool_result', 'agent']);
    expect(list(messages[0]?.content)[1]).toEqual({ type: 'tool_call', ...started });
    expect(list(messages[1]?.content)[0]).toMatchObject({ type: 'tool_result', tool_call_id: started.id });
  });

  it('refuses malformed messages', async () => {
    const id = idleEverruns[2] ?? '';
    for (const sent of [
      {},
      { message: {} },
      { message: { content: [] } },
      { message: { content: [{ type: 'tool_call', id: 'x', name: 'y', arguments: {} }] } },
      { message: { role: 'agent', content: [{ type: 'text', text: 'hi' }] } },
      { message: { content: [{ type: 'text', text: 'hi' }] }, controls: { model_id: 'gpt' } },
    ]) {
      const answer = await everruns(`/sessions/${id}/messages`, { method: 'POST', body: sent });
      expect(answer.status, JSON.stringify(sent)).toBe(400);
      expect(answer.json).toEqual({ error: expect.any(String) });
    }
    expect((await body(everruns(`/sessions/${id}`))).status).toBe('idle');
    const missing = await everruns(`/sessions/session_${'0'.repeat(32)}/messages`);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
  });

  it('cancels a running turn: turn.cancelled, an agent message saying so, session.idled; then no_op', async () => {
    const id = idleEverruns[3] ?? '';
    const last = (await events(id)).at(-1)?.id ?? '';
    await body(
      everruns(`/sessions/${id}/messages`, {
        method: 'POST',
        body: { message: { content: [{ type: 'text', text: 'Go.' }] } },
      }),
      201,
    );
    expect(await body(everruns(`/sessions/${id}/cancel`, { method: 'POST' }))).toEqual({
      status: 'cancelled',
      message: 'Turn cancelled successfully',
    });
    expect((await body(everruns(`/sessions/${id}`))).status).toBe('idle');
    await sleep(TURN_MS * 1.5);
    const turn = await events(id, `?since_id=${last}`);
    expect(turn.map((e) => e.type)).toEqual([
      'input.message',
      'turn.started',
      'session.activated',
      'turn.cancelled',
      'session.idled',
    ]);
    const turnId = turn[1]?.data.turn_id;
    expect(turn[3]?.data).toEqual({ turn_id: turnId, reason: expect.any(String) });
    const messages = list((await body(everruns(`/sessions/${id}/messages`))).data);
    expect(messages.at(-1)).toMatchObject({
      role: 'agent',
      content: [{ type: 'text', text: 'The turn was cancelled.' }],
    });
    expect(await body(everruns(`/sessions/${id}/cancel`, { method: 'POST' }))).toEqual({
      status: 'no_op',
      message: 'No active turn to cancel',
    });
    // A seeded `active` session's open turn is the one cancelled.
    const seeded = tenant().everrunsSessions.find(
      (s) => s.json.status === 'active' && !tenant().everrunsConversations.long.includes(s.json.id),
    );
    const seededId = seeded?.json.id ?? '';
    const open = (await events(seededId)).filter((e) => e.type === 'turn.started').at(-1)?.data.turn_id;
    expect((await body(everruns(`/sessions/${seededId}/cancel`, { method: 'POST' }))).status).toBe('cancelled');
    expect((await events(seededId, '?types=turn.cancelled')).map((e) => e.data.turn_id)).toEqual([open]);
  });

  it("keeps tenants apart: another tenant's session is a 404 on the conversation routes", async () => {
    const id = idleEverruns[4] ?? '';
    const key = DEMO_KEYS.globex.everruns;
    expect((await everruns(`/sessions/${id}/messages`, { key })).status).toBe(404);
    expect((await everruns(`/sessions/${id}/events`, { key })).status).toBe(404);
    const post = { message: { content: [{ type: 'text', text: 'hi' }] } };
    expect((await everruns(`/sessions/${id}/messages`, { method: 'POST', body: post, key })).status).toBe(404);
    expect((await everruns(`/sessions/${id}/cancel`, { method: 'POST', key })).status).toBe(404);
    expect((await body(everruns(`/sessions/${id}`))).status).toBe('idle');
  });
});

describe('the event store, the answer cache, counters and faults', () => {
  it('tells listeners every event as it is recorded, and lets them go', async () => {
    const id = idleEverruns[5] ?? '';
    const seen: [string, boolean][] = [];
    const stop = emulator.events.onEvent(id, (event, stored) => seen.push([event.type, stored]));
    expect(emulator.events.listenerCount(id)).toBe(1);
    await body(
      everruns(`/sessions/${id}/messages`, {
        method: 'POST',
        body: { message: { content: [{ type: 'text', text: 'Hi.' }] } },
      }),
      201,
    );
    await everrunsIdle(id);
    stop();
    expect(emulator.events.listenerCount(id)).toBe(0);
    expect(seen[0]).toEqual(['input.message', true]);
    expect(seen.at(-1)).toEqual(['session.idled', true]);
    expect(seen.every(([, stored]) => stored)).toBe(true);
    const stored = emulator.events.eventsAfter(id).slice(-seen.length);
    expect(stored.map((e) => e.type)).toEqual(seen.map(([type]) => type));
  });

  it('can keep deltas ephemeral: told to listeners, never stored', async () => {
    const other = await startEmulator({ turnMs: 30, ephemeralDeltas: true });
    try {
      const id = idleEverrunsSessions(acmeOf(other))[0] ?? '';
      const seen: [string, boolean, string][] = [];
      other.events.onEvent(id, (event, stored) => seen.push([event.type, stored, event.id]));
      const answer = await fetch(`${other.everrunsUrl}/v1/sessions/${id}/messages`, {
        method: 'POST',
        headers: { authorization: DEMO_KEYS.acme.everruns, 'content-type': 'application/json' },
        body: JSON.stringify({ message: { content: [{ type: 'text', text: 'Hi.' }] } }),
      });
      expect(answer.status).toBe(201);
      await vi.waitFor(() => expect(seen.at(-1)?.[0]).toBe('session.idled'), { timeout: 5_000, interval: 20 });
      const deltas = seen.filter(([type]) => type === 'output.message.delta');
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.every(([, stored]) => !stored)).toBe(true);
      expect(seen.map(([, , eventId]) => eventId)).toEqual(seen.map(([, , eventId]) => eventId).sort());
      expect(other.events.eventsAfter(id).some((e) => e.type === 'output.message.delta')).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('never serves a cached status once a turn has moved on (both sources)', async () => {
    const factoryId = idleFactory[7] ?? '';
    const everrunsId = idleEverruns[6] ?? '';
    await body(factory(`/sessions/${factoryId}/messages`, { method: 'POST', body: { text: 'Go.' } }));
    const post = { message: { content: [{ type: 'text', text: 'Go.' }] } };
    await body(everruns(`/sessions/${everrunsId}/messages`, { method: 'POST', body: post }), 201);
    // Read (and cache) the running state, then wait for the timers to end the turns.
    expect((await body(factory(`/sessions/${factoryId}`))).status).toBe('running');
    expect((await body(everruns(`/sessions/${everrunsId}`))).status).toBe('active');
    const listed = async () =>
      list((await body(factory('/sessions?limit=100'))).sessions).find((s) => s.sessionId === factoryId);
    expect((await listed())?.status).toBe('running');
    const eventCount = (await events(everrunsId)).length;
    await sleep(TURN_MS * 1.5);
    expect((await body(factory(`/sessions/${factoryId}`))).status).toBe('idle');
    expect((await listed())?.status).toBe('idle');
    expect((await body(everruns(`/sessions/${everrunsId}`))).status).toBe('idle');
    expect((await events(everrunsId)).length).toBeGreaterThan(eventCount);
  });

  it('counts the new routes by name and applies faults to them', async () => {
    const factoryId = tenant().factoryConversations.long[0] ?? '';
    const everrunsId = tenant().everrunsConversations.long[0] ?? '';
    const messageId = tenant().conversations.factory(factoryId)[0]?.id;
    await factory(`/sessions/${factoryId}/messages`);
    await factory(`/sessions/${factoryId}/messages/${messageId}`);
    await factory(`/sessions/${factoryId}/interrupt`, { method: 'POST' });
    await everruns(`/sessions/${everrunsId}/messages`);
    await everruns(`/sessions/${everrunsId}/events`);
    await everruns(`/sessions/${everrunsId}/messages`, { method: 'POST', body: {} });
    expect(emulator.switchboard.counts()).toEqual({
      'GET /api/v0/sessions/:id/messages': 1,
      'GET /api/v0/sessions/:id/messages/:messageId': 1,
      'POST /api/v0/sessions/:id/interrupt': 1,
      'GET /v1/sessions/:id/messages': 1,
      'GET /v1/sessions/:id/events': 1,
      'POST /v1/sessions/:id/messages': 1,
    });
    emulator.switchboard.inject({ route: 'GET /v1/sessions/:id/events', status: 503, times: 1 });
    emulator.switchboard.inject({ route: 'GET /api/v0/sessions/:id/messages', status: 429, times: 1 });
    expect((await everruns(`/sessions/${everrunsId}/events`)).status).toBe(503);
    expect((await everruns(`/sessions/${everrunsId}/events`)).status).toBe(200);
    const limited = await factory(`/sessions/${factoryId}/messages`);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ status: 429, title: 'Too Many Requests' });
    // Faults that rewrite sessions leave message and event answers alone.
    emulator.switchboard.inject({ route: '*', unknownStatus: 'weird', extraField: true, dropField: 'id' });
    const plain = tenant().conversations.factory(factoryId).slice(0, 20);
    expect((await body(factory(`/sessions/${factoryId}/messages`))).messages).toEqual(plain);
    const messages = list((await body(everruns(`/sessions/${everrunsId}/messages`))).data);
    expect(messages).toEqual(tenant().conversations.everruns(everrunsId));
    expect((await body(everruns(`/sessions/${everrunsId}`))).status).toBe('weird');
    emulator.switchboard.clearFaults();
  });

  it('stops turns on close: no timer fires afterwards', async () => {
    const other = await startEmulator({ turnMs: 50 });
    const id = idleEverrunsSessions(acmeOf(other))[0] ?? '';
    const answer = await fetch(`${other.everrunsUrl}/v1/sessions/${id}/messages`, {
      method: 'POST',
      headers: { authorization: DEMO_KEYS.acme.everruns, 'content-type': 'application/json' },
      body: JSON.stringify({ message: { content: [{ type: 'text', text: 'Hi.' }] } }),
    });
    expect(answer.status).toBe(201);
    await other.close();
    const count = other.events.eventsAfter(id).length;
    await sleep(150);
    expect(other.events.eventsAfter(id).length).toBe(count);
    expect(other.tenants.get('acme')?.everrunsSessions.find((s) => s.json.id === id)?.json.status).toBe('active');
  });
});

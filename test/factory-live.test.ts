import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RESILIENCE } from '../src/config.js';
import { DEMO_KEYS, type Emulator, startEmulator, type Tenant } from '../src/emulator/index.js';
import type { UpstreamError } from '../src/sources/errors.js';
import { factoryLive } from '../src/sources/factory/live.js';
import { CallCancel, type UpstreamHttp } from '../src/sources/http.js';
import type { LiveAccess, LiveEvent, LiveModule } from '../src/sources/live.js';
import { createUpstreams, type Upstreams } from '../src/upstreams.js';
import { testConfig } from './harness.js';

/** Longer than the slowest poll interval below, so every turn is seen running. */
const TURN_MS = 800;
const KEY: string = DEMO_KEYS.acme.factory;

let emulator: Emulator;
let upstreams: Upstreams;
/** Idle sessions with a handful of messages, one per test. */
let idle: string[];
let longIdle: string;
const stops: (() => void)[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ turnMs: TURN_MS });
  const acme = tenant();
  const skip = new Set([...acme.factoryConversations.long, ...acme.factoryConversations.empty]);
  idle = acme.factorySessions.filter((s) => s.status === 'idle' && !skip.has(s.sessionId)).map((s) => s.sessionId);
  const long = acme.factorySessions.find(
    (s) => s.status === 'idle' && acme.factoryConversations.long.includes(s.sessionId),
  );
  if (!long) throw new Error('no idle long Factory session');
  longIdle = long.sessionId;
});
afterAll(async () => {
  await emulator.close();
});
// A fresh HTTP layer per test: no retries, so the poller's own backoff meets every fault.
beforeEach(() => {
  upstreams = createUpstreams(
    testConfig(emulator, { resilience: { ...DEFAULT_RESILIENCE, retries: 0, breakerFailures: 1_000 } }),
  );
  emulator.switchboard.reset();
});
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await upstreams.close();
});

function tenant(): Tenant {
  const found = emulator.tenants.get('acme');
  if (!found) throw new Error('no tenant acme');
  return found;
}

function nextIdle(): string {
  const id = idle.shift();
  if (!id) throw new Error('out of idle Factory sessions');
  return id;
}

function http(): UpstreamHttp {
  const layer = upstreams.http.get('FACTORY');
  if (!layer) throw new Error('Factory is not configured');
  return layer;
}

function accessOf(key = KEY): { access: LiveAccess; signal: CallCancel } {
  const signal = new CallCancel();
  const access: LiveAccess = {
    http: http(),
    signal,
    readTimeoutMs: 45_000,
    call: () => ({
      apiKey: key,
      credential: `test:${key}`,
      signal,
      budget: { deadline: Date.now() + 5_000, retriesLeft: 10, upstreamCalls: 0, retries: 0 },
    }),
  };
  return { access, signal };
}

interface Watched {
  readonly events: LiveEvent[];
  readonly reconnects: boolean[];
  readies: number;
  failure: UpstreamError | null;
  stop: () => void;
  readonly signal: CallCancel;
  readonly access: LiveAccess;
}

function watch(module: LiveModule, sessionId: string, key = KEY): Watched {
  const { access, signal } = accessOf(key);
  const watched: Watched = { events: [], reconnects: [], readies: 0, failure: null, stop: () => {}, signal, access };
  watched.stop = module.watch(
    access,
    sessionId,
    { deltas: true },
    {
      ready: () => {
        watched.readies += 1;
      },
      event: (event) => watched.events.push(event),
      reconnecting: (planned) => watched.reconnects.push(planned),
      fail: (error) => {
        watched.failure = error;
      },
    },
  );
  stops.push(watched.stop);
  return watched;
}

async function factory(path: string, method = 'GET', body?: unknown): Promise<number> {
  const response = await fetch(`${emulator.factoryUrl}/api/v0${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.text();
  return response.status;
}

const post = (sessionId: string, text = 'Please run the tests again.') =>
  factory(`/sessions/${sessionId}/messages`, 'POST', { text });

/** GETs of the session itself: one per poll. */
const polls = (sessionId: string) =>
  emulator.switchboard.requests.filter((r) => r.method === 'GET' && r.path === `/api/v0/sessions/${sessionId}`).length;

const conversation = (sessionId: string) => tenant().conversations.factory(sessionId);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An event as a short word, for whole-sequence assertions. */
function word(event: LiveEvent): string {
  const body = event.body;
  switch (body.kind) {
    case 'MESSAGE_ADDED':
      return `MESSAGE_ADDED:${body.message.upstreamRole}:${body.message.sourceId}`;
    case 'STATE_CHANGED':
      return `STATE_CHANGED:${body.upstreamStatus}`;
    case 'TURN_ENDED':
      return `TURN_ENDED:${body.outcome}`;
    default:
      return body.kind;
  }
}

/** What the hub delivers after `last`: each event `isAfter` the last one delivered. */
function deliverAfter(module: LiveModule, events: readonly LiveEvent[], last: string): string[] {
  const out: string[] = [];
  let at = last;
  for (const event of events) {
    if (!module.isAfter(event, at)) continue;
    out.push(word(event));
    at = event.position;
  }
  return out;
}

async function ready(watched: Watched): Promise<void> {
  await vi.waitFor(() => expect(watched.readies).toBe(1));
}

async function until(watched: Watched, last: string): Promise<void> {
  await vi.waitFor(() => expect(watched.events.map(word).at(-1)).toBe(last), { timeout: 5_000, interval: 20 });
}

describe('Factory live activity (poller)', () => {
  it('emits a turn in order, each event once; replay and isAfter agree with it', async () => {
    // The first poll after the snapshot comes after the message is sent, so it sees the turn's start.
    const module = factoryLive({ fastMs: 200, slowMs: 400 });
    const id = nextIdle();
    const watched = watch(module, id);
    await ready(watched);
    expect(watched.events).toEqual([]);
    const seen = conversation(id).length;
    expect(await post(id)).toBe(200);
    await until(watched, 'STATE_CHANGED:idle');
    await sleep(400);

    const added = conversation(id).slice(seen);
    expect(added[0]?.role).toBe('user');
    expect(added.at(-1)?.role).toBe('assistant');
    const expected = [
      'TURN_STARTED',
      'STATE_CHANGED:running',
      ...added.map((m) => `MESSAGE_ADDED:${m.role}:${m.id}`),
      'TURN_ENDED:COMPLETED',
      'STATE_CHANGED:idle',
    ];
    const events = watched.events;
    expect(events.map(word)).toEqual(expected);
    expect(events.map((e) => e.upstreamType)).toEqual([
      'session.status',
      'session.status',
      ...added.map(() => 'message.created'),
      'session.status',
      'session.status',
    ]);
    expect(events.every((e) => typeof e.at === 'number')).toBe(true);
    const at = events.map((e) => Number(e.at));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    for (const event of events) expect(module.acceptsPosition(event.position)).toBe(true);

    const second = events[1];
    if (!second) throw new Error('no second event');
    const replayed = await module.replay(watched.access, id, second.position, { deltas: true });
    expect(replayed.map(word)).toEqual(expected.slice(2));
    // The hub: replay, then the watch's events after the last one replayed: nothing twice.
    const lastReplayed = replayed.at(-1)?.position ?? second.position;
    expect(deliverAfter(module, events, lastReplayed)).toEqual([]);
    events.forEach((event, j) => {
      expect(deliverAfter(module, events, event.position), `after event ${j}`).toEqual(expected.slice(j + 1));
    });
  });

  it('polls fast while a turn runs and backs off while idle', async () => {
    const module = factoryLive({ fastMs: 30, slowMs: 300 });
    const id = nextIdle();
    const watched = watch(module, id);
    await ready(watched);
    await sleep(1_000);
    const idleFrom = polls(id);
    await sleep(1_200);
    const idlePolls = polls(id) - idleFrom;
    expect(idlePolls).toBeGreaterThanOrEqual(2);
    expect(idlePolls).toBeLessThanOrEqual(6);

    await post(id);
    await vi.waitFor(() => expect(watched.events.map(word)).toContain('TURN_STARTED'), { interval: 10 });
    const runningFrom = polls(id);
    await sleep(300);
    expect(polls(id) - runningFrom).toBeGreaterThanOrEqual(4);
    await until(watched, 'STATE_CHANGED:idle');
  });

  it('ends with NOT_FOUND for an unknown session, and when the session is deleted', async () => {
    const module = factoryLive({ fastMs: 30, slowMs: 60 });
    const unknown = watch(module, 'no-such-session');
    await vi.waitFor(() => expect(unknown.failure?.code).toBe('NOT_FOUND'));
    expect(unknown.readies).toBe(0);

    const id = nextIdle();
    const watched = watch(module, id);
    await ready(watched);
    expect(await factory(`/sessions/${id}`, 'DELETE')).toBe(204);
    await vi.waitFor(() => expect(watched.failure?.code).toBe('NOT_FOUND'));
    const after = polls(id);
    await sleep(200);
    expect(polls(id)).toBe(after);
    expect(watched.events).toEqual([]);
  });

  it('ends with UNAUTHENTICATED and FORBIDDEN for refused keys', async () => {
    const module = factoryLive({ fastMs: 30, slowMs: 60 });
    const id = nextIdle();
    const refused = watch(module, id, 'fk-not-a-key');
    const member = watch(module, id, DEMO_KEYS.memberFactory);
    await vi.waitFor(() => expect(refused.failure?.code).toBe('UNAUTHENTICATED'));
    await vi.waitFor(() => expect(member.failure?.code).toBe('FORBIDDEN'));
    expect(refused.readies + member.readies).toBe(0);
  });

  it('keeps polling through 503s and delivers what happened meanwhile, once', async () => {
    const module = factoryLive({ fastMs: 30, slowMs: 200 });
    const id = nextIdle();
    const watched = watch(module, id);
    await ready(watched);
    const seen = conversation(id).length;
    await post(id);
    emulator.switchboard.inject({ route: '*', pathIncludes: `/api/v0/sessions/${id}`, status: 503, times: 4 });
    await vi.waitFor(() => expect(watched.events.map(word)).toContain('TURN_ENDED:COMPLETED'), { timeout: 5_000 });
    await sleep(300);

    expect(watched.failure).toBeNull();
    expect(watched.reconnects).toEqual([false]);
    const words = watched.events.map(word);
    const added = conversation(id).slice(seen);
    expect(words.filter((w) => w.startsWith('MESSAGE_ADDED'))).toEqual(
      added.map((m) => `MESSAGE_ADDED:${m.role}:${m.id}`),
    );
    expect(words.filter((w) => w === 'TURN_STARTED')).toHaveLength(1);
    expect(words.filter((w) => w.startsWith('TURN_ENDED'))).toHaveLength(1);
    expect(words.indexOf('TURN_STARTED')).toBeLessThan(words.indexOf(`MESSAGE_ADDED:user:${added[0]?.id}`));
  });

  it('ends a turn stopped by an interrupt as CANCELLED', async () => {
    const module = factoryLive({ fastMs: 30, slowMs: 300 });
    const id = nextIdle();
    const watched = watch(module, id);
    await ready(watched);
    await post(id);
    await vi.waitFor(() => expect(watched.events.map(word)).toContain('TURN_STARTED'), { interval: 10 });
    expect(await factory(`/sessions/${id}/interrupt`, 'POST')).toBe(200);
    await until(watched, 'STATE_CHANGED:idle');
    expect(watched.events.map(word).slice(-2)).toEqual(['TURN_ENDED:CANCELLED', 'STATE_CHANGED:idle']);
  });

  it('walks a long conversation page by page, then reads on from its last page', async () => {
    const module = factoryLive({ fastMs: 30, slowMs: 200 });
    const id = longIdle;
    const messages = conversation(id);
    expect(messages.length).toBeGreaterThan(100);
    const { access } = accessOf();
    const all = await module.replay(access, id, '[0,"","idle",0,0]', { deltas: false });
    // The agent wrote since that position, and no status seen said so: one turn wraps it all.
    expect(all.map(word)).toEqual([
      'TURN_STARTED',
      ...messages.map((m) => `MESSAGE_ADDED:${m.role}:${m.id}`),
      'TURN_ENDED:COMPLETED',
    ]);

    const watched = watch(module, id);
    await ready(watched);
    const seen = messages.length;
    await post(id);
    await until(watched, 'STATE_CHANGED:idle');
    const added = conversation(id).slice(seen);
    expect(watched.events.map(word).filter((w) => w.startsWith('MESSAGE_ADDED'))).toEqual(
      added.map((m) => `MESSAGE_ADDED:${m.role}:${m.id}`),
    );
    // After the walk, polls start from the cursor of the page that held the last message.
    const lists = emulator.switchboard.requests.filter(
      (r) => r.method === 'GET' && r.path === `/api/v0/sessions/${id}/messages`,
    );
    const walk = Math.ceil(seen / 100);
    expect(lists.slice(walk * 2).every((r) => r.query.cursor !== undefined && r.query.limit === '100')).toBe(true);
  });

  it('stops polling when stopped or when its signal aborts', async () => {
    const module = factoryLive({ fastMs: 20, slowMs: 40 });
    const id = nextIdle();
    const stopped = watch(module, id);
    await ready(stopped);
    await sleep(150);
    stopped.stop();
    const other = nextIdle();
    const aborted = watch(module, other);
    await ready(aborted);
    await sleep(150);
    aborted.signal.abort();
    const counts = [polls(id), polls(other)];
    await post(id);
    await post(other);
    await sleep(TURN_MS + 200);
    expect([polls(id), polls(other)]).toEqual(counts);
    expect(stopped.events).toEqual([]);
    expect(aborted.events).toEqual([]);
    expect(stopped.failure ?? aborted.failure).toBeNull();
  });

  it('accepts only positions of its own shape', () => {
    const module = factoryLive();
    expect(module.acceptsPosition('[0,"","idle",0,0]')).toBe(true);
    expect(
      module.acceptsPosition('[1764880000000,"9d7c0b1e-1c3f-4a51-8f22-0f7c1d2e3a4b","running",1,1764880000001]'),
    ).toBe(true);
    for (const text of [
      '',
      'garbage',
      '[1,"a","idle",1]',
      '[1,"a","idle",1,2,3]',
      '[1,"a","idle",2,2]',
      '[1,"","idle",0,0]',
      '["1","a","idle",0,0]',
      '{"t":1}',
      `[1,"${'a'.repeat(300)}","idle",0,0]`,
      `[1,"a","${'x'.repeat(600)}",0,0]`,
    ]) {
      expect(module.acceptsPosition(text), text).toBe(false);
    }
  });
});

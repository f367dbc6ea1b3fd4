import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_KEYS, type Emulator, type EverrunsEventJson, startEmulator, type Tenant } from '../src/emulator/index.js';

/** Long enough to watch a turn stream, short enough to wait for. */
const TURN_MS = 200;
const RETRY_MS = 250;
const HEARTBEAT_MS = 100;
const ROUTE = 'GET /v1/sessions/:id/sse';
const EVENT_ID = /^event_[0-9a-f]{32}$/;

let emulator: Emulator;
/** Idle sessions with a history, one per test, picked before any test changes the world. */
let idle: string[];
const clients: SseClient[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ turnMs: TURN_MS, sseRetryMs: RETRY_MS, sseHeartbeatMs: HEARTBEAT_MS });
  idle = idleSessions(tenantOf(emulator, 'acme'));
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.switchboard.reset();
});
afterEach(async () => {
  // A failed test leaves its streams open: close them so the next test starts with none.
  for (const client of clients.splice(0)) client.close();
  await vi.waitFor(() => expect(emulator.openSseStreams()).toBe(0), { timeout: 5_000, interval: 10 });
});

/** One SSE frame: its fields, or the comment of a comment-only block. */
interface Frame {
  readonly id?: string;
  readonly event?: string;
  readonly retry?: number;
  readonly data?: string;
  readonly comment?: string;
}

function parseFrame(block: string): Frame {
  const fields: { id?: string; event?: string; retry?: number; data?: string; comment?: string } = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      fields.comment = line.slice(1).trim();
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'id') fields.id = value;
    else if (name === 'event') fields.event = value;
    else if (name === 'retry') fields.retry = Number(value);
    else if (name === 'data') fields.data = fields.data === undefined ? value : `${fields.data}\n${value}`;
  }
  return fields;
}

/** Reads an open stream into `frames` until it ends (`ended`) or fails (`failed`). */
class SseClient {
  readonly frames: Frame[] = [];
  ended = false;
  failed = false;
  readonly done: Promise<void>;

  constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.done = this.pump();
  }

  /** Domain events (not `connected`, `disconnecting` or heartbeats). */
  get events(): Frame[] {
    return this.frames.filter((f) => f.event !== undefined && f.event !== 'connected' && f.event !== 'disconnecting');
  }

  get heartbeats(): number {
    return this.frames.filter((f) => f.comment !== undefined && f.event === undefined).length;
  }

  close(): void {
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    const body = this.response.body;
    if (!body) {
      this.ended = true;
      return;
    }
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          this.frames.push(parseFrame(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
      }
      this.ended = true;
    } catch {
      this.failed = true;
    }
  }
}

function tenantOf(of: Emulator, name: 'acme' | 'globex'): Tenant {
  const found = of.tenants.get(name);
  if (!found) throw new Error(`no tenant ${name}`);
  return found;
}

function idleSessions(of: Tenant): string[] {
  const skip = new Set(of.everrunsConversations.long);
  return of.everrunsSessions.filter((s) => s.json.status === 'idle' && !skip.has(s.json.id)).map((s) => s.json.id);
}

/** Opens `/sse` of a session; a 200 gives a client reading the stream, anything else its body text. */
async function open(
  sessionId: string,
  query = '',
  { of = emulator, key = DEMO_KEYS.acme.everruns }: { of?: Emulator; key?: string } = {},
): Promise<{ status: number; text: string; client: SseClient | null }> {
  const controller = new AbortController();
  const response = await fetch(`${of.everrunsUrl}/v1/sessions/${sessionId}/sse${query}`, {
    headers: { authorization: key },
    signal: controller.signal,
  });
  if (response.status !== 200) return { status: response.status, text: await response.text(), client: null };
  const client = new SseClient(response, controller);
  clients.push(client);
  return { status: 200, text: '', client };
}

async function stream(sessionId: string, query = '', of = emulator): Promise<SseClient> {
  const { status, client } = await open(sessionId, query, { of });
  expect(status).toBe(200);
  if (!client) throw new Error('no stream');
  await vi.waitFor(() => expect(client.frames.length).toBeGreaterThan(0), { timeout: 5_000, interval: 10 });
  return client;
}

async function events(sessionId: string, query = '', of = emulator): Promise<EverrunsEventJson[]> {
  const response = await fetch(`${of.everrunsUrl}/v1/sessions/${sessionId}/events${query}`, {
    headers: { authorization: DEMO_KEYS.acme.everruns },
  });
  expect(response.status).toBe(200);
  const body: { data: EverrunsEventJson[] } = await response.json();
  return body.data;
}

async function send(sessionId: string, text: string, of = emulator): Promise<void> {
  const response = await fetch(`${of.everrunsUrl}/v1/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { authorization: DEMO_KEYS.acme.everruns, 'content-type': 'application/json' },
    body: JSON.stringify({ message: { content: [{ type: 'text', text }] } }),
  });
  expect(response.status).toBe(201);
}

/** The id of the session's last stored event ('' when it has none). */
async function lastId(sessionId: string, of = emulator): Promise<string> {
  return (await events(sessionId, '', of)).at(-1)?.id ?? '';
}

/** Waits until the stream has carried a `session.idled` after event `after` (the turn sent then is over). */
async function turnOver(client: SseClient, after: string): Promise<void> {
  await vi.waitFor(
    () => expect(client.events.some((f) => f.event === 'session.idled' && dataOf(f).id > after)).toBe(true),
    { timeout: 10_000, interval: 20 },
  );
}

function dataOf(frame: Frame | undefined): EverrunsEventJson {
  return JSON.parse(frame?.data ?? 'null');
}

/** Checks each event frame against its JSON: `id:` (when stored), `event:`, `retry:`, one-line `data:`. */
function expectFrames(frames: readonly Frame[], stored = (_type: string) => true): void {
  for (const frame of frames) {
    const event = dataOf(frame);
    expect(frame.event).toBe(event.type);
    expect(frame.retry).toBe(RETRY_MS);
    expect(frame.data).not.toContain('\n');
    expect(frame.id).toBe(stored(event.type) ? event.id : undefined);
  }
}

describe('Everruns /sse', () => {
  it('answers an open text/event-stream that starts with connected, then live events only', async () => {
    const id = tenantOf(emulator, 'acme').everrunsConversations.long[0] ?? '';
    const client = await stream(id);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream');
    expect(client.response.headers.get('cache-control')).toBe('no-cache');
    const [connected] = client.frames;
    expect(connected?.event).toBe('connected');
    expect(connected?.id).toBeUndefined();
    expect(JSON.parse(connected?.data ?? '{}')).toEqual({ status: 'connected', session_id: id });
    // The session has a long history, but without since_id none of it is replayed.
    await vi.waitFor(() => expect(client.heartbeats).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 20 });
    expect(client.events).toEqual([]);
    expect(client.ended).toBe(false);
    expect(emulator.openSseStreams(id)).toBe(1);
    expect(emulator.switchboard.count(ROUTE)).toBe(1);
    client.close();
  });

  it("streams a turn's events live, in order, each with its id, as /events stores them", async () => {
    const id = idle[0] ?? '';
    const before = await lastId(id);
    const client = await stream(id);
    await send(id, 'Ship it.');
    await turnOver(client, before);
    const stored = await events(id, `?since_id=${before}`);
    expect(client.events.map((f) => f.id)).toEqual(stored.map((e) => e.id));
    expect(client.events.map(dataOf)).toEqual(stored);
    for (const event of stored) expect(event.id).toMatch(EVENT_ID);
    expect(stored.map((e) => e.type)).toContain('output.message.delta');
    expectFrames(client.events);
    client.close();
  });

  it('replays the events after since_id, then goes on live with no gap and no duplicate', async () => {
    const id = idle[1] ?? '';
    const history = await events(id);
    expect(history.length).toBeGreaterThan(5);
    const since = history[history.length - 5]?.id ?? '';
    const client = await stream(id, `?since_id=${since}`);
    const before = await lastId(id);
    await send(id, 'Once more.');
    await turnOver(client, before);
    const stored = await events(id, `?since_id=${since}`);
    expect(stored.length).toBeGreaterThan(4);
    expect(client.events.map((f) => f.id)).toEqual(stored.map((e) => e.id));
    expect(client.events.map(dataOf)).toEqual(stored);
    expect(client.frames[0]?.event).toBe('connected');
    expectFrames(client.events);
    client.close();
  });

  it('leaves out excluded types, in the replay and live, and keeps to types', async () => {
    const id = idle[2] ?? '';
    const history = await events(id);
    expect(history.length).toBeGreaterThan(3);
    const since = history[history.length - 3]?.id ?? '';
    const noDeltas = await stream(id, `?since_id=${since}&exclude=output.message.delta`);
    const only = await stream(id, `?since_id=${since}&types=turn.started&types=session.idled`);
    const before = await lastId(id);
    await send(id, 'No deltas, please.');
    await turnOver(noDeltas, before);
    await turnOver(only, before);
    const all = await events(id, `?since_id=${since}`);
    expect(all.some((e) => e.type === 'output.message.delta')).toBe(true);
    expect(noDeltas.events.map(dataOf)).toEqual(all.filter((e) => e.type !== 'output.message.delta'));
    expect(noDeltas.events.map(dataOf)).toEqual(await events(id, `?since_id=${since}&exclude=output.message.delta`));
    expect(only.events.map(dataOf)).toEqual(all.filter((e) => e.type === 'turn.started' || e.type === 'session.idled'));
    noDeltas.close();
    only.close();
  });

  it('refuses an unknown type or a malformed since_id as /events does', async () => {
    const id = idle[3] ?? '';
    for (const query of ['?exclude=output.message.delta&exclude=made.up', '?types=bogus', '?since_id=event_123']) {
      const sse = await open(id, query);
      const response = await fetch(`${emulator.everrunsUrl}/v1/sessions/${id}/events${query}`, {
        headers: { authorization: DEMO_KEYS.acme.everruns },
      });
      expect(sse.status, query).toBe(400);
      expect(sse.text).toBe(await response.text());
    }
    expect((await open(id, '?exclude=made.up')).text).toContain('made.up');
    expect(emulator.openSseStreams(id)).toBe(0);
  });

  it("gives another tenant's session, an unknown one or a bad key the other session routes' answers", async () => {
    const theirs = tenantOf(emulator, 'globex').everrunsSessions[0]?.json.id ?? '';
    const mine = idle[3] ?? '';
    expect(await open(theirs)).toEqual({ status: 404, text: '', client: null });
    expect(await open(`session_${'0'.repeat(32)}`)).toEqual({ status: 404, text: '', client: null });
    expect((await open(mine, '', { key: DEMO_KEYS.globex.everruns })).status).toBe(404);
    expect((await open(mine, '', { key: 'evr_nobody' })).status).toBe(401);
    expect((await open('session_nope')).status).toBe(400);
    expect(emulator.openSseStreams()).toBe(0);
  });

  it('applies fault rules and counts the route', async () => {
    const id = idle[3] ?? '';
    emulator.switchboard.inject({ route: ROUTE, status: 503, times: 2 });
    expect((await open(id)).status).toBe(503);
    expect((await open(id)).status).toBe(503);
    const client = await stream(id);
    expect(client.frames[0]?.event).toBe('connected');
    expect(emulator.switchboard.count(ROUTE)).toBe(3);
    client.close();
  });

  it('cycles the open streams of a session on demand: disconnecting, then the end', async () => {
    const id = idle[4] ?? '';
    const first = await stream(id);
    const second = await stream(id);
    const other = await stream(idle[5] ?? '');
    expect(emulator.openSseStreams(id)).toBe(2);
    expect(emulator.cycleSseStreams(id)).toBe(2);
    for (const client of [first, second]) {
      await client.done;
      expect(client.ended).toBe(true);
      const last = client.frames.at(-1);
      expect(last?.event).toBe('disconnecting');
      expect(last?.retry).toBe(RETRY_MS);
      expect(last?.id).toBeUndefined();
      expect(JSON.parse(last?.data ?? '{}')).toEqual({ reason: 'connection_cycle', retry_ms: RETRY_MS });
    }
    expect(emulator.openSseStreams(id)).toBe(0);
    expect(emulator.openSseStreams()).toBe(1);
    expect(other.ended).toBe(false);
    other.close();
  });

  it('drops the open streams of a session on demand, with no disconnecting', async () => {
    const id = idle[4] ?? '';
    const client = await stream(id);
    expect(emulator.dropSseStreams(id)).toBe(1);
    await client.done;
    expect(client.failed).toBe(true);
    expect(client.frames.some((f) => f.event === 'disconnecting')).toBe(false);
    expect(emulator.openSseStreams(id)).toBe(0);
    expect(emulator.events.listenerCount(id)).toBe(0);
  });

  it('lets go of a stream (and its listener) when the client disconnects', async () => {
    const id = idle[5] ?? '';
    await vi.waitFor(() => expect(emulator.openSseStreams()).toBe(0), { timeout: 5_000, interval: 10 });
    const first = await stream(id);
    const second = await stream(id, '?exclude=output.message.delta');
    expect(emulator.openSseStreams(id)).toBe(2);
    expect(emulator.events.listenerCount(id)).toBe(2);
    first.close();
    await vi.waitFor(() => expect(emulator.openSseStreams(id)).toBe(1), { timeout: 5_000, interval: 10 });
    second.close();
    await vi.waitFor(() => expect(emulator.openSseStreams(id)).toBe(0), { timeout: 5_000, interval: 10 });
    expect(emulator.events.listenerCount(id)).toBe(0);
    expect(emulator.switchboard.inFlightNow(ROUTE)).toBe(0);
  });
});

describe('Everruns /sse with ephemeral deltas', () => {
  let newer: Emulator;
  beforeAll(async () => {
    newer = await startEmulator({ turnMs: TURN_MS, ephemeralDeltas: true, sseRetryMs: RETRY_MS });
  });
  afterAll(async () => {
    await newer.close();
  });

  it('streams deltas live without id:, and replays only stored events', async () => {
    const id = idleSessions(tenantOf(newer, 'acme'))[0] ?? '';
    const before = await lastId(id, newer);
    const client = await stream(id, `?since_id=${before}`, newer);
    await send(id, 'Stream it.', newer);
    await turnOver(client, before);
    const isDelta = (type: string) => type === 'output.message.delta';
    const deltas = client.events.filter((f) => f.event === 'output.message.delta');
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expectFrames(client.events, (type) => !isDelta(type));
    const stored = await events(id, `?since_id=${before}`, newer);
    expect(stored.some((e) => isDelta(e.type))).toBe(false);
    expect(client.events.filter((f) => f.id !== undefined).map(dataOf)).toEqual(stored);
    const replay = await stream(id, `?since_id=${before}`, newer);
    await vi.waitFor(() => expect(replay.events.length).toBe(stored.length), { timeout: 5_000, interval: 10 });
    expect(replay.events.map(dataOf)).toEqual(stored);
    client.close();
    replay.close();
  });
});

describe('Everruns /sse timers', () => {
  it('cycles a stream after sseCycleMs, sends no heartbeat when they are off, and ends streams on close', async () => {
    const short = await startEmulator({ sseCycleMs: 400, sseHeartbeatMs: 0 });
    try {
      const id = idleSessions(tenantOf(short, 'acme'))[0] ?? '';
      const cycled = await stream(id, '', short);
      await cycled.done;
      expect(cycled.ended).toBe(true);
      expect(cycled.frames.map((f) => f.event)).toEqual(['connected', 'disconnecting']);
      expect(cycled.heartbeats).toBe(0);
      expect(short.openSseStreams(id)).toBe(0);
      const open = await stream(id, '', short);
      expect(short.openSseStreams(id)).toBe(1);
      const started = performance.now();
      await short.close();
      await open.done;
      expect(open.ended || open.failed).toBe(true);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(short.openSseStreams()).toBe(0);
    } finally {
      await short.close();
    }
  });
});

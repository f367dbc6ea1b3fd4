import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { Pool } from 'undici';
import { DEMO_KEYS } from '../src/emulator/index.js';
import type { LiveLoadResult } from './processes.js';

/**
 * Case (g)'s load, in its own process: `live-load.ts <json>` with `{ url, controlUrl, everrunsUrl,
 * sessionIds, perSession, seconds, periodMs }`. Opens `perSession` SSE subscriptions to
 * `sessionEvents` per session (one connection each), waits until every one is open and the
 * emulator holds one `/sse` stream per session, then for `seconds` posts a message to each
 * session at the emulator every `periodMs` (staggered) and records every event's delivery
 * latency over its `at` (the emulator's emit time). Prints `{"phase":"turns"}` when the turns
 * start, `{"phase":"settled"}` once their last events arrived, then the result as one JSON line.
 */
interface Settings {
  readonly url: string;
  readonly controlUrl: string;
  readonly everrunsUrl: string;
  readonly sessionIds: readonly string[];
  readonly perSession: number;
  readonly seconds: number;
  readonly periodMs: number;
}

const parsed: unknown = JSON.parse(process.argv[2] ?? '{}');
const settings = settingsOf(parsed);
const QUERY =
  'subscription G($id: ID!) { sessionEvents(sessionId: $id) { __typename cursor at upstreamType ... on MessageDeltaEvent { delta } ... on MessageAddedEvent { message { id text } } } }';
// Opening 1,000 streams at once would overflow the gateway's listen backlog and measure SYN retries.
const OPENING_AT_ONCE = 50;
// A turn runs 300-600 ms: its last events follow the last post within this.
const TURN_TAIL_MS = 700;
// The turns are over once no event arrived for this long.
const QUIET_MS = 300;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

function settingsOf(value: unknown): Settings {
  const text = (key: string) => String(field(value, key) ?? '');
  const number = (key: string, fallback: number) => Number(field(value, key) ?? fallback);
  const ids = field(value, 'sessionIds');
  return {
    url: text('url'),
    controlUrl: text('controlUrl'),
    everrunsUrl: text('everrunsUrl'),
    sessionIds: Array.isArray(ids) ? ids.map(String) : [],
    perSession: number('perSession', 20),
    seconds: number('seconds', 10),
    periodMs: number('periodMs', 3_000),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One subscriber: what it received. */
class Subscriber {
  readonly cursors = new Set<string>();
  events = 0;
  duplicates = 0;
  open = false;
  ended = false;
  constructor(readonly session: number) {}
}

const latencies: number[] = [];
/** Each upstream event's earliest receipt among its subscribers, by cursor. */
const firstReceipt = new Map<string, number>();
let errors = 0;
let firstError: string | null = null;
let lastEventAt = 0;
let closing = false;
const fail = (what: string) => {
  errors += 1;
  firstError ??= what;
};

const gateway = new URL(settings.url);
const subscribers = settings.sessionIds.flatMap((_, session) =>
  Array.from({ length: settings.perSession }, () => new Subscriber(session)),
);
// One connection per subscription, as an SSE client over HTTP/1.1 holds it: pipelining 1, a slot each.
const clients = new Pool(gateway.origin, {
  connections: subscribers.length,
  pipelining: 1,
  headersTimeout: 60_000,
  bodyTimeout: 0,
});
const everruns = new Pool(settings.everrunsUrl, { connections: settings.sessionIds.length });

function onPayload(subscriber: Subscriber, data: string): void {
  const payload: unknown = JSON.parse(data);
  const event = field(field(payload, 'data'), 'sessionEvents');
  const at = field(event, 'at');
  const cursor = field(event, 'cursor');
  if (typeof at !== 'string' || typeof cursor !== 'string') {
    fail(`payload without an event: ${data.slice(0, 300)}`);
    return;
  }
  const now = Date.now();
  const latency = now - Date.parse(at);
  latencies.push(latency);
  if (!firstReceipt.has(cursor)) firstReceipt.set(cursor, latency);
  lastEventAt = now;
  subscriber.events += 1;
  if (subscriber.cursors.has(cursor)) subscriber.duplicates += 1;
  else subscriber.cursors.add(cursor);
}

async function subscribe(subscriber: Subscriber): Promise<void> {
  const id = Buffer.from(`EverrunsSession:${settings.sessionIds[subscriber.session]}`).toString('base64');
  const response = await clients.request({
    method: 'POST',
    path: gateway.pathname,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: QUERY, variables: { id } }),
  });
  if (response.statusCode !== 200) {
    fail(`subscription answered ${response.statusCode}: ${(await response.body.text()).slice(0, 300)}`);
    return;
  }
  const parser = createParser({
    onEvent(message) {
      if (message.event === 'next') onPayload(subscriber, message.data);
      else if (message.event === 'complete') subscriber.ended = true;
    },
  });
  // undici's body streams Buffers; one decoder per stream keeps characters split across chunks.
  const decoder = new TextDecoder();
  response.body.on('data', (chunk: Buffer) => parser.feed(decoder.decode(chunk, { stream: true })));
  response.body.on('error', (error) => {
    if (!closing) fail(`subscription stream failed: ${error.message}`);
  });
  response.body.on('end', () => {
    subscriber.ended = true;
  });
  // Yoga answers a subscription once its `subscribe` resolved: the gateway's hub holds it now.
  subscriber.open = true;
}

let next = 0;
const opening = Array.from({ length: OPENING_AT_ONCE }, async () => {
  while (next < subscribers.length) {
    const subscriber = subscribers[next++];
    if (subscriber) await subscribe(subscriber).catch((error: Error) => fail(`subscribe: ${error.message}`));
  }
});
await Promise.all(opening);

/** Open `/sse` streams at the emulator now. */
async function upstreamStreams(): Promise<number> {
  const answer: unknown = await (await fetch(`${settings.controlUrl}/streams`)).json();
  return Number(field(answer, 'open'));
}
const deadline = Date.now() + 30_000;
let upstream = await upstreamStreams();
while (upstream < settings.sessionIds.length && Date.now() < deadline) {
  await sleep(100);
  upstream = await upstreamStreams();
}
const opened = subscribers.filter((s) => s.open).length;
if (opened < subscribers.length) fail(`${subscribers.length - opened} subscriptions did not open`);

async function post(sessionId: string, turn: number): Promise<void> {
  const message = { role: 'user', content: [{ type: 'text', text: `bench turn ${turn}` }] };
  try {
    const response = await everruns.request({
      method: 'POST',
      path: `/v1/sessions/${sessionId}/messages`,
      headers: { 'content-type': 'application/json', authorization: `ApiKey ${DEMO_KEYS.acme.everruns}` },
      body: JSON.stringify({ message }),
    });
    await response.body.dump();
    if (response.statusCode !== 201) fail(`POST messages answered ${response.statusCode}`);
  } catch (error) {
    fail(`POST messages: ${error instanceof Error ? error.message : String(error)}`);
  }
}

process.stdout.write(`${JSON.stringify({ phase: 'turns' })}\n`);
const LOOP_TIMER_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_TIMER_MS });
loopDelay.enable();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const windowMs = settings.seconds * 1000;
let posts = 0;
const posting = settings.sessionIds.map(async (sessionId, i) => {
  // Staggered: the sessions' turns spread evenly over each period.
  let at = (i * settings.periodMs) / settings.sessionIds.length;
  for (let turn = 0; at < windowMs; turn++, at += settings.periodMs) {
    await sleep(at - (performance.now() - started));
    posts += 1;
    void post(sessionId, turn);
  }
});
await Promise.all(posting);
await sleep(TURN_TAIL_MS);
while (Date.now() - lastEventAt < QUIET_MS) await sleep(QUIET_MS / 3);
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
loopDelay.disable();
process.stdout.write(`${JSON.stringify({ phase: 'settled' })}\n`);
const upstreamAfter = await upstreamStreams();
const ended = subscribers.filter((s) => s.ended).length;
if (ended > 0) fail(`${ended} subscriptions ended during the run`);

const percentiles = (values: number[]) => {
  const sorted = values.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? null;
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1) ?? null };
};
// Every subscriber of a session should have seen the same events.
const most = new Map<number, number>();
for (const s of subscribers) most.set(s.session, Math.max(most.get(s.session) ?? 0, s.events));
const counts = subscribers.map((s) => s.events);
const clientCpuMs = (cpu.user + cpu.system) / 1000;
const result: LiveLoadResult = {
  subscribers: subscribers.length,
  opened,
  sessions: settings.sessionIds.length,
  upstreamStreams: upstream,
  upstreamStreamsAfter: upstreamAfter,
  posts,
  eventsDelivered: latencies.length,
  eventsPerSecond: Math.round((latencies.length * 1000) / wallMs),
  windowMs: Math.round(wallMs),
  latencyMs: percentiles(latencies),
  firstReceiptLatencyMs: percentiles([...firstReceipt.values()]),
  eventsPerSubscriber: { min: Math.min(...counts), max: Math.max(...counts) },
  behindTheirSession: subscribers.filter((s) => s.events < (most.get(s.session) ?? 0)).length,
  ended,
  duplicates: subscribers.reduce((sum, s) => sum + s.duplicates, 0),
  errors,
  firstError,
  // This process's own load: the client must not be what limits the latencies.
  clientCpuMs: Math.round(clientCpuMs),
  clientCpuPercent: Math.round((clientCpuMs / wallMs) * 100),
  // The histogram holds the timer's whole intervals: how late it fired is the rest.
  clientLoopDelayP99Ms: Math.round((loopDelay.percentile(99) / 1e6 - LOOP_TIMER_MS) * 100) / 100,
};
closing = true;
process.stdout.write(`${JSON.stringify(result)}\n`);
await Promise.all([clients.destroy(), everruns.destroy()]);
process.exit(0);

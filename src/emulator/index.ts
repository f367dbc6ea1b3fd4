import { Activity } from './activity.js';
import { ConversationBook } from './conversations.js';
import { EventStore } from './events.js';
import { everrunsEmulation } from './everruns.js';
import { factoryEmulation } from './factory.js';
import { Random } from './random.js';
import { type RunningUpstream, serveUpstream } from './server.js';
import { EventStreams } from './sse.js';
import { Switchboard } from './switchboard.js';
import { createWorld, DEMO_KEYS, type Tenant, type WorldOptions } from './world.js';

export type { ConversationShape, EverrunsMessageJson, FactoryMessageJson } from './conversations.js';
export { UNKNOWN_WORDS } from './conversations.js';
export type { EventDraft, EventListener, EventQuery, EverrunsEventJson } from './events.js';
export { EVERRUNS_EVENT_TYPES, EventStore } from './events.js';
export type { FaultRule, RecordedRequest } from './switchboard.js';
export type { ConversationLandmarks, Tenant } from './world.js';
export { DEMO_KEYS } from './world.js';
export { Switchboard };

/** A running emulator of both upstreams, each on its own loopback port. */
export interface Emulator {
  /** Base URL for `FACTORY_BASE_URL`. */
  readonly factoryUrl: string;
  /** Base URL for `EVERRUNS_BASE_URL`. */
  readonly everrunsUrl: string;
  /** Each emulated source's base URL and tenant acme's key, by registry name (what demo mode serves). */
  readonly demo: Readonly<Record<string, { readonly baseUrl: string; readonly apiKey: string }>>;
  /** Per-route counters, the request log and fault injection, shared by both upstreams. */
  readonly switchboard: Switchboard;
  /** The seeded tenants, by name (`acme`, `globex`). Tests read expectations from here. */
  readonly tenants: Map<string, Tenant>;
  /**
   * Everruns' event log of every session (seeded history plus what turns record), with live
   * listeners: what `GET /v1/sessions/{id}/events` reads and `/sse` streams.
   */
  readonly events: EventStore;
  /**
   * Test switch: the `GET /v1/sessions/{id}/sse` streams of the session open now (of every
   * session when `sessionId` is left out), e.g. to check that a gateway holds exactly one
   * upstream stream, or lets go of it.
   */
  openSseStreams(sessionId?: string): number;
  /**
   * Test switch: cycles every open `/sse` stream of the session now, as the server does after
   * `sseCycleMs`: a `disconnecting` event with the retry hint, then the end of the response.
   * Returns how many streams it cycled.
   */
  cycleSseStreams(sessionId: string): number;
  /**
   * Test switch: drops every open `/sse` stream of the session now, a lost connection: the
   * socket is destroyed with no `disconnecting`. Returns how many streams it dropped.
   */
  dropSseStreams(sessionId: string): number;
  /** Ends the open `/sse` streams, stops the turns in progress and both servers. */
  close(): Promise<void>;
}

export interface EmulatorOptions extends WorldOptions {
  readonly factoryPort?: number;
  readonly everrunsPort?: number;
  /** How long a simulated turn runs, in ms (default: 300-600, seeded). Tests set it short. */
  readonly turnMs?: number;
  /**
   * Everruns deltas (`output.message.delta`) are live only, as on newer servers: never stored,
   * so `/events` and replays leave them out. Default false: stored like any event (older servers).
   */
  readonly ephemeralDeltas?: boolean;
  /** Ms between the heartbeat comments of Everruns' `/sse` streams (default 15000); 0 sends none. */
  readonly sseHeartbeatMs?: number;
  /**
   * Ms an `/sse` stream stays open before the server sends `disconnecting` and ends it
   * (default 300000, the real server's five minutes); 0 never cycles.
   */
  readonly sseCycleMs?: number;
  /** The `retry:` hint of `/sse` frames and `disconnecting`'s `retry_ms` (default 100, the document's value). */
  readonly sseRetryMs?: number;
}

/** Starts the emulator of Factory and Everruns on 127.0.0.1 (ephemeral ports by default). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? 7;
  const conversations = new ConversationBook(seed);
  const tenants = createWorld(options, conversations);
  const switchboard = new Switchboard();
  const random = new Random(seed + 99);
  const activity = new Activity({ seed, turnMs: options.turnMs });
  const events = new EventStore(new Random(seed + 299), {
    ephemeralDeltas: options.ephemeralDeltas ?? false,
    history: (sessionId) => conversations.everrunsHistory(sessionId),
  });
  const streams = new EventStreams(events, {
    heartbeatMs: options.sseHeartbeatMs,
    cycleMs: options.sseCycleMs,
    retryMs: options.sseRetryMs,
  });
  const servers: RunningUpstream[] = [];
  const stop = async () => {
    streams.close();
    activity.close();
    events.close();
    await Promise.all(servers.map((server) => server.close()));
  };
  try {
    const factoryApi = factoryEmulation(tenants, random, activity);
    servers.push(await serveUpstream(factoryApi, switchboard, options.factoryPort, activity));
    const everrunsApi = everrunsEmulation(tenants, random, activity, events, streams);
    servers.push(await serveUpstream(everrunsApi, switchboard, options.everrunsPort, activity));
  } catch (error) {
    await stop();
    throw error;
  }
  const [factory, everruns] = servers;
  if (!factory || !everruns) throw new Error('emulator failed to start');
  return {
    factoryUrl: factory.url,
    everrunsUrl: everruns.url,
    demo: {
      FACTORY: { baseUrl: factory.url, apiKey: DEMO_KEYS.acme.factory },
      EVERRUNS: { baseUrl: everruns.url, apiKey: DEMO_KEYS.acme.everruns },
    },
    switchboard,
    tenants,
    events,
    openSseStreams: (sessionId) => streams.count(sessionId),
    cycleSseStreams: (sessionId) => streams.cycle(sessionId),
    dropSseStreams: (sessionId) => streams.drop(sessionId),
    close: stop,
  };
}

import { everrunsEmulation } from './everruns.js';
import { factoryEmulation } from './factory.js';
import { Random } from './random.js';
import { type RunningUpstream, serveUpstream } from './server.js';
import { Switchboard } from './switchboard.js';
import { createWorld, DEMO_KEYS, type Tenant, type WorldOptions } from './world.js';

export type { FaultRule, RecordedRequest } from './switchboard.js';
export type { Tenant } from './world.js';
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
  close(): Promise<void>;
}

export interface EmulatorOptions extends WorldOptions {
  readonly factoryPort?: number;
  readonly everrunsPort?: number;
}

/** Starts the emulator of Factory and Everruns on 127.0.0.1 (ephemeral ports by default). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const tenants = createWorld(options);
  const switchboard = new Switchboard();
  const random = new Random((options.seed ?? 7) + 99);
  const servers: RunningUpstream[] = [];
  try {
    servers.push(await serveUpstream(factoryEmulation(tenants, random), switchboard, options.factoryPort));
    servers.push(await serveUpstream(everrunsEmulation(tenants, random), switchboard, options.everrunsPort));
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
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
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

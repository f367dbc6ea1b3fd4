import { spawnSync } from 'node:child_process';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RESILIENCE } from '../src/config.js';
import { DEMO_KEYS, type Emulator, startEmulator } from '../src/emulator/index.js';
import { Decoder, UpstreamHttp } from '../src/sources/http.js';

setFlagsFromString('--expose-gc');
const gcFunction: unknown = runInNewContext('gc');

/** V8's collector: a full one, or a scavenge of the young generation only. */
function collect(type: 'major' | 'minor'): void {
  if (typeof gcFunction !== 'function') throw new Error('gc is not exposed');
  gcFunction({ type, execution: 'sync' });
}

const oldSpaceBytes = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

/**
 * Bytes moved to the old generation by 120 distinct 100-session pages fetched five at a time
 * and dropped, then two scavenges: what the gateway's requests leave behind them.
 */
/** The answer's JSON as it came: what the test holds on to is the page itself. */
const raw = new Decoder((answer) => answer.body);

async function promotedByPages(coalesce: boolean): Promise<number> {
  const r = DEFAULT_RESILIENCE;
  const http = new UpstreamHttp({
    source: { name: 'FACTORY', label: 'Factory' },
    baseUrl: emulator.factoryUrl,
    timeoutMs: 5_000,
    connections: 8,
    retry: {
      maxRetries: 0,
      baseDelayMs: r.retryBaseDelayMs,
      maxDelayMs: r.retryMaxDelayMs,
      maxRetryAfterMs: r.retryAfterMaxMs,
      budgetRatio: 1,
      budgetBurst: 20,
    },
    breaker: { failureThreshold: 1000, cooldownMs: 1000 },
    coalesce,
    authorization: (key) => `Bearer ${key}`,
  });
  const call = {
    apiKey: DEMO_KEYS.acme.factory,
    credential: 'test',
    signal: new AbortController().signal,
    budget: { deadline: Date.now() + 60_000, retriesLeft: 0, upstreamCalls: 0, retries: 0 },
  };
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < 120) {
      const limit = 70 + (next++ % 31);
      const body = await http.send(
        call,
        { method: 'GET', route: 'GET /api/v0/sessions', path: '/api/v0/sessions', query: { limit: String(limit) } },
        raw,
      );
      bytes += JSON.stringify(body).length;
    }
  };
  // The map lives as long as the gateway: in the old generation, like the real one.
  collect('major');
  collect('major');
  const before = oldSpaceBytes();
  await Promise.all(Array.from({ length: 5 }, worker));
  collect('minor');
  collect('minor');
  const promoted = oldSpaceBytes() - before;
  await http.close();
  expect(bytes).toBeGreaterThan(8_000_000);
  return promoted;
}

describe('memory', () => {
  // V8 (Node 20) keeps a value deleted from a long-lived Map reachable for scavenges until the
  // next full GC. The map of shared GETs in flight once kept every answer it had handed out
  // (each upstream page) alive that way: promoted, then a full GC every few hundred requests.
  it('the shared-GET map does not keep answers alive after they are handed out', async () => {
    // What one run promotes also depends on where scavenges fall (pages in flight then are
    // promoted either way): without coalescing 0.8-10 MB; with it 0.8-1 MB alone, once 7 MB in a
    // loaded suite. With the map holding answers a run promotes every page (~12 MB). The
    // median of three runs of each is compared, so one odd run decides nothing.
    const medianOf = async (coalesce: boolean) => {
      const runs = [await promotedByPages(coalesce), await promotedByPages(coalesce), await promotedByPages(coalesce)];
      return runs.sort((x, y) => x - y)[1] ?? 0;
    };
    const control = await medianOf(false);
    const coalesced = await medianOf(true);
    expect(coalesced).toBeLessThan(control + 2_000_000);
  });
});

describe('message records', () => {
  // V8 switches an object literal's allocation site to old-space allocation for good when a GC
  // with the young generation at its full size (npm start's flags keep it there) finds 100+ of
  // its objects alive, as one during a 174-message request does. Records and parts are classes
  // so that it cannot: the probe, under npm start's young-generation flags, fails when one is a
  // literal again.
  it('are made in the young generation even after a GC found a whole conversation alive', () => {
    const probe = spawnSync(
      process.execPath,
      [
        '--min-semi-space-size=16',
        '--max-semi-space-size=16',
        '--expose-gc',
        '--import',
        'tsx',
        'test/fixtures/pretenure-probe.ts',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(probe.stderr).toBe('');
    const { records, oldSpaceGrowth } = JSON.parse(probe.stdout) as { records: number; oldSpaceGrowth: number };
    expect(records).toBe(1000);
    expect(oldSpaceGrowth).toBeLessThan(40_000);
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { DEMO_KEYS } from '../src/emulator/index.js';
import { cpuSeconds, drainOutput, liveLoadRun, loadRun, machineBusySeconds, median, peakRssMb, processTree, root, start, startCeiling, stop } from './processes.js';
import { DETAIL, EVERRUNS, FACTORY, LIST_FIELDS } from './queries.js';

/**
 * `npm run bench`: the emulator, the gateway (production configuration, `npm start`'s entry
 * point with NODE_ENV=production), the no-GraphQL floor and, for cases t, b, bv, c, mf and me,
 * the ceiling (the floor's work served by Yoga, bench/ceiling.ts, bundled and run as the gateway
 * is) as separate processes on loopback;
 * load from another process (autocannon). Per case: warm-up, then RUNS rounds, each running
 * every target once, back to back, in alternating order; medians are reported, with upstream
 * calls per request (emulator counters), CPU of each process and the gateway's peak RSS (VmHWM).
 * A target's ratio to the floor is the median of its rounds' ratios (paired: each run against
 * the floor's run of the same round), with the ratio of the medians beside it.
 * Case (g), live subscriptions, runs once after them against a gateway process of its own.
 */
// Nine short runs rather than five of 5 s (about the same time per target): this virtual machine's
// speed drifts by up to 3x within a minute, so a target's run and the floor's run of the same
// round must be close in time for their ratio to measure the code rather than the machine.
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const ONLY = process.env.BENCH_CASES?.split(',');
const emulator = await start(['bench/emulator-process.ts'], {}, /^(\{.*\})\n/m, 'stdout');
const info = JSON.parse(emulator.match[1] ?? '{}') as {
  factoryUrl: string;
  everrunsUrl: string;
  controlUrl: string;
  everrunsIds: string[];
  factoryLong: { globalId: string };
  everrunsLong: { globalId: string };
  liveIds: string[];
};
const upstreamEnv = {
  FACTORY_BASE_URL: info.factoryUrl,
  FACTORY_API_KEY: DEMO_KEYS.acme.factory,
  EVERRUNS_BASE_URL: info.everrunsUrl,
  EVERRUNS_API_KEY: DEMO_KEYS.acme.everruns,
};
// `npm start`'s command (package.json): the esbuild output on plain Node, in production mode.
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
// `npm start`'s Node flags (package.json); BENCH_NODE_FLAGS measures another setting.
const manifest: { scripts: { start: string } } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const START_FLAGS = manifest.scripts.start
  .split(' ')
  .filter((word) => word.startsWith('--'))
  .join(' ');
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS ?? START_FLAGS;
// BENCH_ENTRY measures another build (an older commit's bundle, `node scripts/build.mjs` in its worktree).
const ENTRY = process.env.BENCH_ENTRY ?? 'dist/main.js';
// The production configuration (README, Production): one worker per core. `gateway1` is the same with
// one process, the figure to compare with the floor process for process.
const WORKERS = process.env.BENCH_WORKERS ?? 'auto';
const startGateway = (workers: string) =>
  start(
    [ENTRY],
    { ...upstreamEnv, NODE_ENV: 'production', PORT: '0', WORKERS: workers },
    /at (http:\/\/127\.0\.0\.1:\d+\/graphql)/,
    'stderr',
    NODE_FLAGS.split(' ').filter(Boolean),
  );
const READS = new Set(['/counts', '/streams']);
const control = async (path: string, body?: unknown) =>
  (await fetch(`${info.controlUrl}${path}`, { method: body === undefined && READS.has(path) ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) })).json();

const ids = info.everrunsIds.map((id) => Buffer.from(`EverrunsSession:${id}`).toString('base64'));
const NODES = 'query E($ids: [ID!]!) { nodes(ids: $ids) { ... on Session { sourceId title upstreamStatus createdAt } } }';

interface Case {
  readonly name: string;
  readonly label: string;
  readonly body: { query: string; variables: Record<string, unknown> };
  /** The floor's case (d compares with the floor of c), or null when only the gateway runs. */
  readonly floor: string | null;
  readonly connections: readonly number[];
  readonly latencyMs?: number;
  readonly floorRows?: { query: string; variables: Record<string, unknown> };
  /** Whether bench/ceiling.ts (the floor's work served by Yoga) serves this case too. */
  readonly ceiling?: boolean;
}

const cases: Case[] = [
  // No upstream call: what serving one GraphQL request costs before any data is touched.
  { name: 't', label: '{ __typename } (no upstream)', body: { query: '{ __typename }', variables: {} }, floor: 't', connections: [20], ceiling: true },
  { name: 'b', label: 'factorySessions(first: 50)', body: { query: `query B($first: Int) { ${FACTORY} }`, variables: { first: 50 } }, floor: 'b', connections: [20, 1], ceiling: true },
  { name: 'bv', label: 'factorySessions(first: 31..50)', body: { query: `query BV($first: Int) { ${FACTORY} }`, variables: { first: 50 } }, floor: 'bv', connections: [20, 1], ceiling: true },
  { name: 'c', label: 'factory + everruns (first: 50)', body: { query: `query C($first: Int) { ${FACTORY} ${EVERRUNS} }`, variables: { first: 50 } }, floor: 'c', connections: [20, 1], ceiling: true },
  {
    name: 'd',
    label: 'sessions(first: 50) (merged feed)',
    body: { query: `query D { sessions(first: 50) { edges { node { __typename ${LIST_FIELDS} ... on FactorySession { computerId messageCount } ... on EverrunsSession { agentId } } } } }`, variables: {} },
    // The floor of (c), run again in this case's rounds so that each round has its pair.
    floor: 'c',
    connections: [20, 1],
  },
  { name: 'e20', label: 'nodes: 20 distinct ids', body: { query: NODES, variables: { ids } }, floor: 'e', connections: [20, 1] },
  { name: 'e1', label: 'nodes: 1 id x 20', body: { query: NODES, variables: { ids: Array(20).fill(ids[0]) } }, floor: 'e', connections: [20, 1] },
  // The detail page: one long conversation's session and first 50 messages (Factory: a page of
  // 50 upstream; Everruns: the whole list, sliced), the session GET beside it.
  { name: 'mf', label: 'node: Factory session + messages(first: 50)', body: { query: DETAIL, variables: { id: info.factoryLong.globalId } }, floor: 'mf', connections: [1, 20], ceiling: true },
  { name: 'me', label: 'node: Everruns session + messages(first: 50)', body: { query: DETAIL, variables: { id: info.everrunsLong.globalId } }, floor: 'me', connections: [1, 20], ceiling: true },
  { name: 'f', label: '(c) with 50 ms upstream latency', body: { query: `query C($first: Int) { ${FACTORY} ${EVERRUNS} }`, variables: { first: 50 } }, floor: 'f', connections: [1], latencyMs: 50 },
];

type Target = 'gateway' | 'gateway1' | 'ceiling' | 'floor';

interface Measure {
  rps: number;
  p50: number;
  meanMs: number;
  p99: number;
  upstreamPerRequest: number;
  cpuTarget: number;
  cpuEmulator: number;
  errors: number;
}

/**
 * The request/response cases against the gateway (two workers), gateway1, the ceiling (where it
 * serves the case) and the floor, in paired rounds.
 */
async function requestCases(selected: readonly Case[]): Promise<void> {
  const gateway = await startGateway(WORKERS);
  const gateway1 = await startGateway('1');
  const floor = await start(['bench/floor.ts'], upstreamEnv, /floor at (http:\/\/127\.0\.0\.1:\d+\/graphql)/, 'stderr');
  const ceiling = await startCeiling({ ...upstreamEnv, NODE_ENV: 'production' }, NODE_FLAGS.split(' ').filter(Boolean));
  drainOutput();
  // Give every worker time to listen before load arrives.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const targets: Record<Target, { url: string; pid: number | undefined }> = {
    gateway: { url: gateway.match[1] ?? '', pid: gateway.child.pid },
    gateway1: { url: gateway1.match[1] ?? '', pid: gateway1.child.pid },
    ceiling: { url: ceiling.match[1] ?? '', pid: ceiling.child.pid },
    floor: { url: floor.match[1] ?? '', pid: floor.child.pid },
  };

  async function measure(target: Target, name: string, body: Case['body'], connections: number, seconds: number): Promise<Measure> {
    await control('/reset');
    const pid = targets[target].pid;
    const cpuBefore = cpuSeconds(pid);
    const emulatorBefore = cpuSeconds(emulator.child.pid);
    const started = performance.now();
    const result = await loadRun(targets[target].url, name, body, connections, seconds);
    const wall = (performance.now() - started) / 1000;
    const counts = (await control('/counts')) as Record<string, number>;
    const upstream = Object.values(counts).reduce((sum, n) => sum + n, 0);
    return {
      rps: result.rps,
      p50: result.p50,
      meanMs: result.mean,
      p99: result.p99,
      upstreamPerRequest: result.total ? upstream / result.total : 0,
      cpuTarget: ((cpuSeconds(pid) - cpuBefore) / wall) * 100,
      cpuEmulator: ((cpuSeconds(emulator.child.pid) - emulatorBefore) / wall) * 100,
      errors: result.non2xx + result.errors + result.timeouts,
    };
  }

  const rows: Record<string, unknown>[] = [];
  const floorRps = new Map<string, number>();
  console.log(`gateway flags: ${NODE_FLAGS}; gateway: WORKERS=${WORKERS} (${processTree(targets.gateway.pid).length - (WORKERS === '1' ? 0 : 1)} processes serving); gateway1: WORKERS=1`);
  console.log(`sessiongraph bench: ${cpus().length} cores, ${cpus()[0]?.model ?? ''}, Node ${process.version}, ${RUNS} runs of ${SECONDS}s per case and target, interleaved; medians, and ratios paired by round`);
  for (const bench of selected) {
    await control('/clear');
    if (bench.latencyMs) await control('/fault', { route: '*', delayMs: bench.latencyMs });
    for (const connections of bench.connections) {
      const runs: Record<Target, Measure[]> = { gateway: [], gateway1: [], ceiling: [], floor: [] };
      const order: Target[] = ['gateway', 'gateway1'];
      if (bench.floor && bench.ceiling) order.push('ceiling');
      if (bench.floor) order.push('floor');
      for (const target of order) await measure(target, bench.floor ?? bench.name, bench.body, connections, 1); // warm-up
      for (let run = 0; run < RUNS; run++) {
        for (const target of run % 2 ? [...order].reverse() : order) {
          runs[target]?.push(await measure(target, target === 'floor' ? (bench.floor ?? bench.name) : bench.name, bench.body, connections, SECONDS));
        }
      }
      for (const target of order) {
        const list = runs[target] ?? [];
        const row = {
          case: bench.name,
          label: bench.label,
          connections,
          target,
          rps: Math.round(median(list.map((m) => m.rps))),
          // Each run's req/s, in order: how far the median could move.
          rpsRuns: list.map((m) => Math.round(m.rps)),
          p50: median(list.map((m) => m.p50)),
          meanLatencyMs: Math.round(median(list.map((m) => m.meanMs)) * 100) / 100,
          p99: median(list.map((m) => m.p99)),
          upstreamPerRequest: Math.round(median(list.map((m) => m.upstreamPerRequest)) * 100) / 100,
          cpuTarget: Math.round(median(list.map((m) => m.cpuTarget))),
          // CPU time per request varies less from run to run than req/s on a shared machine.
          cpuMsPerRequest: Math.round(median(list.map((m) => (m.cpuTarget * 10) / m.rps)) * 1000) / 1000,
          cpuEmulator: Math.round(median(list.map((m) => m.cpuEmulator))),
          errors: list.reduce((sum, m) => sum + m.errors, 0),
          peakRssMb: peakRssMb(targets[target].pid),
          // The median of the runs' req/s over the floor's median.
          ratioToFloor: null as number | null,
          // Run by run against the floor's run of the same round (each round runs every target
          // once, back to back): how much of a ratio is the machine's drift rather than the code.
          ratioRuns:
            bench.floor && target !== 'floor'
              ? list.map((m, i) => Math.round((m.rps / (runs.floor[i]?.rps ?? Number.NaN)) * 100) / 100)
              : null,
          ratioPaired: null as number | null,
        };
        // The median of the round-by-round ratios: the figure the targets are read against (README).
        if (row.ratioRuns) row.ratioPaired = Math.round(median(row.ratioRuns) * 100) / 100;
        if (target === 'floor') floorRps.set(`${bench.name}:${connections}`, row.rps);
        rows.push(row);
      }
      const floorOf = bench.floor ? floorRps.get(`${bench.name}:${connections}`) : undefined;
      for (const row of rows.filter((r) => r.case === bench.name && r.connections === connections && r.target !== 'floor')) {
        if (floorOf) row.ratioToFloor = Math.round((Number(row.rps) / floorOf) * 100) / 100;
      }
      for (const row of rows.filter((r) => r.case === bench.name && r.connections === connections)) console.log(JSON.stringify(row));
    }
  }
  await control('/clear');

  console.log('\n| case | conns | target | req/s | p50 ms | p99 ms | upstream/req | CPU % | CPU ms/req | emulator CPU % | peak RSS MB | ratio to floor: paired / of medians |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.case} ${r.label} | ${r.connections} | ${r.target} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.upstreamPerRequest} | ${r.cpuTarget} | ${r.cpuMsPerRequest} | ${r.cpuEmulator} | ${r.peakRssMb} | ${r.ratioPaired === null ? '' : `${r.ratioPaired} / ${r.ratioToFloor}`} |`);
  }
  const latencyRows = rows.filter((r) => r.case === 'f');
  const floorLatency = latencyRows.find((r) => r.target === 'floor')?.meanLatencyMs;
  for (const r of latencyRows.filter((row) => row.target !== 'floor')) {
    if (typeof floorLatency === 'number' && typeof r.meanLatencyMs === 'number') {
      const added = Math.round((r.meanLatencyMs - floorLatency) * 100) / 100;
      console.log(`(f) ${r.target}: mean latency ${r.meanLatencyMs} ms, ${added >= 0 ? '+' : ''}${added} ms over the floor's ${floorLatency}`);
    }
  }
  console.log(`\npeak RSS (VmHWM) of the largest process: gateway ${peakRssMb(targets.gateway.pid)} MB, gateway1 ${peakRssMb(targets.gateway1.pid)} MB`);
  // Case (g) has the machine to itself.
  await Promise.all([stop(gateway.child), stop(gateway1.child), stop(ceiling.child), stop(floor.child)]);
}

const LIVE_SESSIONS = 50;
const LIVE_PER_SESSION = 20;
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 10);
const LIVE_TARGETS = { p50Ms: 5, p99Ms: 50, peakRssMb: 250 };

/**
 * Case (g), once: 1,000 SSE subscribers over 50 sessions of a gateway process of its own
 * (WORKERS=1, so its peak RSS is this case's), turns running in the emulator. No floor: the
 * targets are absolute. The gateway's CPU is read when the turns start and once their last
 * events arrived.
 */
async function liveCase(): Promise<void> {
  console.log(`\nsessiongraph bench (g): ${cpus().length} cores, ${cpus()[0]?.model ?? ''}, Node ${process.version}, gateway flags: ${NODE_FLAGS}, WORKERS=1, ${LIVE_SECONDS}s of turns`);
  const live = await startGateway('1');
  drainOutput();
  const pid = live.child.pid;
  await control('/reset');
  const cpu = { turns: 0, settled: 0, emulatorTurns: 0, emulatorSettled: 0, machineTurns: 0, machineSettled: 0 };
  const result = await liveLoadRun(
    {
      url: live.match[1] ?? '',
      controlUrl: info.controlUrl,
      everrunsUrl: info.everrunsUrl,
      sessionIds: info.liveIds.slice(0, LIVE_SESSIONS),
      perSession: LIVE_PER_SESSION,
      seconds: LIVE_SECONDS,
      periodMs: 3_000,
    },
    (phase) => {
      if (phase === 'turns') {
        cpu.turns = cpuSeconds(pid);
        cpu.emulatorTurns = cpuSeconds(emulator.child.pid);
        cpu.machineTurns = machineBusySeconds();
      } else if (phase === 'settled') {
        cpu.settled = cpuSeconds(pid);
        cpu.emulatorSettled = cpuSeconds(emulator.child.pid);
        cpu.machineSettled = machineBusySeconds();
      }
    },
  );
  const counts: Record<string, number> = await control('/counts');
  const peak = peakRssMb(pid);
  await stop(live.child);
  const seconds = result.windowMs / 1000;
  const gatewayCpuMs = (cpu.settled - cpu.turns) * 1000;
  const { p50, p99 } = result.latencyMs;
  const met = {
    // One upstream stream per session, opened once: open before and after the turns, and no reconnect.
    upstreamStreams:
      result.upstreamStreams === LIVE_SESSIONS &&
      result.upstreamStreamsAfter === LIVE_SESSIONS &&
      counts['GET /v1/sessions/:id/sse'] === LIVE_SESSIONS,
    p50: p50 !== null && p50 <= LIVE_TARGETS.p50Ms,
    p99: p99 !== null && p99 <= LIVE_TARGETS.p99Ms,
    peakRss: peak <= LIVE_TARGETS.peakRssMb,
    // Every event to every subscriber, once.
    complete: result.errors === 0 && result.duplicates === 0 && result.behindTheirSession === 0 && result.opened === result.subscribers,
  };
  const row = {
    case: 'g',
    label: `${result.subscribers} SSE subscribers over ${result.sessions} sessions, turns running`,
    target: 'gateway (WORKERS=1)',
    ...result,
    sseRequests: counts['GET /v1/sessions/:id/sse'] ?? 0,
    sessionGets: counts['GET /v1/sessions/:id'] ?? 0,
    gatewayCpuPercent: Math.round((gatewayCpuMs / 10 / seconds) * 10) / 10,
    gatewayCpuMsPerEvent: result.eventsDelivered ? Math.round((gatewayCpuMs / result.eventsDelivered) * 1000) / 1000 : null,
    emulatorCpuPercent: Math.round(((cpu.emulatorSettled - cpu.emulatorTurns) * 100 / seconds) * 10) / 10,
    // Whatever else ran on the machine meanwhile (of one core): latencies are only comparable near 0.
    otherCpuPercent: Math.round(((cpu.machineSettled - cpu.machineTurns - (cpu.settled - cpu.turns) - (cpu.emulatorSettled - cpu.emulatorTurns) - result.clientCpuMs / 1000) * 100) / seconds),
    peakRssMb: peak,
    met,
  };
  console.log(JSON.stringify(row));
  const yes = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  console.log('\n| case | subscribers | upstream streams | events | events/s | p50 ms | p99 ms | max ms | first subscriber p50 / p99 ms | peak RSS MB | gateway CPU ms/event | gateway CPU % | load CPU % | load loop delay p99 ms | other CPU % | duplicates | errors |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(
    `| g | ${result.subscribers} | ${result.upstreamStreams} | ${result.eventsDelivered} | ${result.eventsPerSecond} | ${p50} | ${p99} | ${result.latencyMs.max} | ${result.firstReceiptLatencyMs.p50} / ${result.firstReceiptLatencyMs.p99} | ${peak} | ${row.gatewayCpuMsPerEvent} | ${row.gatewayCpuPercent} | ${result.clientCpuPercent} | ${result.clientLoopDelayP99Ms} | ${row.otherCpuPercent} | ${result.duplicates} | ${result.errors} |`,
  );
  console.log(
    `(g) targets: exactly ${LIVE_SESSIONS} upstream streams ${yes(met.upstreamStreams)}; p50 <= ${LIVE_TARGETS.p50Ms} ms ${yes(met.p50)}; p99 <= ${LIVE_TARGETS.p99Ms} ms ${yes(met.p99)}; peak RSS <= ${LIVE_TARGETS.peakRssMb} MB ${yes(met.peakRss)}; every event once to every subscriber ${yes(met.complete)}`,
  );
}

const selected = cases.filter((bench) => !ONLY || ONLY.includes(bench.name));
if (selected.length > 0) await requestCases(selected);
if (!ONLY || ONLY.includes('g')) await liveCase();
process.exit(0);

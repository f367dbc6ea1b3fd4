import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What the benchmark's scripts share: starting targets and reading their CPU and memory. */

export const root = new URL('..', import.meta.url).pathname;

/** Every process started here, so a script can stop them all. */
export const children: ChildProcess[] = [];
// Servers stop with the script, whether it ends or fails (a target that never starts).
process.once('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});

/** Starts `node [flags] args` in the project folder and resolves when `ready` matches its output. */
export function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  stream: 'stdout' | 'stderr',
  flags = ['--import', 'tsx'],
) {
  const child = spawn(process.execPath, [...flags, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise<{ child: ChildProcess; match: RegExpExecArray }>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`did not start: ${args.join(' ')}\n${seen}`)), 30_000);
    child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
      if (seen.length > 100_000) return;
      seen += chunk;
      const match = ready.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)));
  });
}

/**
 * Bundles bench/ceiling.ts as `npm start`'s bundle is made and starts it with `flags` (the
 * gateway's): an upper bound, so without the TypeScript loader the floor runs under.
 */
export function startCeiling(env: Record<string, string>, flags: string[]) {
  execFileSync(process.execPath, ['scripts/build.mjs', 'bench/ceiling.ts', 'dist/bench/ceiling.js'], { cwd: root, stdio: 'inherit' });
  return start(['dist/bench/ceiling.js'], env, /ceiling at (http:\/\/127\.0\.0\.1:\d+\/graphql)/, 'stderr', flags);
}

/** Stops a started process and waits until it has exited (killed if it has not after 20 s). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // The gateway's shutdown grace is 10 s: a process still there after twice that is stuck.
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Drains the started processes' output, so a full pipe never blocks one of them. */
export function drainOutput(): void {
  for (const child of children) {
    child.stdout?.resume();
    child.stderr?.resume();
  }
}

/** A process and its children (node:cluster workers). */
export function processTree(pid: number | undefined): number[] {
  if (!pid) return [];
  let found: number[] = [];
  try {
    found = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {}
  return [pid, ...found.flatMap((child) => processTree(child))];
}

/** CPU seconds (user + system, all threads) so far of a process and its workers. */
export function cpuSeconds(pid: number | undefined): number {
  let ticks = 0;
  for (const each of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${each}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

/** CPU seconds the whole machine has been busy so far (all cores; /proc/stat), to see what else ran. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal: all but idle and iowait.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** The largest peak RSS (VmHWM) among a process and its workers: the target is per process. */
export function peakRssMb(pid: number | undefined): number {
  let peak = 0;
  for (const each of processTree(pid)) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${each}/status`, 'utf8'));
      peak = Math.max(peak, Number(match?.[1] ?? 0));
    } catch {}
  }
  return Math.round(peak / 102.4) / 10;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** One autocannon run from its own process (bench/load.ts); its result line. */
export async function loadRun(
  url: string,
  name: string,
  body: unknown,
  connections: number,
  seconds: number,
): Promise<{ rps: number; total: number; p50: number; mean: number; p99: number; non2xx: number; errors: number; timeouts: number }> {
  // Asynchronous on purpose: this process must keep draining the servers' log pipes, or a
  // target blocked on a full stderr pipe is what gets measured.
  const load = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/load.ts', url, name, String(connections), String(seconds), JSON.stringify(body)],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  load.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  await new Promise((resolve) => load.once('exit', resolve));
  return JSON.parse(out.trim().split('\n').pop() ?? '{}');
}

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** What bench/live-load.ts prints last (case g). */
export interface LiveLoadResult {
  subscribers: number;
  /** Subscriptions the gateway answered with an event stream. */
  opened: number;
  sessions: number;
  /** The emulator's open `/sse` streams once every subscription was open, and after the turns. */
  upstreamStreams: number;
  upstreamStreamsAfter: number;
  /** Messages posted (turns started). */
  posts: number;
  eventsDelivered: number;
  eventsPerSecond: number;
  /** From the first post until the turns' last events arrived. */
  windowMs: number;
  /** Receipt time minus the event's `at` (the emulator's emit time, whole ms). */
  latencyMs: Percentiles;
  /** Each upstream event's first subscriber only: the path through the gateway without its fan-out. */
  firstReceiptLatencyMs: Percentiles;
  eventsPerSubscriber: { min: number; max: number };
  /** Subscribers that saw fewer events than another subscriber of their session. */
  behindTheirSession: number;
  /** Subscriptions that ended before the load let go of them. */
  ended: number;
  duplicates: number;
  errors: number;
  firstError: string | null;
  clientCpuMs: number;
  clientCpuPercent: number;
  /** How late this process's event loop ran a timer, at p99. */
  clientLoopDelayP99Ms: number;
}

/**
 * Case (g)'s load (bench/live-load.ts) in its own process: `phase` is called on its phase lines
 * (`turns`, `settled`) as they come, so the caller can read the target's CPU at those moments.
 */
export async function liveLoadRun(
  settings: Record<string, unknown>,
  phase: (name: string) => void,
): Promise<LiveLoadResult> {
  const load = spawn(process.execPath, ['--import', 'tsx', 'bench/live-load.ts', JSON.stringify(settings)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(load);
  let pending = '';
  let last = '';
  load.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let end = pending.indexOf('\n');
    while (end >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      const name = /^\{"phase":"(\w+)"\}$/.exec(line)?.[1];
      if (name) phase(name);
      else if (line) last = line;
      end = pending.indexOf('\n');
    }
  });
  const code = await new Promise((resolve) => load.once('exit', resolve));
  if (!last) throw new Error(`bench/live-load.ts exited ${code} without a result`);
  return JSON.parse(last);
}

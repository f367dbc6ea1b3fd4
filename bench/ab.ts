import { readFileSync } from 'node:fs';
import { DEMO_KEYS } from '../src/emulator/index.js';
import { cpuSeconds, drainOutput, loadRun, median, start, startCeiling } from './processes.js';
import { DETAIL, EVERRUNS, FACTORY } from './queries.js';

/**
 * `npm run bench:ab -- TARGET TARGET ...`: two or more builds (or Node flags, or settings) of
 * the gateway against each other, in paired rounds, to judge one change. The full benchmark
 * (bench/run.ts) is ~27 minutes; this is one case at one connection count, and reports each
 * target against the first: the median of the rounds' req/s ratios and of their CPU-per-request
 * ratios (CPU time moves less than req/s on a shared machine).
 *
 * TARGET is `name=ENTRY` or `name=ENTRY|NODE FLAGS|VAR=value,VAR=value` (flags left empty are
 * `npm start`'s, `none` is none). ENTRY is a bundle (`dist/main.js`; `node scripts/build.mjs
 * src/main.ts /tmp/old.js` in a worktree of another commit makes one to compare with), or
 * `floor` for bench/floor.ts, or `ceiling` for bench/ceiling.ts (the floor's work served by Yoga:
 * the most this request path allows). The gateway runs as one process (`WORKERS=1`) unless a variable
 * says otherwise; its info-level line "at http://..." says it is ready (not with LOG_LEVEL=warn).
 * AB_CASE (b, bv, c, or mf / me: the detail page of a long Factory / Everruns conversation), AB_CONNECTIONS, AB_ROUNDS (10), AB_SECONDS (3).
 */

const CASE = process.env.AB_CASE ?? 'bv';
const CONNECTIONS = Number(process.env.AB_CONNECTIONS ?? 1);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 10);
const SECONDS = Number(process.env.AB_SECONDS ?? 3);

const specs = process.argv.slice(2);
if (specs.length < 2) {
  process.stderr.write('usage: npm run bench:ab -- name=dist/main.js other=/tmp/old.js ...\n');
  process.exit(2);
}

const QUERIES: Record<string, string> = {
  b: `query B($first: Int) { ${FACTORY} }`,
  bv: `query BV($first: Int) { ${FACTORY} }`,
  c: `query C($first: Int) { ${FACTORY} ${EVERRUNS} }`,
  mf: DETAIL,
  me: DETAIL,
};
const query = QUERIES[CASE];
if (!query) throw new Error(`AB_CASE must be one of ${Object.keys(QUERIES).join(', ')}`);

const emulator = await start(['bench/emulator-process.ts'], {}, /^(\{.*\})\n/m, 'stdout');
const info = JSON.parse(emulator.match[1] ?? '{}') as {
  factoryUrl: string;
  everrunsUrl: string;
  factoryLong: { globalId: string };
  everrunsLong: { globalId: string };
};
const variables: Record<string, unknown> =
  CASE === 'mf' ? { id: info.factoryLong.globalId } : CASE === 'me' ? { id: info.everrunsLong.globalId } : { first: 50 };
const body = { query, variables };
const upstreamEnv = {
  FACTORY_BASE_URL: info.factoryUrl,
  FACTORY_API_KEY: DEMO_KEYS.acme.factory,
  EVERRUNS_BASE_URL: info.everrunsUrl,
  EVERRUNS_API_KEY: DEMO_KEYS.acme.everruns,
  NODE_ENV: 'production',
};
const manifest: { scripts: { start: string } } = JSON.parse(readFileSync('package.json', 'utf8'));
const START_FLAGS = manifest.scripts.start.split(' ').filter((word) => word.startsWith('--'));

interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number | undefined;
  readonly rps: number[];
  readonly cpuUsPerRequest: number[];
}

const targets: Target[] = [];
for (const spec of specs) {
  const [name = '', rest = ''] = spec.split(/=(.*)/s);
  const [entry = '', flagText, envText = ''] = rest.split('|');
  const flags = !flagText ? START_FLAGS : flagText === 'none' ? [] : flagText.split(' ').filter(Boolean);
  const env: Record<string, string> = { ...upstreamEnv };
  for (const pair of envText.split(',').filter(Boolean)) {
    const [key = '', value = ''] = pair.split(/=(.*)/s);
    env[key] = value;
  }
  const started =
    entry === 'floor'
      ? await start(['bench/floor.ts'], env, /floor at (http:\/\/127\.0\.0\.1:\d+\/graphql)/, 'stderr')
      : entry === 'ceiling'
        ? await startCeiling(env, flags)
        : await start(
          [entry],
          { PORT: '0', WORKERS: '1', ...env },
          /at (http:\/\/127\.0\.0\.1:\d+\/graphql)/,
          'stderr',
          flags,
        );
  targets.push({ name, url: started.match[1] ?? '', pid: started.child.pid, rps: [], cpuUsPerRequest: [] });
}
drainOutput();

// Warm-up: a short one left the gateway's larger body of code colder than the floor's (CPU per
// request ~1.3x the floor's at (c), one connection, against ~1.1x late in the full benchmark).
for (const target of targets) await loadRun(target.url, CASE, body, Math.max(CONNECTIONS, 8), 5);
for (let round = 0; round < ROUNDS; round++) {
  for (const target of round % 2 ? [...targets].reverse() : targets) {
    const before = cpuSeconds(target.pid);
    const result = await loadRun(target.url, CASE, body, CONNECTIONS, SECONDS);
    target.rps.push(result.rps);
    target.cpuUsPerRequest.push(((cpuSeconds(target.pid) - before) * 1e6) / Math.max(1, result.total));
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const [base] = targets;
console.log(`case ${CASE}, ${CONNECTIONS} connection(s), ${ROUNDS} paired rounds of ${SECONDS} s; ratios against ${base?.name}`);
for (const target of targets) {
  const rpsRatio = median(target.rps.map((rps, i) => rps / (base?.rps[i] ?? Number.NaN)));
  const cpuRatio = median(target.cpuUsPerRequest.map((cpu, i) => cpu / (base?.cpuUsPerRequest[i] ?? Number.NaN)));
  console.log(
    JSON.stringify({
      target: target.name,
      rps: Math.round(median(target.rps)),
      cpuUsPerRequest: Math.round(median(target.cpuUsPerRequest)),
      rpsRatio: round2(rpsRatio),
      cpuRatio: round2(cpuRatio),
      rpsRuns: target.rps.map(Math.round),
    }),
  );
}
// process.exit stops the servers (./processes.ts).
process.exit(0);

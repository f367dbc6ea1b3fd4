import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeSse, subscribeWs } from './live-client.js';

const ROOT = new URL('..', import.meta.url).pathname;
const MAIN = `${ROOT}dist/main.js`;
// `npm start` is `npm run build` then this command (see package.json).
// `npm start`'s Node flags (package.json), so the test runs what production runs.
const START = [...startFlags(), MAIN];

function startFlags(): string[] {
  const manifest: { scripts: { start: string } } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
  return manifest.scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

beforeAll(() => {
  execFileSync(process.execPath, [`${ROOT}scripts/build.mjs`], { cwd: ROOT });
});

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly lines: string[];
}

/** Starts `src/main.ts` as `npm start` does, on an ephemeral port, and waits for it to listen. */
function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, START, {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${lines.join('\n')}`)), 20_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      lines.push(...chunk.split('\n').filter(Boolean));
      const match = /at (http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(chunk);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], lines });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${lines.join('\n')}`));
    });
  });
}

describe('npm start (demo mode, over a real socket)', () => {
  let server: Started;
  beforeAll(async () => {
    server = await start({});
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });

  it('says it is in demo mode in its first log line', () => {
    const first = JSON.parse(server.lines[0] ?? '{}');
    expect(first.msg).toMatch(/^demo mode: serving the embedded emulator of Factory and Everruns/);
  });

  it('serves GraphiQL to browsers at /graphql', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>sessiongraph</title>');
    expect(html).toContain('RecentSessions');
  });

  it('answers the example query with sessions of both sources', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ factorySessions(first: 2) { edges { node { title } } } everrunsSessions(first: 2) { totalCount } }',
      }),
    });
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.factorySessions.edges).toHaveLength(2);
    expect(body.data.everrunsSessions.totalCount).toBe(230);
  });

  it('stops with exit code 0 on SIGTERM, completing open subscriptions of both transports', async () => {
    const listed = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ everrunsSessions(first: 1) { edges { node { id } } } }' }),
    });
    const id: string = (await listed.json()).data.everrunsSessions.edges[0].node.id;
    const query = 'subscription($id: ID!) { sessionEvents(sessionId: $id) { __typename } }';
    const sse = await subscribeSse(server.url, query, { id });
    const ws = subscribeWs(server.url, query, { id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await sse.waitFor(() => sse.completed, 10_000).catch(() => undefined);
    await ws.waitFor(() => ws.completed, 10_000).catch(() => undefined);
    expect(sse.completed && ws.completed).toBe(true);
    expect(sse.payloads.concat(ws.payloads).filter((payload) => payload.errors)).toEqual([]);
    expect(await exited).toBe(0);
    await Promise.all([sse.close(), ws.close()]);
  });
});

/** Resolves once `count` lines match `pattern` (lines seen so far count too). */
function waitForLines(server: Started, pattern: RegExp, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`waited for ${count} x ${pattern}: ${server.lines.join('\n')}`)),
      20_000,
    );
    const check = () => {
      const found = server.lines.filter((line) => pattern.test(line));
      if (found.length < count) return;
      clearTimeout(timer);
      server.child.stderr?.off('data', check);
      resolve(found);
    };
    server.child.stderr?.on('data', check);
    check();
  });
}

/** A POST on a connection of its own, so node:cluster may hand it to any worker. */
async function postOnNewConnection(url: string, query: string) {
  const { request } = await import('node:http');
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

describe('WORKERS=2 (node:cluster)', () => {
  let server: Started;
  beforeAll(async () => {
    server = await start({ WORKERS: '2' });
    await waitForLines(server, /GraphQL and GraphiQL at/, 2);
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });

  it('serves from both workers and /metrics adds up every worker', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        postOnNewConnection(server.url, '{ factorySessions(first: 1) { edges { node { title } } } }'),
      ),
    );
    for (const answer of answers) expect(JSON.parse(answer.body).data.factorySessions.edges).toHaveLength(1);
    // Log lines leave after the response: wait for all eight.
    const logged = await waitForLines(server, /"msg":"request"/, 8);
    const pids = new Set(logged.map((line) => JSON.parse(line).pid));
    expect(pids.size).toBe(2);
    const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain('sessiongraph_requests_total{operation="anonymous",status="200"} 8');
  });

  it('replaces a worker that dies, and stops with exit code 0 on SIGTERM', async () => {
    const pid = Number(JSON.parse(server.lines.find((line) => line.includes('"msg":"request"')) ?? '{}').pid);
    process.kill(pid, 'SIGKILL');
    await waitForLines(server, /worker exited; starting another/, 1);
    await waitForLines(server, /GraphQL and GraphiQL at/, 3);
    const answer = await postOnNewConnection(server.url, '{ __typename }');
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('start-up with a bad environment', () => {
  it('warns in production when CURSOR_SECRET is not set, and not when it is', async () => {
    const upstream = { NODE_ENV: 'production', FACTORY_BASE_URL: 'http://127.0.0.1:9', FACTORY_API_KEY: 'fk-x' };
    const warned = (lines: readonly string[]) => lines.some((line) => line.includes('CURSOR_SECRET is not set'));
    const unset = await start(upstream);
    unset.child.kill('SIGKILL');
    expect(warned(unset.lines)).toBe(true);
    const set = await start({ ...upstream, CURSOR_SECRET: 'a-secret-of-sixteen-plus' });
    set.child.kill('SIGKILL');
    expect(warned(set.lines)).toBe(false);
  });

  it('exits 1 with one line naming the variable', async () => {
    const child = spawn(process.execPath, START, {
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^Invalid configuration: PORT: /);
  });
});

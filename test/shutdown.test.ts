import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS, type Emulator, startEmulator } from '../src/emulator/index.js';

const TSX = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;
const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe('the server process', () => {
  it('on SIGTERM finishes in-flight requests, refuses new ones, exits 0, and never logs a key', async () => {
    const child = spawn(TSX, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        LOG_LEVEL: 'debug',
        FACTORY_BASE_URL: emulator.factoryUrl,
        FACTORY_API_KEY: DEMO_KEYS.acme.factory,
        EVERRUNS_BASE_URL: emulator.everrunsUrl,
        EVERRUNS_API_KEY: DEMO_KEYS.acme.everruns,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      logs += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${logs}`)), 20_000);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        logs += chunk;
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(logs);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    emulator.switchboard.inject({ route: 'GET /api/v0/sessions', delayMs: 800 });
    const inFlight = Array.from({ length: 5 }, (_, i) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-factory-api-key': DEMO_KEYS.acme.factory },
        body: JSON.stringify({ query: `query Slow${i} { factorySessions(first: 2) { edges { node { title } } } }` }),
      }).then(async (response) => ({ status: response.status, body: await response.json() })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{__typename}"}',
    }).then(
      () => 'answered',
      () => 'refused',
    );

    const answers = await Promise.all(inFlight);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.data.factorySessions.edges).toHaveLength(2);
    }
    expect(refused).toBe('refused');
    expect(await exited).toBe(0);

    const lines = logs
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(requests.map((entry) => entry.operation).sort()).toEqual(['Slow0', 'Slow1', 'Slow2', 'Slow3', 'Slow4']);
    expect(requests[0]).toMatchObject({ level: 'info', status: 200, upstreamCalls: 1, retries: 0, errors: [] });
    expect(logs).toContain('shutting down');
    for (const key of [DEMO_KEYS.acme.factory, DEMO_KEYS.acme.everruns]) expect(logs).not.toContain(key);
    expect(logs).not.toMatch(/authorization|bearer/i);
  });
});

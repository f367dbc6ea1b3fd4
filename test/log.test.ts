import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

/** Runs `script` (ES module code that may import ./src/log.ts) in a fresh Node process; its stderr. */
function run(script: string, env: Record<string, string> = {}): { stderr: string; status: number | null } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { stderr: child.stderr, status: child.status };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The stderr lines as parsed JSON objects; throws on a line that is not one. */
function entries(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const value: unknown = JSON.parse(line);
      if (!isObject(value)) throw new Error(`not a JSON object: ${line}`);
      return value;
    });
}

describe('the log', () => {
  it('writes one JSON line per entry on stderr: time, level label, pid, msg and the fields', () => {
    const { stderr } = run(
      `const { log } = await import('./src/log.ts');
       log('info', 'upstreams configured', { factory: 'on', count: 2 });
       log('error', 'failed', { nested: { a: [1] } });`,
      { LOG_LEVEL: 'info' },
    );
    const [first, second, ...rest] = entries(stderr);
    expect(rest).toEqual([]);
    expect(first).toEqual({
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      level: 'info',
      pid: expect.any(Number),
      msg: 'upstreams configured',
      factory: 'on',
      count: 2,
    });
    expect(second).toMatchObject({ level: 'error', msg: 'failed', nested: { a: [1] }, pid: first?.pid });
    expect(Object.keys(first ?? {})).not.toContain('hostname');
    expect(Date.parse(String(first?.time))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('writes only the levels at or above the threshold (LOG_LEVEL, then setLogLevel)', () => {
    const script = `
      const { log, setLogLevel } = await import('./src/log.ts');
      for (const level of ['debug', 'info', 'warn', 'error']) log(level, 'start ' + level);
      setLogLevel('debug');
      log('debug', 'after debug');
      setLogLevel('silent');
      log('error', 'after silent');
    `;
    const messages = (env: Record<string, string>) => entries(run(script, env).stderr).map((entry) => entry.msg);
    expect(messages({ LOG_LEVEL: 'warn' })).toEqual(['start warn', 'start error', 'after debug']);
    expect(messages({ LOG_LEVEL: 'silent' })).toEqual(['after debug']);
    // Unset or unknown: info.
    expect(messages({})).toEqual(['start info', 'start warn', 'start error', 'after debug']);
    expect(messages({ LOG_LEVEL: 'loud' })).toEqual(['start info', 'start warn', 'start error', 'after debug']);
  });

  it('never writes a key, even one passed by mistake', () => {
    const { stderr } = run(
      `const { log } = await import('./src/log.ts');
       log('warn', 'oops', {
         authorization: 'Bearer secret-1',
         apiKey: 'secret-2',
         factory: { baseUrl: 'http://factory', apiKey: 'secret-3' },
         headers: { authorization: 'ApiKey secret-4' },
         request: { headers: { 'x-api-key': 'secret-5' } },
       });`,
      { LOG_LEVEL: 'info' },
    );
    expect(stderr).not.toMatch(/secret/);
    expect(entries(stderr)).toEqual([
      expect.objectContaining({ msg: 'oops', factory: { baseUrl: 'http://factory', apiKey: '[Redacted]' } }),
    ]);
  });

  it('loses no line when the process exits right after logging, in order', () => {
    const script = `
      const { log } = await import('./src/log.ts');
      for (let i = 0; i < 3000; i++) log(i % 1000 === 999 ? 'warn' : 'info', 'line', { i });
      process.exit(0);
    `;
    const lines = entries(run(script, { LOG_LEVEL: 'info' }).stderr);
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('loses no line when the process dies of an uncaught error right after logging', () => {
    const { stderr, status } = run(
      `const { log } = await import('./src/log.ts');
       for (let i = 0; i < 100; i++) log('info', 'line', { i });
       throw new Error('crash');`,
      { LOG_LEVEL: 'info' },
    );
    expect(status).not.toBe(0);
    const lines = stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(entries(lines.join('\n')).map((line) => line.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('what the gateway logs', () => {
  // A gateway over the emulator (and a third source with a bug, for a masked error) in a child
  // process, sent argument errors, refusals and non-GraphQL requests; the child prints /metrics.
  const script = `
    const { registerSource } = await import('./src/sources/registry.ts');
    const { ORBIT_BUGGY_ID, orbitSource, startOrbit } = await import('./test/fixtures/orbit/module.ts');
    registerSource(orbitSource);
    await import('./test/fixtures/orbit/schema.ts');
    const { DEMO_KEYS, startEmulator } = await import('./src/emulator/index.ts');
    const { loadConfig } = await import('./src/config.ts');
    const { createGateway } = await import('./src/yoga.ts');
    const { listen } = await import('./src/server.ts');
    const { globalId } = await import('./src/schema/node.ts');
    const emulator = await startEmulator();
    const orbit = await startOrbit('orbit-key');
    const env = {
      FACTORY_BASE_URL: emulator.factoryUrl, FACTORY_API_KEY: DEMO_KEYS.acme.factory,
      EVERRUNS_BASE_URL: emulator.everrunsUrl, EVERRUNS_API_KEY: DEMO_KEYS.acme.everruns,
      ORBIT_BASE_URL: orbit.url, ORBIT_API_KEY: 'orbit-key',
      MAX_DEPTH: '4', MAX_BODY_BYTES: '2000', PERSISTED_DOCUMENTS_MODE: 'allow',
    };
    const post = (url, body, headers = {}) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    let metrics = '';
    for (const jit of ['true', 'false']) {
      const gateway = createGateway(loadConfig({ ...env, GRAPHQL_JIT: jit }).gateway);
      const { server, url } = await listen(gateway, 0, '127.0.0.1');
      const send = async (...args) => (await post(url, ...args)).text();
      await send({ query: 'query BadFirst { sessions(first: 101) { totalCount } }' });
      await send({ query: 'query BadCursor { sessions(first: 1, after: "garbage") { totalCount } }' });
      await send({ query: 'query BadId($id: ID!) { node(id: $id) { id } }', variables: { id: '!!!' } });
      await send({ query: 'query BothWays { everrunsSessions(first: 1, last: 1) { totalCount } }' });
      await send({ query: 'query ZeroFirst($n: Int) { factorySessions(first: $n) { edges { cursor } } }', variables: { n: 0 } });
      await send({ query: 'query Buggy($id: ID!) { node(id: $id) { id } }', variables: { id: globalId('OrbitSession', ORBIT_BUGGY_ID) } });
      if (jit === 'false') {
        await send({ query: '{ sessions { edges { node { tokenUsage { inputTokens } } } } }' });
        await send({ query: '{ nope }' }, { accept: 'application/graphql-response+json' });
        await (await fetch(url + '?query=%7B__typename%7D')).text();
        await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(3000) })).text();
        await send({ documentId: 'sha256:' + '0'.repeat(64) });
        await (await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<q/>' })).text();
        await (await fetch(url.replace('/graphql', '/favicon.ico'))).text();
        await (await fetch(url.replace('/graphql', '/graphiql-assets/graphiql.css'))).text();
        await send({ query: 'query Fine { __typename }' });
        metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
    }
    await emulator.close();
    orbit.server.close();
    process.stdout.write(metrics);
    process.exit(0);
  `;
  let lines: Record<string, unknown>[] = [];
  let metrics = '';

  beforeAll(() => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'debug' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (child.status !== 0) throw new Error(`the child failed (${child.status}): ${child.stderr}`);
    lines = entries(child.stderr);
    metrics = child.stdout;
  }, 90_000);

  const requests = () => lines.filter((line) => line.msg === 'request');

  it('logs argument errors on the request line only; a masked error also at error, with its cause', () => {
    const argumentErrors = ['BadFirst', 'BadCursor', 'BadId', 'BothWays', 'ZeroFirst'];
    for (const executor of [0, 1]) {
      const own = requests().slice(executor * 6, executor * 6 + 6);
      expect(own.map((line) => [line.operation, line.errors])).toEqual([
        ...argumentErrors.map((name) => [name, ['BAD_USER_INPUT']]),
        ['Buggy', ['INTERNAL_SERVER_ERROR']],
      ]);
    }
    // Only the masked errors (one per executor), with what a person needs to find the bug.
    expect(lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({ msg: 'unexpected error in a resolver', error: expect.stringContaining('orbit') }),
      expect.objectContaining({ msg: 'unexpected error in a resolver', error: expect.stringContaining('orbit') }),
    ]);
  });

  it('logs the codes of requests refused before execution, and no line for other paths', () => {
    const refused = requests().slice(12);
    expect(refused.map((line) => [line.status, line.errors])).toEqual([
      [200, ['LIMIT_EXCEEDED']],
      [400, ['GRAPHQL_VALIDATION_FAILED']],
      [403, ['CSRF_HEADER_REQUIRED']],
      [413, ['REQUEST_TOO_LARGE']],
      [400, ['PERSISTED_DOCUMENT_NOT_FOUND']],
      [415, ['UNSUPPORTED_MEDIA_TYPE']],
      [200, []],
    ]);
    // GraphiQL's assets and the favicon are answered, and are not GraphQL requests.
    expect(requests()).toHaveLength(19);
    expect(metrics).not.toMatch(/sessiongraph_requests_total\{[^}]*status="204"/);
  });

  it('counts requests by error code in sessiongraph_request_errors_total', () => {
    const count = (code: string) =>
      Number(new RegExp(`^sessiongraph_request_errors_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    // The second gateway's: five argument errors, one masked error, one of each refusal.
    expect(count('BAD_USER_INPUT')).toBe(5);
    expect(count('INTERNAL_SERVER_ERROR')).toBe(1);
    const refusals = ['LIMIT_EXCEEDED', 'GRAPHQL_VALIDATION_FAILED', 'CSRF_HEADER_REQUIRED', 'REQUEST_TOO_LARGE'];
    for (const code of [...refusals, 'PERSISTED_DOCUMENT_NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE']) {
      expect(count(code), code).toBe(1);
    }
    expect(metrics).toMatch(/^sessiongraph_requests_total\{operation="Fine",status="200"\} 1$/m);
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

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

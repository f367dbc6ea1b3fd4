import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Access lines are written in batches (src/log.ts); none may be lost when the process ends.
describe('the log', () => {
  it('writes every pending line when the process exits, in order', () => {
    const script = `
      const { log } = await import('./src/log.ts');
      for (let i = 0; i < 3000; i++) log(i % 1000 === 999 ? 'warn' : 'info', 'line', { i });
      process.exit(0);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
      encoding: 'utf8',
    });
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(3000);
    expect(lines.map((line) => JSON.parse(line).i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});

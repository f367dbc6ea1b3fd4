import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

describe('Relay', () => {
  it('relay-compiler compiles the example fragments (@connection, @refetchable, @alias) against schema.graphql, and the artifacts are current', () => {
    const run = spawnSync(`${root}node_modules/.bin/relay-compiler`, ['--validate'], { cwd: root, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).not.toContain('ERROR');
    expect(run.status).toBe(0);
  });
});

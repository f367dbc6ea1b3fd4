import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeGlobalId, globalId } from '../src/schema/node.js';

const root = new URL('..', import.meta.url).pathname;

describe('Relay', () => {
  it('relay-compiler compiles the example fragments (@connection, @refetchable, @alias) against schema.graphql, and the artifacts are current', () => {
    const run = spawnSync(`${root}node_modules/.bin/relay-compiler`, ['--validate'], { cwd: root, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).not.toContain('ERROR');
    expect(run.status).toBe(0);
  });
});

describe('Global ids', () => {
  it('are the base64 of the UTF-8 of `Type:id` (the relay scheme), for ASCII and other ids, and decode back', () => {
    for (const [typename, id] of [
      ['FactorySession', '2f9c4e1a-0b7d-4c1e-9d3a-5e6f7a8b9c0d'],
      ['Message', 'FACTORY:s-1:m-1'],
      ['Message', 'FACTORY:sessão-é:消息-1'],
      ['EverrunsSession', 'session_é\u00ff'],
    ] as const) {
      const encoded = globalId(typename, id);
      expect(encoded).toBe(Buffer.from(`${typename}:${id}`, 'utf8').toString('base64'));
      expect(decodeGlobalId(encoded)).toEqual({ typename, id });
    }
  });
});

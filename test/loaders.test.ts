import { describe, expect, it } from 'vitest';
import { globalId } from '../src/schema/node.js';
import { dataOf, useHarness } from './harness.js';

const h = useHarness({ gateway: () => ({ loaderConcurrency: 32, upstreamConnections: 32 }) });

const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Session { sourceId title } } }`;

function factoryIds(count: number): string[] {
  return (h.emulator.tenants.get('acme')?.factorySessions ?? []).slice(0, count).map((s) => s.sessionId);
}

function everrunsIds(count: number): string[] {
  return (h.emulator.tenants.get('acme')?.everrunsSessions ?? []).slice(0, count).map((s) => s.json.id);
}

describe('session loaders', () => {
  it('one id 20 times costs one upstream GET', async () => {
    const id = globalId('FactorySession', factoryIds(1)[0] ?? '');
    const response = await h.query(NODES, { ids: Array.from({ length: 20 }, () => id) });
    expect(response.body.errors).toBeUndefined();
    const nodes = response.body.data?.nodes as { id: string }[];
    expect(nodes).toHaveLength(20);
    expect(new Set(nodes.map((n) => n.id))).toEqual(new Set([id]));
    expect(h.emulator.switchboard.count('GET /api/v0/sessions/:id')).toBe(1);
  });

  it('20 distinct ids cost 20 GETs, all in flight together', async () => {
    const ids = everrunsIds(20);
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions/:id', delayMs: 150 });
    const response = await h.query(NODES, { ids: ids.map((id) => globalId('EverrunsSession', id)) });
    expect(response.body.errors).toBeUndefined();
    expect(dataOf<{ sourceId: string }[]>(response, 'nodes').map((n) => n.sourceId)).toEqual(ids);
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id')).toBe(20);
    // In parallel: the emulator saw all 20 in progress at once.
    expect(h.emulator.switchboard.maxInFlight('GET /v1/sessions/:id')).toBe(20);
  });

  it('lets 30 calls in flight listen for the client going away without a leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const ids = everrunsIds(30);
      h.emulator.switchboard.inject({ route: 'GET /v1/sessions/:id', delayMs: 50 });
      const response = await h.query(NODES, { ids: ids.map((id) => globalId('EverrunsSession', id)) });
      expect(response.body.errors).toBeUndefined();
      expect(h.emulator.switchboard.maxInFlight('GET /v1/sessions/:id')).toBe(30);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('mixes both sources in one nodes call, in order, with unknown ids as null', async () => {
    const f = factoryIds(2);
    const e = everrunsIds(2);
    const ids = [
      globalId('EverrunsSession', e[0] ?? ''),
      globalId('FactorySession', f[0] ?? ''),
      globalId('EverrunsSession', `session_${'0'.repeat(32)}`),
      globalId('FactorySession', 'no-such-session'),
      globalId('FactorySession', f[1] ?? ''),
    ];
    const response = await h.query(NODES, { ids });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.nodes).toEqual([
      expect.objectContaining({ __typename: 'EverrunsSession', sourceId: e[0] }),
      expect.objectContaining({ __typename: 'FactorySession', sourceId: f[0] }),
      null,
      null,
      expect.objectContaining({ __typename: 'FactorySession', sourceId: f[1] }),
    ]);
  });

  it('a session listed in the same request costs no extra GET, even when node is asked beside the list', async () => {
    const id = factoryIds(3)[2] ?? '';
    const query = `query($id: ID!) {
      factorySessions(first: 5) { edges { node { sourceId } } }
      node(id: $id) { ... on FactorySession { sourceId messageCount } }
    }`;
    const response = await h.query(query, { id: globalId('FactorySession', id) });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.node).toEqual({ sourceId: id, messageCount: expect.any(Number) });
    expect(h.emulator.switchboard.count('GET /api/v0/sessions')).toBe(1);
    expect(h.emulator.switchboard.count('GET /api/v0/sessions/:id')).toBe(0);
  });

  it('fetches only the ids a concurrent list did not return', async () => {
    const listed = everrunsIds(3)[1] ?? '';
    const notListed = everrunsIds(30)[29] ?? '';
    const query = `query($a: ID!, $b: ID!) {
      everrunsSessions(first: 3) { totalCount }
      a: node(id: $a) { id }
      b: node(id: $b) { id }
    }`;
    const response = await h.query(query, {
      a: globalId('EverrunsSession', listed),
      b: globalId('EverrunsSession', notListed),
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toMatchObject({
      a: { id: globalId('EverrunsSession', listed) },
      b: { id: globalId('EverrunsSession', notListed) },
    });
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id')).toBe(1);
    expect(h.emulator.switchboard.requests.find((r) => r.route === 'GET /v1/sessions/:id')?.path).toContain(notListed);
  });

  it('loaders are per request: the same node in two requests costs two GETs', async () => {
    const id = globalId('FactorySession', factoryIds(1)[0] ?? '');
    await h.query(NODES, { ids: [id] });
    await h.query(NODES, { ids: [id] });
    expect(h.emulator.switchboard.count('GET /api/v0/sessions/:id')).toBe(2);
  });

  it('a failing id fails only itself (after its retries)', async () => {
    const ids = everrunsIds(3);
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions/:id', status: 500, pathIncludes: ids[1] });
    const response = await h.query(NODES, { ids: ids.map((id) => globalId('EverrunsSession', id)) });
    const nodes = response.body.data?.nodes as (object | null)[];
    expect(nodes.filter((n) => n === null)).toHaveLength(1);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      source: 'EVERRUNS',
      upstreamStatus: 500,
    });
    expect(response.body.errors?.[0]?.path).toEqual(['nodes', 1]);
    // Four retries for the failing id, one GET each for the others.
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id')).toBe(7);
  });
});

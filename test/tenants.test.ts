import { describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { dataOf, errorCodes, useHarness } from './harness.js';

describe('with configured keys (tenant acme)', () => {
  const h = useHarness();
  const LIST =
    '{ factorySessions(first: 100) { edges { node { sourceId } } } everrunsSessions(first: 100) { edges { node { sourceId } } } }';

  function ids(response: Awaited<ReturnType<typeof h.query>>, field: string): string[] {
    return dataOf<{ edges: { node: { sourceId: string } }[] }>(response, field).edges.map((e) => e.node.sourceId);
  }

  it('per-request keys select the tenant, and each tenant sees only its own sessions', async () => {
    const acme = await h.query(LIST);
    const globex = await h.query(LIST, undefined, {
      'x-factory-api-key': DEMO_KEYS.globex.factory,
      'x-everruns-api-key': DEMO_KEYS.globex.everruns,
    });
    const tenants = h.emulator.tenants;
    expect(ids(acme, 'factorySessions')).toEqual(
      tenants
        .get('acme')
        ?.factorySessions.slice(0, 100)
        .map((s) => s.sessionId),
    );
    expect(ids(globex, 'factorySessions')).toEqual(
      tenants
        .get('globex')
        ?.factorySessions.slice(0, 100)
        .map((s) => s.sessionId),
    );
    expect(ids(globex, 'everrunsSessions')).toEqual(
      tenants
        .get('globex')
        ?.everrunsSessions.slice(0, 100)
        .map((s) => s.json.id),
    );
    const acmeIds = new Set([...ids(acme, 'factorySessions'), ...ids(acme, 'everrunsSessions')]);
    expect([...ids(globex, 'factorySessions'), ...ids(globex, 'everrunsSessions')].some((id) => acmeIds.has(id))).toBe(
      false,
    );
  });

  it("tenant B's key cannot open tenant A's session by id", async () => {
    const acmeSession = h.emulator.tenants.get('acme')?.everrunsSessions[0]?.json.id ?? '';
    const response = await h.query(
      'query($id: ID!) { node(id: $id) { id } }',
      { id: globalId('EverrunsSession', acmeSession) },
      {
        'x-everruns-api-key': DEMO_KEYS.globex.everruns,
      },
    );
    expect(response.body).toEqual({ data: { node: null } });
  });

  it('a wrong key is UNAUTHENTICATED for that source only', async () => {
    const response = await h.query(LIST, undefined, { 'x-factory-api-key': 'fk-not-a-real-key' });
    expect(errorCodes(response)).toEqual([{ path: 'factorySessions', code: 'UNAUTHENTICATED', source: 'FACTORY' }]);
    expect(ids(response, 'everrunsSessions')).toHaveLength(100);
    expect(response.text).not.toContain('fk-not-a-real-key');
  });

  it("a member's key (not manager/owner) is FORBIDDEN", async () => {
    const response = await h.query(LIST, undefined, { 'x-factory-api-key': DEMO_KEYS.memberFactory });
    expect(errorCodes(response)).toEqual([{ path: 'factorySessions', code: 'FORBIDDEN', source: 'FACTORY' }]);
  });

  it('sends each upstream its own auth scheme', async () => {
    await h.query(LIST);
    const names = h.emulator.switchboard.requests.flatMap((r) => r.headerNames);
    expect(names).toContain('authorization');
    expect(names).not.toContain('x-factory-api-key');
    expect(names).not.toContain('x-everruns-api-key');
  });
});

describe('with no keys configured', () => {
  const h = useHarness({
    gateway: (emulator) => ({
      sources: {
        FACTORY: { baseUrl: emulator.factoryUrl, apiKey: null },
        EVERRUNS: { baseUrl: emulator.everrunsUrl, apiKey: null },
      },
    }),
  });

  it('a source without a key answers UNAUTHENTICATED for its fields only, before any call', async () => {
    const response = await h.query(
      '{ factorySessions(first: 2) { edges { cursor } } everrunsSessions(first: 2) { totalCount } }',
      undefined,
      {
        'x-everruns-api-key': DEMO_KEYS.acme.everruns,
      },
    );
    expect(response.body.data?.everrunsSessions).toEqual({ totalCount: 230 });
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: 'No Factory API key: send the x-factory-api-key header or set FACTORY_API_KEY.',
        extensions: { code: 'UNAUTHENTICATED', source: 'FACTORY' },
      }),
    ]);
    expect(h.emulator.switchboard.countPrefix('GET /api/v0')).toBe(0);
  });
});

describe('with only Everruns configured', () => {
  const h = useHarness({
    gateway: (emulator) => ({ sources: { FACTORY: null, EVERRUNS: emulator.demo.EVERRUNS ?? null } }),
  });

  it("Factory's fields answer SOURCE_NOT_CONFIGURED; the rest works", async () => {
    const response = await h.query(
      '{ factorySessions { edges { cursor } } everrunsSessions(first: 1) { totalCount } }',
    );
    expect(response.body.data).toEqual({ factorySessions: null, everrunsSessions: { totalCount: 230 } });
    expect(errorCodes(response)).toEqual([
      { path: 'factorySessions', code: 'SOURCE_NOT_CONFIGURED', source: 'FACTORY' },
    ]);
    expect(response.body.errors?.[0]?.message).toBe(
      'Factory is not configured on this gateway (set FACTORY_BASE_URL).',
    );
  });

  it('the merged feed ends with Everruns: a source that is off is not waited for', async () => {
    const feed = `query($after: String) { sessions(first: 100, after: $after) {
      edges { node { sourceId } } pageInfo { hasNextPage endCursor } unavailableSources } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 1; ; pages++) {
      const response = await h.query(feed, { after });
      expect(errorCodes(response)).toEqual([{ path: 'sessions', code: 'SOURCE_NOT_CONFIGURED', source: 'FACTORY' }]);
      type Feed = { edges: { node: { sourceId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      const page: Feed = dataOf<Feed>(response, 'sessions');
      seen.push(...page.edges.map((edge) => edge.node.sourceId));
      if (!page.pageInfo.hasNextPage) break;
      expect(pages).toBeLessThan(3);
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(230);
  });
});

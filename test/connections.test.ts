import { describe, expect, it } from 'vitest';
import { useHarness } from './harness.js';

const h = useHarness();

interface Page {
  edges: { cursor: string; node: { sourceId: string; createdAt: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

const FACTORY_PAGE = `query($first: Int, $after: String, $computerId: String) {
  factorySessions(first: $first, after: $after, computerId: $computerId) {
    edges { cursor node { __typename sourceId createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const EVERRUNS_PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $agentId: ID) {
  everrunsSessions(first: $first, after: $after, last: $last, before: $before, agentId: $agentId) {
    totalCount
    edges { cursor node { __typename sourceId createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function page(query: string, field: string, variables: Record<string, unknown>): Promise<Page> {
  const response = await h.query(query, variables);
  expect(response.body.errors).toBeUndefined();
  const data = response.body.data?.[field];
  if (!data) throw new Error(`no ${field} in ${response.text}`);
  return data as Page;
}

function tiesIn(micros: readonly number[]): number {
  return micros.filter((value, index) => index > 0 && value === micros[index - 1]).length;
}

describe('factorySessions', () => {
  it('walks to the end with first: 7, every session exactly once, in order, ties included', async () => {
    const expected = h.emulator.tenants.get('acme')?.factorySessions.map((s) => s.sessionId) ?? [];
    expect(tiesIn(h.emulator.tenants.get('acme')?.factorySessions.map((s) => s.createdAt) ?? [])).toBeGreaterThan(5);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result = await page(FACTORY_PAGE, 'factorySessions', { first: 7, after });
      pages += 1;
      // Full pages, then the rest; more pages exactly while sessions remain.
      expect(result.edges).toHaveLength(Math.min(7, expected.length - 7 * (pages - 1)));
      expect(result.pageInfo.hasNextPage).toBe(7 * pages < expected.length);
      expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...result.edges.map((edge) => edge.node.sourceId));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(seen.length).toBe(240);
    // One upstream list call per GraphQL page: the resume re-reads only the page in hand.
    expect(h.emulator.switchboard.count('GET /api/v0/sessions')).toBe(pages);
  });

  it('filters by computerId and keeps the filter in the cursor', async () => {
    const tenant = h.emulator.tenants.get('acme');
    const computerId = tenant?.computerIds[1] ?? '';
    const expected = tenant?.factorySessions.filter((s) => s.computerId === computerId).map((s) => s.sessionId) ?? [];
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result = await page(FACTORY_PAGE, 'factorySessions', { first: 25, after, computerId });
      pages += 1;
      seen.push(...result.edges.map((edge) => edge.node.sourceId));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    // Several pages, so later calls came from a cursor; one list call per page, each filtered.
    expect(pages).toBe(Math.ceil(expected.length / 25));
    expect(pages).toBeGreaterThan(1);
    expect(h.emulator.switchboard.requests.map((r) => [r.route, r.query.computerId])).toEqual(
      Array.from({ length: pages }, () => ['GET /api/v0/sessions', computerId]),
    );
  });

  it('pages across upstream pages when first + consumed exceeds 100', async () => {
    const expected = h.emulator.tenants.get('acme')?.factorySessions.map((s) => s.sessionId) ?? [];
    const first = await page(FACTORY_PAGE, 'factorySessions', { first: 70 });
    const second = await page(FACTORY_PAGE, 'factorySessions', { first: 100, after: first.pageInfo.endCursor });
    expect([...first.edges, ...second.edges].map((e) => e.node.sourceId)).toEqual(expected.slice(0, 170));
    expect(second.pageInfo.hasNextPage).toBe(true);
  });
});

describe('everrunsSessions', () => {
  it('walks forward with first: 7, every session exactly once, in order, with totalCount', async () => {
    const stored = h.emulator.tenants.get('acme')?.everrunsSessions ?? [];
    expect(tiesIn(stored.map((s) => s.micros))).toBeGreaterThan(5);
    const expected = stored.map((s) => s.json.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: 7, after });
      expect(result.totalCount).toBe(230);
      seen.push(...result.edges.map((edge) => edge.node.sourceId));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('a first page is one call for exactly `first` sessions; `total` tells whether more follow', async () => {
    const listed = () => h.emulator.switchboard.requests.filter((r) => r.route === 'GET /v1/sessions');
    const full = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: 100 });
    expect(full.edges.length).toBe(100);
    expect(full.pageInfo.hasNextPage).toBe(true);
    expect(listed().map((r) => r.query)).toEqual([{ offset: '0', limit: '100' }]);

    const stored = h.emulator.tenants.get('acme')?.everrunsSessions ?? [];
    const agentId = stored[0]?.json.agent_id ?? '';
    const ofAgent = stored.filter((s) => s.json.agent_id === agentId).length;
    const exact = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: ofAgent, agentId });
    expect(exact.edges.length).toBe(ofAgent);
    expect(exact.pageInfo.hasNextPage).toBe(false);
    expect(
      listed()
        .slice(1)
        .map((r) => r.query.limit),
    ).toEqual([String(ofAgent)]);
  });

  it('walks backward with last/before from the end to the start', async () => {
    const expected = h.emulator.tenants.get('acme')?.everrunsSessions.map((s) => s.json.id) ?? [];
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const result = await page(EVERRUNS_PAGE, 'everrunsSessions', { last: 7, before });
      seen.unshift(...result.edges.map((edge) => edge.node.sourceId));
      expect(result.pageInfo.hasNextPage).toBe(before !== null);
      expect(result.totalCount).toBe(expected.length);
      if (!result.pageInfo.hasPreviousPage) break;
      before = result.pageInfo.startCursor;
    }
    expect(seen).toEqual(expected);
    // Before the first session: an empty page that still counts them all.
    const head = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: 1 });
    const none = await page(EVERRUNS_PAGE, 'everrunsSessions', { last: 5, before: head.pageInfo.startCursor });
    expect(none).toMatchObject({ totalCount: expected.length, edges: [] });
    expect(none.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
  });

  it('filters by agentId', async () => {
    const tenant = h.emulator.tenants.get('acme');
    const agentId = tenant?.agentIds[2] ?? '';
    const expected = tenant?.everrunsSessions.filter((s) => s.json.agent_id === agentId).map((s) => s.json.id) ?? [];
    expect(expected.length).toBeGreaterThan(0);
    const result = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: 100, agentId });
    expect(result.edges.map((e) => e.node.sourceId)).toEqual(expected);
    expect(result.totalCount).toBe(expected.length);
    expect(result.pageInfo.hasNextPage).toBe(false);
  });

  it('an unknown agent gives an empty page, not an error', async () => {
    const result = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: 5, agentId: `agent_${'0'.repeat(32)}` });
    expect(result).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('resumes exactly once when sessions are created above the cursor between pages', async () => {
    const tenant = h.emulator.tenants.get('acme');
    const before = tenant?.everrunsSessions.map((s) => s.json.id) ?? [];
    const first = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: 10 });
    for (let i = 0; i < 3; i++) {
      const created = await fetch(`${h.emulator.everrunsUrl}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: 'evr_demo_acme_8d1b37', 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: tenant?.agentIds[0], title: `new ${i}` }),
      });
      expect(created.status).toBe(201);
    }
    const second = await page(EVERRUNS_PAGE, 'everrunsSessions', { first: 10, after: first.pageInfo.endCursor });
    expect([...first.edges, ...second.edges].map((e) => e.node.sourceId)).toEqual(before.slice(0, 20));
  });
});

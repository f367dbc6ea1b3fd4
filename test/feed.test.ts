import { describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { dataOf, errorCodes, useHarness } from './harness.js';

const h = useHarness();

interface FeedPage {
  edges: { cursor: string; node: { __typename: string; sourceId: string; createdAt: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number | null;
  unavailableSources: string[];
}

const FEED = `query($first: Int, $after: String, $filter: SessionFilter) {
  sessions(first: $first, after: $after, filter: $filter) {
    totalCount unavailableSources
    edges { cursor node { __typename sourceId createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const STATES: Record<string, string> = {
  pending: 'PENDING',
  running: 'RUNNING',
  idle: 'IDLE',
  started: 'PENDING',
  active: 'RUNNING',
  waiting_for_tool_results: 'RUNNING',
  paused: 'PAUSED',
};

interface Expected {
  readonly label: string;
  readonly micros: number;
  readonly rank: number;
  readonly index: number;
  readonly state: string;
  readonly computerId: string | null;
  readonly agentId: string | null;
}

/** The feed as the emulator's data says it must be: newest first, Factory first on ties, upstream order kept. */
function expectedFeed(tenantName = 'acme'): Expected[] {
  const tenant = h.emulator.tenants.get(tenantName);
  if (!tenant) throw new Error('no tenant');
  const factory = tenant.factorySessions.map((s, index) => ({
    label: `F:${s.sessionId}`,
    micros: s.createdAt * 1000,
    rank: 0,
    index,
    state: STATES[s.status] ?? 'UNKNOWN',
    computerId: s.computerId ?? null,
    agentId: null,
  }));
  const everruns = tenant.everrunsSessions.map((s, index) => ({
    label: `E:${s.json.id}`,
    micros: s.micros,
    rank: 1,
    index,
    state: STATES[String(s.json.status)] ?? 'UNKNOWN',
    computerId: null,
    agentId: s.json.agent_id,
  }));
  return [...factory, ...everruns].sort((a, b) => b.micros - a.micros || a.rank - b.rank || a.index - b.index);
}

function label(node: FeedPage['edges'][number]['node']): string {
  return `${node.__typename === 'FactorySession' ? 'F' : 'E'}:${node.sourceId}`;
}

/** Walks the feed to its end; `total` (the matches the emulator's data holds) fixes every page's size. */
async function walk(
  first: number,
  total: number,
  filter?: Record<string, unknown>,
  between?: (page: number) => Promise<void>,
) {
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; ; page++) {
    const response = await h.query(FEED, { first, after, filter });
    expect(response.body.errors).toBeUndefined();
    const result = dataOf<FeedPage>(response, 'sessions');
    // Full pages, then the rest; more pages exactly while matches remain.
    expect(result.edges).toHaveLength(Math.min(first, total - page * first));
    expect(result.pageInfo.hasNextPage).toBe((page + 1) * first < total);
    seen.push(...result.edges.map((edge) => label(edge.node)));
    if (!result.pageInfo.hasNextPage) return seen;
    after = result.pageInfo.endCursor;
    await between?.(page);
  }
}

describe('the merged feed', () => {
  it('the fixture world has creation-time ties within and across sources', () => {
    const feed = expectedFeed();
    const ties = feed.filter((item, i) => i > 0 && item.micros === feed[i - 1]?.micros);
    const crossTies = feed.filter(
      (item, i) => i > 0 && item.micros === feed[i - 1]?.micros && item.rank !== feed[i - 1]?.rank,
    );
    expect(ties.length).toBeGreaterThan(20);
    expect(crossTies.length).toBeGreaterThan(5);
  });

  it.each([
    1, 7, 100,
  ])('walking it with first: %i yields every session of both sources exactly once, in order', async (first) => {
    const expected = expectedFeed().map((item) => item.label);
    const seen = await walk(first, expected.length);
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(470);
  });

  it('resumes a source after its last session when more than a page of its sessions was created since', async () => {
    const tenant = h.emulator.tenants.get('globex');
    const expected = expectedFeed('globex').map((item) => item.label);
    const headers = { 'x-factory-api-key': DEMO_KEYS.globex.factory, 'x-everruns-api-key': DEMO_KEYS.globex.everruns };
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result: FeedPage = dataOf<FeedPage>(await h.query(FEED, { first: 3, after }, headers), 'sessions');
      seen.push(...result.edges.map((edge) => label(edge.node)));
      after = result.pageInfo.endCursor;
      if (page > 0) continue;
      // Six newer Factory sessions: the first page's last Factory session moves past a re-read of six.
      for (let n = 0; n < 6; n++) {
        const created = await fetch(`${h.emulator.factoryUrl}/api/v0/sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${DEMO_KEYS.globex.factory}`, 'content-type': 'application/json' },
          body: JSON.stringify({ computerId: tenant?.computerIds[0] }),
        });
        expect(created.status).toBe(201);
      }
    }
    expect(seen).toEqual(expected.slice(0, 15));
  });

  it('stays exactly-once when sessions are created and deleted on both upstreams between pages', async () => {
    const tenant = h.emulator.tenants.get('globex');
    const expected = expectedFeed('globex').map((item) => item.label);
    const headers = { 'x-factory-api-key': DEMO_KEYS.globex.factory, 'x-everruns-api-key': DEMO_KEYS.globex.everruns };
    const seen: string[] = [];
    let after: string | null = null;
    let deleted: string | null = null;
    for (let page = 0; ; page++) {
      const response = await h.query(FEED, { first: 9, after }, headers);
      const result = dataOf<FeedPage>(response, 'sessions');
      seen.push(...result.edges.map((edge) => label(edge.node)));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
      if (page % 5 === 1) {
        const factory = await fetch(`${h.emulator.factoryUrl}/api/v0/sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${DEMO_KEYS.globex.factory}`, 'content-type': 'application/json' },
          body: JSON.stringify({ computerId: tenant?.computerIds[0] }),
        });
        expect(factory.status).toBe(201);
        const everruns = await fetch(`${h.emulator.everrunsUrl}/v1/sessions`, {
          method: 'POST',
          headers: { authorization: DEMO_KEYS.globex.everruns, 'content-type': 'application/json' },
          body: JSON.stringify({ agent_id: tenant?.agentIds[0], title: `created during page ${page}` }),
        });
        expect(everruns.status).toBe(201);
      }
      if (page === 12) {
        // Delete an Everruns session already shown: every later offset shifts down by one.
        const shown = seen.filter((s) => s.startsWith('E:'))[3]?.slice(2);
        deleted = shown ?? null;
        const answer = await fetch(`${h.emulator.everrunsUrl}/v1/sessions/${shown}`, {
          method: 'DELETE',
          headers: { authorization: DEMO_KEYS.globex.everruns },
        });
        expect(answer.status).toBe(204);
      }
    }
    expect(deleted).not.toBeNull();
    expect(seen).toEqual(expected);
  });

  it('costs one list call per source for a 20-item page, and listed sessions prime node', async () => {
    const first = await h.query(FEED, { first: 20 });
    expect(h.emulator.switchboard.counts()).toEqual({ 'GET /api/v0/sessions': 1, 'GET /v1/sessions': 1 });
    const page = dataOf<FeedPage>(first, 'sessions');
    h.emulator.switchboard.reset();
    const id = globalId(
      'EverrunsSession',
      expectedFeed()
        .filter((i) => i.rank === 1)[25]
        ?.label.slice(2) ?? '',
    );
    const second = await h.query(
      `query($after: String, $id: ID!) { sessions(first: 20, after: $after) { edges { node { id } } } node(id: $id) { id } }`,
      { after: page.pageInfo.endCursor, id },
    );
    expect(second.body.errors).toBeUndefined();
    expect(second.body.data?.node).toEqual({ id });
    expect(h.emulator.switchboard.counts()).toEqual({ 'GET /api/v0/sessions': 1, 'GET /v1/sessions': 1 });
  });

  it('totalCount is exact for Everruns alone and null for a mixed feed', async () => {
    const mixed = dataOf<FeedPage>(await h.query(FEED, { first: 1 }), 'sessions');
    const everruns = dataOf<FeedPage>(await h.query(FEED, { first: 1, filter: { sources: ['EVERRUNS'] } }), 'sessions');
    expect(mixed.totalCount).toBeNull();
    expect(everruns.totalCount).toBe(230);
  });
});

describe('merged feed filters', () => {
  const agentId = () => h.emulator.tenants.get('acme')?.agentIds[1] ?? '';
  const computerId = () => h.emulator.tenants.get('acme')?.computerIds[2] ?? '';
  const micros = (text: string) => Date.parse(text) * 1000;
  const cases: [string, () => Record<string, unknown>, (item: Expected) => boolean, string[]][] = [
    ['sources: FACTORY', () => ({ sources: ['FACTORY'] }), (i) => i.rank === 0, ['GET /v1/sessions']],
    ['sources: EVERRUNS', () => ({ sources: ['EVERRUNS'] }), (i) => i.rank === 1, ['GET /api/v0/sessions']],
    [
      'states: RUNNING, PAUSED',
      () => ({ states: ['RUNNING', 'PAUSED'] }),
      (i) => i.state === 'RUNNING' || i.state === 'PAUSED',
      [],
    ],
    ['computerId', () => ({ computerId: computerId() }), (i) => i.computerId === computerId(), ['GET /v1/sessions']],
    ['agentId', () => ({ agentId: agentId() }), (i) => i.agentId === agentId(), ['GET /api/v0/sessions']],
    [
      'createdAfter',
      () => ({ createdAfter: '2026-11-15T00:00:00Z' }),
      (i) => i.micros > micros('2026-11-15T00:00:00Z'),
      [],
    ],
    [
      'createdBefore',
      () => ({ createdBefore: '2026-11-12T08:30:00.123456Z' }),
      (i) => i.micros < micros('2026-11-12T08:30:00.123Z') + 456,
      [],
    ],
    [
      'sources + states + window combined',
      () => ({
        sources: ['EVERRUNS'],
        states: ['IDLE'],
        createdAfter: '2026-11-05T00:00:00Z',
        createdBefore: '2026-11-18T00:00:00Z',
      }),
      (i) =>
        i.rank === 1 &&
        i.state === 'IDLE' &&
        i.micros > micros('2026-11-05T00:00:00Z') &&
        i.micros < micros('2026-11-18T00:00:00Z'),
      ['GET /api/v0/sessions'],
    ],
    [
      'computerId + states combined',
      () => ({ computerId: computerId(), states: ['IDLE'] }),
      (i) => i.computerId === computerId() && i.state === 'IDLE',
      ['GET /v1/sessions'],
    ],
    [
      'computerId + agentId (no source can match)',
      () => ({ computerId: computerId(), agentId: agentId() }),
      () => false,
      ['GET /api/v0/sessions', 'GET /v1/sessions'],
    ],
  ];

  it.each(
    cases,
  )('%s: every matching session once, full pages, and no calls to an excluded source', async (_name, filter, matches, untouched) => {
    const expected = expectedFeed()
      .filter(matches)
      .map((item) => item.label);
    expect(expected.length).toBeLessThan(470);
    // Only a filter that rules out both sources matches nothing (else the walk would check little).
    expect(expected.length > 0).toBe(untouched.length < 2);
    const seen = await walk(13, expected.length, filter());
    expect(seen).toEqual(expected);
    // An excluded source is never called; a source the filter leaves in is.
    for (const route of ['GET /api/v0/sessions', 'GET /v1/sessions']) {
      expect(h.emulator.switchboard.count(route) > 0, route).toBe(!untouched.includes(route));
    }
  });

  it('hasNextPage is false when the page holds the last match, though unmatched sessions remain upstream', async () => {
    const paused = expectedFeed().filter((item) => item.state === 'PAUSED');
    expect(paused.length).toBeGreaterThan(3);
    const page = dataOf<FeedPage>(
      await h.query(FEED, { first: paused.length, filter: { states: ['PAUSED'] } }),
      'sessions',
    );
    expect(page.edges.map((edge) => label(edge.node))).toEqual(paused.map((item) => item.label));
    expect(page.pageInfo.hasNextPage).toBe(false);
    const short = dataOf<FeedPage>(
      await h.query(FEED, { first: paused.length - 1, filter: { states: ['PAUSED'] } }),
      'sessions',
    );
    expect(short.pageInfo.hasNextPage).toBe(true);
  });

  it('hasNextPage is false when the page holds the last session after createdAfter', async () => {
    const after = '2026-11-18T00:00:00Z';
    for (const sources of [['EVERRUNS'], ['FACTORY', 'EVERRUNS']]) {
      const newer = expectedFeed().filter((item) => sources.includes(item.rank === 0 ? 'FACTORY' : 'EVERRUNS'));
      const matches = newer.filter((item) => item.micros > micros(after));
      expect(matches.length).toBeGreaterThan(3);
      expect(matches.length).toBeLessThanOrEqual(100);
      const filter = { sources, createdAfter: after };
      const page = dataOf<FeedPage>(await h.query(FEED, { first: matches.length, filter }), 'sessions');
      expect(page.edges.map((edge) => label(edge.node))).toEqual(matches.map((item) => item.label));
      expect(page.pageInfo.hasNextPage, sources.join()).toBe(false);
      const short = dataOf<FeedPage>(await h.query(FEED, { first: matches.length - 1, filter }), 'sessions');
      expect(short.pageInfo.hasNextPage).toBe(true);
    }
  });

  it('a cursor only resumes the filter it came from', async () => {
    const page = dataOf<FeedPage>(await h.query(FEED, { first: 2, filter: { sources: ['FACTORY'] } }), 'sessions');
    const response = await h.query(FEED, { first: 2, after: page.pageInfo.endCursor });
    expect(errorCodes(response)).toEqual([{ path: 'sessions', code: 'BAD_USER_INPUT' }]);
    expect(response.body.errors?.[0]?.message).toContain('different filter');
  });

  it.each([
    [{ sources: [] }, 'filter.sources'],
    [{ createdAfter: '2026-11-20T00:00:00Z', createdBefore: '2026-11-19T00:00:00Z' }, 'filter.createdAfter'],
    [{ agentId: 'agent_1' }, 'filter.agentId'],
  ])('refuses the filter %o', async (filter, argument) => {
    const response = await h.query(FEED, { filter });
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it('refuses a DateTime without a time zone', async () => {
    const response = await h.query(FEED, { filter: { createdAfter: '2026-11-20 10:00' } });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('merged feed when a source fails', () => {
  it("serves the other source's sessions with a coded error, and resumes exactly-once after recovery", async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', status: 503 });
    const seen: string[] = [];
    const outage = await h.query(FEED, { first: 25 });
    const page = dataOf<FeedPage>(outage, 'sessions');
    expect(page.unavailableSources).toEqual(['EVERRUNS']);
    expect(page.edges.every((edge) => edge.node.__typename === 'FactorySession')).toBe(true);
    expect(page.edges).toHaveLength(25);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(outage.body.errors).toEqual([
      expect.objectContaining({
        path: ['sessions'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'EVERRUNS', upstreamStatus: 503 },
      }),
    ]);
    seen.push(...page.edges.map((edge) => label(edge.node)));

    h.emulator.switchboard.clearFaults();
    let after = page.pageInfo.endCursor;
    for (;;) {
      const response = await h.query(FEED, { first: 25, after });
      expect(response.body.errors).toBeUndefined();
      const next = dataOf<FeedPage>(response, 'sessions');
      seen.push(...next.edges.map((edge) => label(edge.node)));
      if (!next.pageInfo.hasNextPage) break;
      after = next.pageInfo.endCursor;
    }
    const expected = expectedFeed().map((item) => item.label);
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(new Set(seen).size).toBe(seen.length);
    // Each source's own sessions still come in their order.
    expect(seen.filter((s) => s.startsWith('E:'))).toEqual(expected.filter((s) => s.startsWith('E:')));
    expect(seen.filter((s) => s.startsWith('F:'))).toEqual(expected.filter((s) => s.startsWith('F:')));
  });

  it('is null with both errors when every source fails', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', status: 500 });
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions', status: 429 });
    const response = await h.query(FEED, { first: 5 });
    expect(response.body.data).toEqual({ sessions: null });
    expect(errorCodes(response).sort((a, b) => String(a.source).localeCompare(String(b.source)))).toEqual([
      { path: 'sessions', code: 'UPSTREAM_UNAVAILABLE', source: 'EVERRUNS' },
      { path: 'sessions', code: 'UPSTREAM_RATE_LIMITED', source: 'FACTORY' },
    ]);
  });
});

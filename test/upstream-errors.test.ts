import { describe, expect, it } from 'vitest';
import { globalId } from '../src/schema/node.js';
import { dataOf, errorCodes, useHarness } from './harness.js';

const h = useHarness({ gateway: () => ({ upstreamTimeoutMs: 400 }) });

const BOTH = `{
  factorySessions(first: 3) { edges { node { sourceId } } }
  everrunsSessions(first: 3) { totalCount edges { node { sourceId } } }
}`;

/** The ids of the tenant's three newest sessions of a source (what BOTH lists). */
function newest(source: 'factory' | 'everruns'): string[] {
  const tenant = h.emulator.tenants.get('acme');
  return source === 'factory'
    ? (tenant?.factorySessions.slice(0, 3).map((s) => s.sessionId) ?? [])
    : (tenant?.everrunsSessions.slice(0, 3).map((s) => s.json.id) ?? []);
}

const CODES: Record<number, string> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'UPSTREAM_RATE_LIMITED',
  500: 'UPSTREAM_UNAVAILABLE',
  503: 'UPSTREAM_UNAVAILABLE',
};

describe('upstream error statuses', () => {
  const cases = [
    ...[400, 401, 403, 404, 429, 500, 503].map((status) => ({
      source: 'FACTORY',
      route: 'GET /api/v0/sessions',
      status,
    })),
    ...[400, 401, 403, 404, 500].map((status) => ({ source: 'EVERRUNS', route: 'GET /v1/sessions', status })),
  ];
  it.each(cases)('$source $status becomes its code, and the other source still answers', async ({
    source,
    route,
    status,
  }) => {
    h.emulator.switchboard.inject({ route, status });
    const response = await h.query(BOTH);
    const failed = source === 'FACTORY' ? 'factorySessions' : 'everrunsSessions';
    const other = source === 'FACTORY' ? 'everrunsSessions' : 'factorySessions';
    expect(response.status).toBe(200);
    expect(response.body.data?.[failed]).toBeNull();
    expect(dataOf<{ edges: unknown[] }>(response, other).edges).toHaveLength(3);
    // No `locations`: graphql-jit does not record them for resolver errors.
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^(Factory|Everruns) .*\(HTTP \d{3}\)\.$/),
        path: [failed],
        extensions: { code: CODES[status], source, upstreamStatus: status },
      }),
    ]);
  });

  it('bodiless Everruns errors and problem bodies map the same way', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', status: 500, body: null });
    h.emulator.switchboard.inject({
      route: 'GET /api/v0/sessions',
      status: 500,
      body: 'upstream exploded at 10.0.0.7',
    });
    const response = await h.query(BOTH);
    expect(errorCodes(response).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'everrunsSessions', code: 'UPSTREAM_UNAVAILABLE', source: 'EVERRUNS' },
      { path: 'factorySessions', code: 'UPSTREAM_UNAVAILABLE', source: 'FACTORY' },
    ]);
    expect(response.text).not.toContain('10.0.0.7');
  });
});

describe('upstream drift and faults', () => {
  it('serves an unknown status word as UNKNOWN with the raw word, and ignores extra fields', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', unknownStatus: 'hibernating', extraField: true });
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions', unknownStatus: 'archived', extraField: true });
    const response = await h.query(`{
      factorySessions(first: 2) { edges { node { state upstreamStatus } } }
      everrunsSessions(first: 2) { edges { node { state upstreamStatus } } }
    }`);
    expect(response.body).toEqual({
      data: {
        factorySessions: { edges: [1, 2].map(() => ({ node: { state: 'UNKNOWN', upstreamStatus: 'archived' } })) },
        everrunsSessions: { edges: [1, 2].map(() => ({ node: { state: 'UNKNOWN', upstreamStatus: 'hibernating' } })) },
      },
    });
  });

  it('maps every known status word to its state', async () => {
    const response = await h.query('{ everrunsSessions(first: 100) { edges { node { state upstreamStatus } } } }');
    const pairs = new Set(
      dataOf<{ edges: { node: { state: string; upstreamStatus: string } }[] }>(response, 'everrunsSessions').edges.map(
        (e) => `${e.node.upstreamStatus}=${e.node.state}`,
      ),
    );
    expect([...pairs].sort()).toEqual([
      'active=RUNNING',
      'idle=IDLE',
      'paused=PAUSED',
      'started=PENDING',
      'waiting_for_tool_results=RUNNING',
    ]);
  });

  it('a malformed body is UPSTREAM_UNAVAILABLE for that source only', async () => {
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions', malformed: true });
    const response = await h.query(BOTH);
    expect(errorCodes(response)).toEqual([
      { path: 'factorySessions', code: 'UPSTREAM_UNAVAILABLE', source: 'FACTORY' },
    ]);
    expect(response.body.data?.everrunsSessions).toEqual({
      totalCount: 230,
      edges: newest('everruns').map((sourceId) => ({ node: { sourceId } })),
    });
  });

  it('a session missing a required field is an error for that item only; the rest of the page is served', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', dropField: 'created_at', times: 1 });
    const expected = h.emulator.tenants
      .get('acme')
      ?.everrunsSessions.slice(1, 4)
      .map((s) => s.json.id);
    const response = await h.query('{ everrunsSessions(first: 3) { edges { node { sourceId } } } }');
    const ids = dataOf<{ edges: { node: { sourceId: string } }[] }>(response, 'everrunsSessions').edges.map(
      (e) => e.node.sourceId,
    );
    expect(ids).toEqual(expected);
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: 'Everruns sent 1 session that does not match its API; left out of this page.',
        path: ['everrunsSessions'],
        extensions: { code: 'UPSTREAM_INVALID_ITEM', source: 'EVERRUNS', count: 1 },
      }),
    ]);
  });

  it('a tag whose metadata holds a non-string is a drifted item: left out, the rest served', async () => {
    const drifted = { tags: [{ name: 'web', metadata: { team: 'acme', priority: 7 } }] };
    h.emulator.switchboard.inject({
      route: 'GET /api/v0/sessions',
      setField: { name: 'sessionSettings', value: drifted },
      times: 1,
    });
    const response = await h.query(
      '{ factorySessions(first: 3) { edges { node { sourceId settings { tags { name metadata { key value } } } } } } }',
    );
    const ids = dataOf<{ edges: { node: { sourceId: string } }[] }>(response, 'factorySessions').edges.map(
      (e) => e.node.sourceId,
    );
    const expected = h.emulator.tenants
      .get('acme')
      ?.factorySessions.slice(1, 4)
      .map((s) => s.sessionId);
    expect(ids).toEqual(expected);
    expect(errorCodes(response)).toEqual([
      { path: 'factorySessions', code: 'UPSTREAM_INVALID_ITEM', source: 'FACTORY' },
    ]);
  });

  // Each passed as a number once, then failed in serialisation: the merged feed was null,
  // Everruns' sessions with it, under an error without a code.
  it.each([
    ['createdAt', 1e17],
    ['updatedAt', -8.7e15],
    ['completedAt', 2 ** 60],
    ['messageCount', 1.5],
    ['messageCount', 2 ** 31],
  ])('a value its GraphQL type cannot show (%s: %d) is a drifted item: left out, the merged feed served', async (name, value) => {
    const drifted = h.emulator.tenants.get('acme')?.factorySessions[0]?.sessionId;
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions', setField: { name, value }, times: 1 });
    const response = await h.query(
      '{ sessions(first: 6) { edges { node { sourceId source createdAt updatedAt finishedAt ... on FactorySession { messageCount } } } } }',
    );
    const nodes = dataOf<{ edges: { node: { sourceId: string; source: string } }[] }>(response, 'sessions').edges.map(
      (e) => e.node,
    );
    expect(nodes).toHaveLength(6);
    expect(new Set(nodes.map((node) => node.source))).toEqual(new Set(['FACTORY', 'EVERRUNS']));
    expect(nodes.map((node) => node.sourceId)).not.toContain(drifted);
    expect(errorCodes(response)).toEqual([{ path: 'sessions', code: 'UPSTREAM_INVALID_ITEM', source: 'FACTORY' }]);

    // The session on its own: a coded error for that node.
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions/:id', setField: { name, value } });
    const single = await h.query('query($id: ID!) { node(id: $id) { id ... on Session { createdAt } } }', {
      id: globalId('FactorySession', drifted ?? ''),
    });
    expect(single.body.data).toEqual({ node: null });
    expect(errorCodes(single)).toEqual([{ path: 'node', code: 'UPSTREAM_UNAVAILABLE', source: 'FACTORY' }]);
  });

  it.each([
    ['FACTORY', 'factorySessions', 'GET /api/v0/sessions', 'status'],
    ['EVERRUNS', 'everrunsSessions', 'GET /v1/sessions', 'created_at'],
  ])('%s drifted in every answer: a bounded read, one error for the field', async (source, field, route, name) => {
    // The emulator drops the field from the first item of every answer. A read leaves the
    // invalid item out and asks for one more, which is the first of its answer too: it stops
    // after leaving out 21 (its budget is 20 for a small page), not at the tenant's last session.
    h.emulator.switchboard.inject({ route, dropField: name });
    const response = await h.query(`{ ${field}(first: 6) { edges { node { sourceId } } pageInfo { hasNextPage } } }`);
    const page = dataOf<{ edges: unknown[]; pageInfo: { hasNextPage: boolean } }>(response, field);
    expect(page.edges).toHaveLength(5);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: `${source === 'FACTORY' ? 'Factory' : 'Everruns'} sent 21 sessions that do not match its API; left out of this page.`,
        path: [field],
        extensions: { code: 'UPSTREAM_INVALID_ITEM', source, count: 21 },
      }),
    ]);
    expect(h.emulator.switchboard.count(route)).toBe(21);

    // Nothing valid within the budget: an error, not an empty page without a cursor to go on.
    h.emulator.switchboard.resetCounts();
    const none = await h.query(`{ ${field}(first: 1) { edges { node { sourceId } } } }`);
    expect(none.body.data).toEqual({ [field]: null });
    expect(errorCodes(none)).toEqual([
      { path: field, code: 'UPSTREAM_UNAVAILABLE', source },
      { path: field, code: 'UPSTREAM_INVALID_ITEM', source },
    ]);
    expect(h.emulator.switchboard.count(route)).toBe(21);
  });

  it('string metadata is served as key/value pairs', async () => {
    const valid = { tags: [{ name: 'web', metadata: { team: 'acme', ticket: 'ENG-7' } }, { name: 'bot' }] };
    h.emulator.switchboard.inject({
      route: 'GET /api/v0/sessions',
      setField: { name: 'sessionSettings', value: valid },
    });
    const response = await h.query(
      '{ factorySessions(first: 1) { edges { node { settings { tags { name metadata { key value } } } } } } }',
    );
    expect(response.body).toEqual({
      data: {
        factorySessions: {
          edges: [
            {
              node: {
                settings: {
                  tags: [
                    {
                      name: 'web',
                      metadata: [
                        { key: 'team', value: 'acme' },
                        { key: 'ticket', value: 'ENG-7' },
                      ],
                    },
                    { name: 'bot', metadata: [] },
                  ],
                },
              },
            },
          ],
        },
      },
    });
  });

  it('the same in the merged feed', async () => {
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions', dropField: 'status', times: 1 });
    const response = await h.query('{ sessions(first: 5) { edges { node { id } } } }');
    expect(dataOf<{ edges: unknown[] }>(response, 'sessions').edges).toHaveLength(5);
    expect(errorCodes(response)).toEqual([{ path: 'sessions', code: 'UPSTREAM_INVALID_ITEM', source: 'FACTORY' }]);
  });

  it('a hanging upstream ends at the timeout with a coded error, and the other source answers', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', hang: true });
    const started = performance.now();
    const response = await h.query(BOTH);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: 'Everruns did not answer within 400 ms.',
        path: ['everrunsSessions'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'EVERRUNS' },
      }),
    ]);
    expect(response.body.data?.factorySessions).toEqual({
      edges: newest('factory').map((sourceId) => ({ node: { sourceId } })),
    });
  });

  it('a node whose upstream fails gives an error for that node, and null', async () => {
    const id = h.emulator.tenants.get('acme')?.factorySessions[0]?.sessionId ?? '';
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions/:id', status: 503 });
    const response = await h.query(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId('FactorySession', id) });
    expect(response.body.data).toEqual({ node: null });
    expect(errorCodes(response)).toEqual([{ path: 'node', code: 'UPSTREAM_UNAVAILABLE', source: 'FACTORY' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_RESILIENCE } from '../src/config.js';
import { DEMO_KEYS } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { abortablePost, dataOf, errorCodes, serveOverSocket, useHarness } from './harness.js';

/** The Everruns list answers 429 with `Retry-After: 1` once, then normally. */
const LIST_RATE_LIMITED_ONCE = {
  route: 'GET /v1/sessions',
  status: 429,
  headers: { 'retry-after': '1' },
  times: 1,
} as const;

describe('retries', () => {
  const h = useHarness({
    gateway: () => ({ resilience: { ...DEFAULT_RESILIENCE, retryBaseDelayMs: 20, retryMaxDelayMs: 200 } }),
  });

  it('with 30% of upstream GETs answering 503, at least 99% of 200 list and node queries succeed, within the retry budget', async () => {
    h.emulator.switchboard.inject({ route: '*', status: 503, probability: 0.3 });
    const ids = (h.emulator.tenants.get('acme')?.everrunsSessions ?? [])
      .slice(0, 100)
      .map((s) => globalId('EverrunsSession', s.json.id));
    let ok = 0;
    for (let i = 0; i < 200; i++) {
      const response =
        i % 2 === 0
          ? await h.query('query($a: String) { factorySessions(first: 5, after: $a) { edges { cursor } } }', {
              a: null,
            })
          : await h.query('query($id: ID!) { node(id: $id) { id } }', { id: ids[i % 100] });
      if (!response.body.errors && response.body.data) ok += 1;
    }
    expect(ok).toBeGreaterThanOrEqual(198);
    const attempts = h.emulator.switchboard.countPrefix('GET ');
    const retries = attempts - 200;
    expect(retries).toBeGreaterThan(40);
    // The budget: retries add at most half the first attempts, plus a burst of 20.
    expect(retries).toBeLessThanOrEqual(200 * 0.5 + 20);
    const metrics = await h.gateway.metrics.getSingleMetricAsString('sessiongraph_upstream_retries_total');
    const counted = [...metrics.matchAll(/^sessiongraph_upstream_retries_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    expect(counted).toBe(retries);
  });

  it('when an upstream fails for everyone, the budget stops the retries', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions/:id', status: 503 });
    const ids = (h.emulator.tenants.get('acme')?.everrunsSessions ?? [])
      .slice(0, 60)
      .map((s) => globalId('EverrunsSession', s.json.id));
    const attempts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await h.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids.slice(i * 20, i * 20 + 20) });
      attempts.push(h.emulator.switchboard.count('GET /v1/sessions/:id'));
    }
    // The first request: 20 first attempts and its own cap of 10 retries (the shared budget's
    // burst of 20 allows them). Its failed calls open the breaker (5 failures), so the other two
    // requests call nothing: 30 attempts in all, not 60 first attempts and their retries.
    expect(attempts).toEqual([30, 30, 30]);
    const paths = h.emulator.switchboard.requests.map((r) => r.path);
    expect(new Set(paths).size).toBe(20);
  });

  it('429 with Retry-After: 1 waits about a second (as the upstream saw it), then succeeds', async () => {
    h.emulator.switchboard.inject(LIST_RATE_LIMITED_ONCE);
    const response = await h.query('{ everrunsSessions(first: 2) { totalCount } }');
    expect(response.body).toEqual({ data: { everrunsSessions: { totalCount: 230 } } });
    const [first, second] = h.emulator.switchboard.requests.filter((r) => r.route === 'GET /v1/sessions');
    expect(second).toBeDefined();
    // The 429 and one retry.
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(2);
    const waited = (second?.at ?? 0) - (first?.at ?? 0);
    expect(waited).toBeGreaterThanOrEqual(990);
    expect(waited).toBeLessThan(2_500);
  });

  it('a client that leaves during a retry wait ends the call: no retry is sent', async () => {
    h.emulator.switchboard.inject(LIST_RATE_LIMITED_ONCE);
    const server = await serveOverSocket(h.gateway);
    const client = abortablePost(server.url, '{ everrunsSessions(first: 2) { totalCount } }');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(1);
    client.abort();
    expect(await client.left).toBe('aborted');
    // Past the second the retry would have waited.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(1);
    await server.close();
  });

  it('a Retry-After past the cap is not waited for: the error comes at once', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', status: 429, headers: { 'retry-after': '30' } });
    const started = performance.now();
    const response = await h.query(
      '{ everrunsSessions(first: 2) { totalCount } factorySessions(first: 1) { edges { cursor } } }',
    );
    // Far below the 30 s it asked for (the emulator's count shows no second try).
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(errorCodes(response)).toEqual([
      { path: 'everrunsSessions', code: 'UPSTREAM_RATE_LIMITED', source: 'EVERRUNS' },
    ]);
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(1);
  });

  it('writes are never retried', async () => {
    h.emulator.switchboard.inject({ route: 'PATCH /v1/sessions/:id', status: 503 });
    const id = globalId('EverrunsSession', h.emulator.tenants.get('acme')?.everrunsSessions[0]?.json.id ?? '');
    const response = await h.query(
      'mutation($id: ID!) { updateEverrunsSession(input: { id: $id, title: "x" }) { __typename } }',
      { id },
    );
    expect(response.body.data).toEqual({ updateEverrunsSession: { __typename: 'UpstreamError' } });
    expect(h.emulator.switchboard.count('PATCH /v1/sessions/:id')).toBe(1);
  });
});

describe('hanging upstreams, deadlines and the circuit breaker', () => {
  const h = useHarness({
    gateway: () => ({
      upstreamTimeoutMs: 300,
      resilience: { ...DEFAULT_RESILIENCE, requestDeadlineMs: 2_000, breakerFailures: 3, breakerCooldownMs: 400 },
    }),
  });
  const BOTH = '{ factorySessions(first: 2) { edges { cursor } } everrunsSessions(first: 2) { totalCount } }';

  it('answers within the deadline with the other source, opens after repeated hangs, and closes after recovery', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', hang: true });
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await h.query(BOTH);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(dataOf<{ edges: unknown[] }>(response, 'factorySessions').edges).toHaveLength(2);
      expect(response.body.errors?.[0]).toMatchObject({
        message: 'Everruns did not answer within 300 ms.',
        extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'EVERRUNS' },
      });
    }
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(3);
    const ready = await fetch(new URL('/readyz', h.url));
    expect(await ready.json()).toEqual({ status: 'ready', sources: { FACTORY: 'closed', EVERRUNS: 'open' } });

    // Open: answers at once without calling Everruns.
    const started = performance.now();
    const open = await h.query(BOTH);
    // At once: well under the 300 ms upstream timeout (and no upstream call, below).
    expect(performance.now() - started).toBeLessThan(280);
    expect(open.body.errors?.[0]?.message).toBe('Everruns is failing; calls to it are paused for a few seconds.');
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(3);

    // Recovery: after the cooldown one probe goes through and closes the breaker.
    h.emulator.switchboard.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 450));
    const recovered = await h.query(BOTH);
    expect(recovered.body.errors).toBeUndefined();
    expect(await (await fetch(new URL('/readyz', h.url))).json()).toMatchObject({
      sources: { EVERRUNS: 'closed' },
    });
  });

  it('/readyz is 503 when every configured source has an open breaker', async () => {
    h.emulator.switchboard.inject({ route: '*', status: 500 });
    for (let i = 0; i < 3; i++) await h.query(BOTH);
    const ready = await fetch(new URL('/readyz', h.url));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', sources: { FACTORY: 'open', EVERRUNS: 'open' } });
    expect((await fetch(new URL('/healthz', h.url))).status).toBe(200);
  });

  it("the client's disconnect aborts the upstream calls", async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', hang: true });
    const server = await serveOverSocket(h.gateway);
    const client = abortablePost(server.url, '{ everrunsSessions(first: 2) { totalCount } }');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.emulator.switchboard.inFlightNow('GET /v1/sessions')).toBe(1);
    const aborted = performance.now();
    client.abort();
    expect(await client.left).toBe('aborted');
    while (h.emulator.switchboard.inFlightNow('GET /v1/sessions') > 0 && performance.now() - aborted < 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Before the 300 ms upstream timeout could have ended it: the gateway dropped the call with the client.
    expect(h.emulator.switchboard.inFlightNow('GET /v1/sessions')).toBe(0);
    expect(performance.now() - aborted).toBeLessThan(280);
    await server.close();
  });
});

describe('the per-request deadline', () => {
  const h = useHarness({
    gateway: () => ({ upstreamTimeoutMs: 5_000, resilience: { ...DEFAULT_RESILIENCE, requestDeadlineMs: 800 } }),
  });

  it('bounds a slow upstream even when the call timeout is longer', async () => {
    h.emulator.switchboard.inject({ route: 'GET /api/v0/sessions', delayMs: 3_000 });
    const started = performance.now();
    const response = await h.query(
      '{ factorySessions(first: 2) { edges { cursor } } everrunsSessions(first: 1) { totalCount } }',
    );
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(errorCodes(response)).toEqual([
      { path: 'factorySessions', code: 'UPSTREAM_UNAVAILABLE', source: 'FACTORY' },
    ]);
    expect(response.body.errors?.[0]?.message).toMatch(/^Factory did not answer within \d+ ms\.$/);
    expect(dataOf<{ totalCount: number }>(response, 'everrunsSessions').totalCount).toBe(230);
  });
});

describe('tenants under concurrency', () => {
  const h = useHarness();

  it('hundreds of interleaved requests of two tenants never carry the other tenant’s sessions', async () => {
    const tenants = ['acme', 'globex'] as const;
    const own = new Map(
      tenants.map((name) => {
        const t = h.emulator.tenants.get(name);
        return [
          name,
          new Set([
            ...(t?.factorySessions.map((s) => s.sessionId) ?? []),
            ...(t?.everrunsSessions.map((s) => s.json.id) ?? []),
          ]),
        ];
      }),
    );
    const headers = (name: (typeof tenants)[number]) => ({
      'x-factory-api-key': DEMO_KEYS[name].factory,
      'x-everruns-api-key': DEMO_KEYS[name].everruns,
    });
    const queries = [
      '{ sessions(first: 15) { edges { node { sourceId } } } }',
      '{ factorySessions(first: 10) { edges { node { sourceId } } } everrunsSessions(first: 10) { edges { node { sourceId } } } }',
    ];
    const jobs = Array.from({ length: 300 }, (_, i) => {
      const tenant = tenants[i % 2] ?? 'acme';
      const other = tenants[(i + 1) % 2] ?? 'globex';
      const otherSession = h.emulator.tenants.get(other)?.everrunsSessions[i % 50]?.json.id ?? '';
      const ownSession = h.emulator.tenants.get(tenant)?.factorySessions[i % 50]?.sessionId ?? '';
      return { tenant, otherSession, ownSession, query: queries[i % 2] ?? '' };
    });
    let next = 0;
    const leaks: string[] = [];
    const worker = async () => {
      for (let job = jobs[next++]; job; job = jobs[next++]) {
        const list = await h.query(job.query, undefined, headers(job.tenant));
        const ids = [...list.text.matchAll(/"sourceId":"([^"]+)"/g)].map((m) => m[1] ?? '');
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) if (!own.get(job.tenant)?.has(id)) leaks.push(`${job.tenant} saw ${id}`);
        const nodes = await h.query(
          'query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }',
          { a: globalId('FactorySession', job.ownSession), b: globalId('EverrunsSession', job.otherSession) },
          headers(job.tenant),
        );
        expect(nodes.body.data).toEqual({ a: { id: globalId('FactorySession', job.ownSession) }, b: null });
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    expect(leaks).toEqual([]);
  });
});

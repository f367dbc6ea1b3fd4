import { describe, expect, it } from 'vitest';
import { globalId } from '../src/schema/node.js';
import { dataOf, useHarness } from './harness.js';

const h = useHarness();

describe('timestamps and counts', () => {
  it('Everruns microseconds reach the client unchanged', async () => {
    const stored = h.emulator.tenants.get('acme')?.everrunsSessions.slice(0, 20) ?? [];
    const response = await h.query(
      '{ everrunsSessions(first: 20) { edges { node { createdAt updatedAt startedAt finishedAt } } } }',
    );
    const nodes = dataOf<{ edges: { node: Record<string, string | null> }[] }>(response, 'everrunsSessions').edges.map(
      (e) => e.node,
    );
    expect(nodes.map((n) => n.createdAt)).toEqual(stored.map((s) => s.json.created_at));
    expect(nodes.map((n) => n.startedAt)).toEqual(stored.map((s) => s.json.started_at ?? null));
    expect(nodes.map((n) => n.finishedAt)).toEqual(stored.map((s) => s.json.finished_at ?? null));
    expect(nodes[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('Factory millisecond timestamps become RFC 3339 UTC', async () => {
    const stored = h.emulator.tenants.get('acme')?.factorySessions[0];
    const response = await h.query('{ factorySessions(first: 1) { edges { node { createdAt updatedAt } } } }');
    expect(response.body.data).toEqual({
      factorySessions: {
        edges: [
          {
            node: {
              createdAt: new Date(stored?.createdAt ?? 0).toISOString(),
              updatedAt: new Date(Number(stored?.updatedAt)).toISOString(),
            },
          },
        ],
      },
    });
  });

  it('token counts above 2^31 are served exactly', async () => {
    const tenant = h.emulator.tenants.get('acme');
    const big = tenant?.factorySessions.find((s) => JSON.stringify(s).includes('"inputTokens":2'));
    const factoryBig = tenant?.factorySessions.find((s) => {
      const settings = s.sessionSettings;
      return (
        typeof settings === 'object' &&
        settings !== null &&
        'tokenUsage' in settings &&
        JSON.stringify(settings.tokenUsage).match(/"inputTokens":\d{10}/)
      );
    });
    expect(big).toBeDefined();
    expect(factoryBig).toBeDefined();
    const response = await h.query(
      'query($id: ID!) { node(id: $id) { ... on Session { tokenUsage { inputTokens cacheReadTokens } } ... on FactorySession { settings { tokenUsage { inputTokens } } } } }',
      { id: globalId('FactorySession', factoryBig?.sessionId ?? '') },
    );
    expect(response.body.errors).toBeUndefined();
    const usage = dataOf<{ tokenUsage: { inputTokens: number; cacheReadTokens: number } }>(response, 'node').tokenUsage;
    expect(usage.inputTokens).toBeGreaterThan(2 ** 31);
    expect(usage.cacheReadTokens).toBeGreaterThan(2 ** 31);
    const settings = factoryBig?.sessionSettings;
    const expected =
      typeof settings === 'object' && settings !== null && 'tokenUsage' in settings ? settings.tokenUsage : null;
    expect(usage.inputTokens).toBe((expected as { inputTokens: number }).inputTokens);
  });

  it('Everruns usage above 2^31 is served too', async () => {
    const big = h.emulator.tenants
      .get('acme')
      ?.everrunsSessions.find(
        (s) => Number((s.json.usage as { input_tokens?: number } | undefined)?.input_tokens) > 2 ** 31,
      );
    const response = await h.query(
      'query($id: ID!) { node(id: $id) { ... on Session { tokenUsage { inputTokens } } } }',
      {
        id: globalId('EverrunsSession', big?.json.id ?? ''),
      },
    );
    expect(response.body).toEqual({ data: { node: { tokenUsage: { inputTokens: 2_600_000_000 } } } });
  });
});

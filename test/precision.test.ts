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
    // The world makes every 97th Factory session's usage big: 3 of 240.
    const big =
      tenant?.factorySessions.filter(
        (s) => Number(field(field(s.sessionSettings, 'tokenUsage'), 'inputTokens')) > 2 ** 31,
      ) ?? [];
    const factoryBig = tenant?.factorySessions.find((s) => {
      const settings = s.sessionSettings;
      return (
        typeof settings === 'object' &&
        settings !== null &&
        'tokenUsage' in settings &&
        JSON.stringify(settings.tokenUsage).match(/"inputTokens":\d{10}/)
      );
    });
    expect(big).toHaveLength(3);
    expect(factoryBig).toBeDefined();
    const response = await h.query(
      'query($id: ID!) { node(id: $id) { ... on Session { tokenUsage { inputTokens cacheReadTokens } } ... on FactorySession { settings { tokenUsage { inputTokens } } } } }',
      { id: globalId('FactorySession', factoryBig?.sessionId ?? '') },
    );
    expect(response.body.errors).toBeUndefined();
    const node = dataOf<{
      tokenUsage: { inputTokens: number; cacheReadTokens: number };
      settings: { tokenUsage: { inputTokens: number } };
    }>(response, 'node');
    const usage = node.tokenUsage;
    expect(usage.inputTokens).toBeGreaterThan(2 ** 31);
    expect(usage.cacheReadTokens).toBeGreaterThan(2 ** 31);
    const settings = factoryBig?.sessionSettings;
    const expected =
      typeof settings === 'object' && settings !== null && 'tokenUsage' in settings ? settings.tokenUsage : null;
    expect(usage.inputTokens).toBe((expected as { inputTokens: number }).inputTokens);
    expect(usage.cacheReadTokens).toBe((expected as { cacheReadTokens: number }).cacheReadTokens);
    expect(node.settings.tokenUsage.inputTokens).toBe((expected as { inputTokens: number }).inputTokens);
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

/** A JSON object's property, when the value is an object (test data is untyped JSON). */
function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && name in value
    ? Object.getOwnPropertyDescriptor(value, name)?.value
    : undefined;
}

describe('the fields both sources share', () => {
  // The records carry these under their GraphQL names (read as properties, no resolver):
  // each must still be the source's own value, for a whole page of each.
  it("upstreamStatus, model and tokenUsage are each upstream's values", async () => {
    const tenant = h.emulator.tenants.get('acme');
    const response = await h.query(`{
      factorySessions(first: 50) { edges { node { sourceId upstreamStatus model tokenUsage { inputTokens outputTokens cacheReadTokens cacheCreationTokens thinkingTokens factoryCredits } } } }
      everrunsSessions(first: 50) { edges { node { sourceId upstreamStatus model modelId tokenUsage { inputTokens outputTokens cacheReadTokens cacheCreationTokens thinkingTokens } usage { inputTokens outputTokens cacheReadTokens cacheCreationTokens } } } }
    }`);
    expect(response.body.errors).toBeUndefined();
    type Node = Record<string, unknown> & { sourceId: string };
    const nodes = (name: string) => dataOf<{ edges: { node: Node }[] }>(response, name).edges.map((edge) => edge.node);

    const factoryExpected = (tenant?.factorySessions.slice(0, 50) ?? []).map((s) => {
      const usage = field(s.sessionSettings, 'tokenUsage');
      return {
        sourceId: s.sessionId,
        upstreamStatus: s.status,
        model: field(s.sessionSettings, 'model') ?? null,
        tokenUsage: usage
          ? {
              inputTokens: field(usage, 'inputTokens'),
              outputTokens: field(usage, 'outputTokens'),
              cacheReadTokens: field(usage, 'cacheReadTokens') ?? null,
              cacheCreationTokens: field(usage, 'cacheCreationTokens') ?? null,
              thinkingTokens: field(usage, 'thinkingTokens') ?? null,
              factoryCredits: field(usage, 'factoryCredits') ?? null,
            }
          : null,
      };
    });
    expect(nodes('factorySessions')).toEqual(factoryExpected);
    expect(factoryExpected.filter((s) => s.model !== null && s.tokenUsage !== null).length).toBeGreaterThan(10);

    const everrunsExpected = (tenant?.everrunsSessions.slice(0, 50) ?? []).map(({ json }) => {
      const usage = json.usage;
      const counts = usage
        ? {
            inputTokens: field(usage, 'input_tokens'),
            outputTokens: field(usage, 'output_tokens'),
            cacheReadTokens: field(usage, 'cache_read_tokens') ?? null,
            cacheCreationTokens: field(usage, 'cache_creation_tokens') ?? null,
          }
        : null;
      return {
        sourceId: json.id,
        upstreamStatus: json.status,
        model: json.model_id ?? null,
        modelId: json.model_id ?? null,
        tokenUsage: counts && { ...counts, thinkingTokens: null },
        usage: counts,
      };
    });
    expect(nodes('everrunsSessions')).toEqual(everrunsExpected);
    expect(everrunsExpected.filter((s) => s.model !== null && s.usage !== null).length).toBeGreaterThan(5);
    expect(new Set(everrunsExpected.map((s) => s.upstreamStatus)).size).toBeGreaterThan(1);
  });
});

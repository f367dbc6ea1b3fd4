import { describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../src/emulator/index.js';
import { dataOf, serveOverSocket, useHarness } from './harness.js';

const h = useHarness();
const LIST = '{ everrunsSessions(first: 5) { totalCount edges { node { sourceId } } } }';

describe('identical upstream GETs in flight', () => {
  it('share one call for the same credential', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', delayMs: 150 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.query(LIST)));
    for (const answer of answers)
      expect(dataOf<{ totalCount: number }>(answer, 'everrunsSessions').totalCount).toBe(230);
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(1);
  });

  it('never across credentials', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', delayMs: 150 });
    const globex = { 'x-everruns-api-key': DEMO_KEYS.globex.everruns };
    const [acme, other] = await Promise.all([h.query(LIST), h.query(LIST, undefined, globex)]);
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(2);
    const ids = (r: typeof acme) =>
      dataOf<{ edges: { node: { sourceId: string } }[] }>(r, 'everrunsSessions').edges.map((e) => e.node.sourceId);
    expect(ids(acme)).toEqual(
      h.emulator.tenants
        .get('acme')
        ?.everrunsSessions.slice(0, 5)
        .map((s) => s.json.id),
    );
    expect(ids(other)).toEqual(
      h.emulator.tenants
        .get('globex')
        ?.everrunsSessions.slice(0, 5)
        .map((s) => s.json.id),
    );
  });

  it('never for writes', async () => {
    h.emulator.switchboard.inject({ route: 'POST /v1/sessions', delayMs: 100 });
    const agentId = h.emulator.tenants.get('acme')?.agentIds[0];
    const create = 'mutation($a: ID!) { createEverrunsSession(input: { agentId: $a }) { __typename } }';
    await Promise.all([h.query(create, { a: agentId }), h.query(create, { a: agentId })]);
    expect(h.emulator.switchboard.count('POST /v1/sessions')).toBe(2);
  });

  it('a client that leaves does not cancel the call for the others', async () => {
    h.emulator.switchboard.inject({ route: 'GET /v1/sessions', delayMs: 300 });
    const server = await serveOverSocket(h.gateway);
    const post = (signal?: AbortSignal) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LIST }),
        signal,
      });
    const controller = new AbortController();
    const leaving = post(controller.signal).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const staying = post();
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect(await leaving).toBe('aborted');
    const answer = await (await staying).json();
    expect(answer.data.everrunsSessions.totalCount).toBe(h.emulator.tenants.get('acme')?.everrunsSessions.length);
    expect(h.emulator.switchboard.count('GET /v1/sessions')).toBe(1);
    await server.close();
  });
});

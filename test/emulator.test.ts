import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS, type Emulator, startEmulator } from '../src/emulator/index.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const factory = (path: string, key: string = DEMO_KEYS.acme.factory) =>
  fetch(`${emulator.factoryUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
const everruns = (path: string, authorization: string = DEMO_KEYS.acme.everruns) =>
  fetch(`${emulator.everrunsUrl}${path}`, { headers: { authorization } });

describe('the Factory emulator follows Factory v0', () => {
  it.each(['0', '101', 'ten', '-1', '1.5'])('limit=%s is a 400 problem body', async (limit) => {
    const response = await factory(`/api/v0/sessions?limit=${limit}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: expect.any(String), status: 400, title: 'Bad Request' });
  });

  it('pages with opaque keyset cursors and pagination.hasMore', async () => {
    const first = await (await factory('/api/v0/sessions?limit=100')).json();
    expect(first.pagination.hasMore).toBe(true);
    const second = await (await factory(`/api/v0/sessions?limit=100&cursor=${first.pagination.nextCursor}`)).json();
    const third = await (await factory(`/api/v0/sessions?limit=100&cursor=${second.pagination.nextCursor}`)).json();
    expect(third.pagination).toEqual({ hasMore: false, nextCursor: null });
    expect(first.sessions.length + second.sessions.length + third.sessions.length).toBe(240);
    expect((await factory('/api/v0/sessions?cursor=bogus')).status).toBe(400);
  });

  it('leaves optional fields out, sends Unix ms, and refuses unknown or member keys', async () => {
    const body = await (await factory('/api/v0/sessions?limit=100')).json();
    expect(body.sessions.some((s: Record<string, unknown>) => !('title' in s))).toBe(true);
    expect(Object.values(body.sessions[0]).includes(null)).toBe(false);
    expect(Number.isInteger(body.sessions[0].createdAt)).toBe(true);
    expect((await factory('/api/v0/sessions', 'fk-nope')).status).toBe(401);
    expect((await factory('/api/v0/sessions', DEMO_KEYS.memberFactory)).status).toBe(403);
    expect((await factory('/api/v0/sessions/nope')).status).toBe(404);
  });
});

describe('the Everruns emulator follows Everruns v1', () => {
  it('pages by offset with total, clamps limit to 100, and refuses malformed queries in plain text', async () => {
    const page = await (await everruns('/v1/sessions?offset=225&limit=500')).json();
    expect(page).toMatchObject({ total: 230, offset: 225, limit: 100 });
    expect(page.data).toHaveLength(5);
    const bad = await everruns('/v1/sessions?limit=abc');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('text/plain');
  });

  it('uses 32-hex ids, microsecond times, bodiless 404s and {"error"} bodies', async () => {
    const page = await (await everruns('/v1/sessions?limit=100')).json();
    expect(page.data).toHaveLength(100);
    for (const session of page.data) {
      expect(session.id).toMatch(/^session_[0-9a-f]{32}$/);
      expect(session.agent_id).toMatch(/^agent_[0-9a-f]{32}$/);
      expect(session.created_at).toMatch(/\.\d{6}Z$/);
      expect(Object.values(session).includes(null)).toBe(false);
    }
    const missing = await everruns(`/v1/sessions/session_${'0'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('');
    const invalid = await everruns('/v1/sessions/session_123');
    expect(await invalid.json()).toEqual({ error: 'Invalid session ID' });
  });

  it('accepts a bare key, ApiKey and Bearer; refuses others', async () => {
    for (const authorization of [
      DEMO_KEYS.acme.everruns,
      `ApiKey ${DEMO_KEYS.acme.everruns}`,
      `Bearer ${DEMO_KEYS.acme.everruns}`,
    ]) {
      expect((await everruns('/v1/sessions?limit=1', authorization)).status).toBe(200);
    }
    expect((await everruns('/v1/sessions?limit=1', 'evr_wrong')).status).toBe(401);
  });

  it('counts requests per route and applies faults a set number of times', async () => {
    emulator.switchboard.reset();
    emulator.switchboard.inject({ route: 'GET /v1/sessions', status: 503, times: 1 });
    expect((await everruns('/v1/sessions')).status).toBe(503);
    expect((await everruns('/v1/sessions')).status).toBe(200);
    expect(emulator.switchboard.count('GET /v1/sessions')).toBe(2);
  });
});

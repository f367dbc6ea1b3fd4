import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_KEYS, type Emulator, startEmulator } from '../src/emulator/index.js';
import { log } from '../src/log.js';
import { UpstreamError } from '../src/sources/errors.js';
import { EVERRUNS } from '../src/sources/everruns/client.js';
import { everrunsSessionListPayload, everrunsSessionPayload } from '../src/sources/everruns/payload.js';
import { FACTORY } from '../src/sources/factory/client.js';
import { factorySessionListPayload, factorySessionPayload } from '../src/sources/factory/payload.js';
import { parseAnswer, parseItems } from '../src/sources/parse.js';

vi.mock('../src/log.js', () => ({ log: vi.fn() }));

const logged = vi.mocked(log);

/** A Factory session as the API sends it: only the required fields. */
function factorySession(sessionId: string): Record<string, unknown> {
  return { sessionId, status: 'idle', messageCount: 2, createdAt: 1, updatedAt: 2 };
}

async function upstream(url: string, authorization: string): Promise<unknown> {
  const response = await fetch(url, { headers: { authorization } });
  expect(response.status).toBe(200);
  return response.json();
}

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  logged.mockClear();
});

describe('parsing upstream answers', () => {
  it('accepts every emulator session of both sources', async () => {
    const factory = parseAnswer(
      FACTORY,
      factorySessionListPayload,
      await upstream(`${emulator.factoryUrl}/api/v0/sessions?limit=100`, `Bearer ${DEMO_KEYS.acme.factory}`),
    );
    const everruns = parseAnswer(
      EVERRUNS,
      everrunsSessionListPayload,
      await upstream(`${emulator.everrunsUrl}/v1/sessions?offset=0&limit=100`, `ApiKey ${DEMO_KEYS.acme.everruns}`),
    );
    expect(factory.sessions.length).toBeGreaterThan(50);
    expect(everruns.data.length).toBeGreaterThan(50);
    expect(parseItems(FACTORY, factory.sessions, factorySessionPayload).invalid).toBe(0);
    expect(parseItems(EVERRUNS, everruns.data, everrunsSessionPayload).invalid).toBe(0);
    expect(logged).not.toHaveBeenCalled();
  });

  it('accepts unknown fields at any depth and leaves them out of the result', () => {
    const item = {
      ...factorySession('unknown-fields'),
      extra: { nested: true },
      sessionSettings: { model: 'm', tags: [{ name: 'web', metadata: { team: 'acme' }, color: 'red' }], newSetting: 1 },
    };
    const { items, invalid } = parseItems(FACTORY, [item], factorySessionPayload);
    expect(invalid).toBe(0);
    expect(items).toEqual([
      {
        ...factorySession('unknown-fields'),
        sessionSettings: { model: 'm', tags: [{ name: 'web', metadata: { team: 'acme' } }] },
      },
    ]);
  });

  it('leaves a drifted item out, serves the rest in order, and logs it once with paths but no values', () => {
    const page = [
      factorySession('a'),
      { ...factorySession('drifted'), messageCount: 'secret-value' },
      factorySession('b'),
      'not-an-object',
    ];
    const first = parseItems(FACTORY, page, factorySessionPayload);
    expect(first.items.map((item) => item.sessionId)).toEqual(['a', 'b']);
    expect(first.invalid).toBe(2);
    expect(logged).toHaveBeenCalledTimes(2);
    expect(logged).toHaveBeenCalledWith('warn', 'upstream list item failed validation; it is left out', {
      source: 'FACTORY',
      issues: [expect.stringMatching(/^messageCount: /)],
    });
    expect(JSON.stringify(logged.mock.calls)).not.toContain('secret-value');

    // The same drifted items on a later page are left out again, not logged again.
    expect(parseItems(FACTORY, page, factorySessionPayload).invalid).toBe(2);
    expect(logged).toHaveBeenCalledTimes(2);
  });

  it('turns a whole answer that does not match into UPSTREAM_UNAVAILABLE, logging paths only', () => {
    const call = () => parseAnswer(EVERRUNS, everrunsSessionListPayload, { data: 'secret-value', total: -1 });
    expect(call).toThrow(UpstreamError);
    expect(call).toThrow('Everruns sent an answer that does not match its API.');
    try {
      call();
    } catch (error) {
      expect(error).toMatchObject({ source: 'EVERRUNS', code: 'UPSTREAM_UNAVAILABLE' });
    }
    expect(logged).toHaveBeenCalledWith('warn', 'upstream answer failed validation', {
      source: 'EVERRUNS',
      issues: expect.arrayContaining([expect.stringMatching(/^data: /), expect.stringMatching(/^total: /)]),
    });
    expect(JSON.stringify(logged.mock.calls)).not.toContain('secret-value');
  });

  it('checks every entry of a record, drops a `__proto__` key and pollutes no prototype', () => {
    const usage = { inputTokens: 1, outputTokens: 2 };
    const settings = (entries: string): unknown =>
      JSON.parse(
        `{"childInclusiveTokenUsageBySessionId": {"__proto__": ${entries}, "child": ${JSON.stringify(usage)}}}`,
      );
    const { items, invalid } = parseItems(
      FACTORY,
      [
        { ...factorySession('record-ok'), sessionSettings: settings(JSON.stringify(usage)) },
        { ...factorySession('record-proto'), sessionSettings: settings('{"inputTokens": "x"}') },
        {
          ...factorySession('record-bad'),
          sessionSettings: { childInclusiveTokenUsageBySessionId: { child: { inputTokens: 'x' } } },
        },
      ],
      factorySessionPayload,
    );
    expect(invalid).toBe(1);
    expect(items.map((item) => item.sessionId)).toEqual(['record-ok', 'record-proto']);
    for (const item of items) {
      const children = item.sessionSettings?.childInclusiveTokenUsageBySessionId;
      expect(children).toEqual({ child: usage });
      expect(Object.getPrototypeOf(children)).toBe(Object.prototype);
    }
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('inputTokens');
  });
});

import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_LIMITS } from '../src/config.js';
import { originAllowed } from '../src/yoga.js';
import { useHarness } from './harness.js';

/** Opens a WebSocket with these headers: the HTTP status it was refused with, or 'open'. */
function openSocket(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/** A CORS preflight for a JSON POST from `origin`. */
async function preflight(url: string, origin: string) {
  const response = await fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  return response.headers.get('access-control-allow-origin');
}

describe('browser origins, by default', () => {
  const h = useHarness();
  const own = () => new URL(h.url).origin;

  it('approves no cross-site preflight: requests without a key would run on the configured keys', async () => {
    expect(await preflight(h.url, 'https://evil.example')).toBeNull();
  });

  it('refuses a WebSocket from another site with 403 and runs nothing', async () => {
    expect(await openSocket(h.url, { origin: 'https://evil.example' })).toBe(403);
    expect(h.emulator.switchboard.counts()).toEqual({});
  });

  it('takes WebSockets from its own pages and from clients that send no Origin', async () => {
    expect(await openSocket(h.url, { origin: own() })).toBe('open');
    expect(await openSocket(h.url, {})).toBe('open');
  });

  it('closes a WebSocket whose message is larger than MAX_BODY_BYTES (1009), as HTTP answers 413', async () => {
    const socket = new WebSocket(h.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(DEFAULT_LIMITS.maxBodyBytes + 1) } }),
    );
    expect(await closed).toBe(1009);
  });
});

describe('browser origins listed in CORS_ORIGINS', () => {
  const h = useHarness({ gateway: () => ({ corsOrigins: ['https://app.example', 'https://admin.example'] }) });

  it('approves a listed origin over HTTP and WebSocket, and still no other', async () => {
    expect(await preflight(h.url, 'https://app.example')).toBe('https://app.example');
    expect(await preflight(h.url, 'https://evil.example')).toBe('null');
    expect(await openSocket(h.url, { origin: 'https://admin.example' })).toBe('open');
    expect(await openSocket(h.url, { origin: 'https://evil.example' })).toBe(403);
  });

  it('serves a listed origin its data', async () => {
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('originAllowed', () => {
  it('reads *, a listed origin, the request’s own host and a missing Origin', () => {
    expect(originAllowed([], undefined, 'gw:4000')).toBe(true);
    expect(originAllowed([], 'http://gw:4000', 'gw:4000')).toBe(true);
    expect(originAllowed([], 'http://gw:4001', 'gw:4000')).toBe(false);
    expect(originAllowed([], 'not a url', 'gw:4000')).toBe(false);
    expect(originAllowed(['https://app.example'], 'https://app.example', 'gw:4000')).toBe(true);
    expect(originAllowed(['*'], 'https://any.example', 'gw:4000')).toBe(true);
  });
});

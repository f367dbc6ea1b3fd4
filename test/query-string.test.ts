import { describe, expect, it } from 'vitest';
import { queryString } from '../src/sources/http.js';
import { useHarness } from './harness.js';

const h = useHarness();

describe('upstream query strings', () => {
  it('percent-encodes names and values and leaves out undefined ones', () => {
    expect(queryString(undefined)).toBe('');
    expect(queryString({ cursor: undefined })).toBe('');
    expect(queryString({ limit: 50, cursor: undefined, computerId: 'a b&c=d+e/é?#' })).toBe(
      '?limit=50&computerId=a%20b%26c%3Dd%2Be%2F%C3%A9%3F%23',
    );
  });

  it('reach the upstream as the values the client sent', async () => {
    const computerId = 'a b&c=d+e/é?#%';
    const response = await h.query(
      'query($c: String) { factorySessions(first: 3, computerId: $c) { edges { cursor } } }',
      {
        c: computerId,
      },
    );
    expect(response.body.errors).toBeUndefined();
    const listed = h.emulator.switchboard.requests.filter((r) => r.route === 'GET /api/v0/sessions');
    expect(listed.map((r) => r.query)).toEqual([{ limit: '3', computerId }]);
  });
});

import { describe, expect, it } from 'vitest';
import { epochMsToText } from '../src/sources/time.js';

describe('epochMsToText', () => {
  it('writes exactly what Date#toISOString writes', () => {
    const samples = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.UTC(2026, 1, 28, 23, 59, 59, 999),
      Date.UTC(2028, 1, 29, 12, 0, 0, 5),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      -1,
      -86_400_001,
      253_402_300_800_000,
      1.5,
    ];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 48_271) % 2_147_483_647;
      samples.push(Math.floor((seed / 2_147_483_647) * 4_000_000_000_000));
    }
    for (const ms of samples) expect(epochMsToText(ms)).toBe(new Date(ms).toISOString());
  });
});

import { describe, expect, it } from 'vitest';
import { epochMsToText, isRfc3339, microsToText, rfc3339ToMicros, toUtcText } from '../src/sources/time.js';

/** An independent reference for valid date-times: a regular expression and Date.parse. */
const REFERENCE = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
function referenceMicros(text: string): number {
  const match = REFERENCE.exec(text);
  if (!match) return Number.NaN;
  const zone = match[4] === 'Z' || match[4] === 'z' ? 'Z' : (match[4] ?? 'Z');
  const ms = Date.parse(`${match[1]}T${match[2]}${zone}`);
  return ms * 1000 + Number(`${match[3] ?? ''}000000`.slice(0, 6));
}

describe('rfc3339ToMicros', () => {
  it('agrees with Date.parse on valid date-times: offsets, fractions of 1-9 digits, lower-case t and z', () => {
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed % n;
    };
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    for (let i = 0; i < 20_000; i++) {
      const year = next(10_000);
      const month = 1 + next(12);
      const day = 1 + next(new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 ? 1 : 0));
      const fraction = next(10) === 0 ? '' : `.${pad(next(1_000_000_000), 9).slice(0, 1 + next(9))}`;
      const zone = ['Z', 'z', `+${pad(next(24), 2)}:${pad(next(60), 2)}`, `-${pad(next(24), 2)}:${pad(next(60), 2)}`][
        next(4)
      ];
      const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${next(2) ? 'T' : 't'}${pad(next(24), 2)}:${pad(next(60), 2)}:${pad(next(60), 2)}${fraction}${zone}`;
      expect(rfc3339ToMicros(text), text).toBe(referenceMicros(text));
      expect(isRfc3339(text), text).toBe(true);
    }
    expect(rfc3339ToMicros('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29) * 1000);
    expect(rfc3339ToMicros('1970-01-01T00:00:00.0000019Z')).toBe(1);
  });

  it('rejects what is not an RFC 3339 date-time, including dates and times that do not exist', () => {
    for (const text of [
      '',
      '2026-11-20',
      '2026-11-20T13:51:01',
      '2026-11-20 13:51:01Z',
      '2026-11-20T13:51:01.Z',
      '2026-11-20T13:51:01.1234567890Z',
      '2026-11-20T13:51:01ZZ',
      ' 2026-11-20T13:51:01Z',
      '2026-11-20T13:51:01+0200',
      '2026-11-20T13:51:01+02:00 ',
      '2026-1a-20T13:51:01Z',
      'x026-11-20T13:51:01Z',
      '2x26-11-20T13:51:01Z',
      '20x6-11-20T13:51:01Z',
      '202x-11-20T13:51:01Z',
      '2026-11-2xT13:51:01Z',
      '2026-11-20T1x:51:01Z',
      '2026-11-20T13:5x:01Z',
      '2026-11-20T13:51:x1Z',
      '2026-11-20T13:51:01+0x:00',
      '2026-11-20T13:51:01+02:0x',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z',
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00-23:60',
    ]) {
      expect(rfc3339ToMicros(text), text).toBeNaN();
      expect(isRfc3339(text), text).toBe(false);
    }
  });

  it('toUtcText keeps UTC text as it is and converts offsets, keeping the fraction digits', () => {
    expect(toUtcText('2026-11-20T13:51:01.038387Z')).toBe('2026-11-20T13:51:01.038387Z');
    expect(toUtcText('2026-11-20T15:51:01.0383+02:00')).toBe('2026-11-20T13:51:01.0383Z');
    expect(toUtcText('2026-11-20t00:30:00-01:30')).toBe('2026-11-20T02:00:00Z');
    expect(toUtcText('2026-01-01T00:00:00.5+00:30')).toBe('2025-12-31T23:30:00.5Z');
    expect(toUtcText('2026-11-20T13:51:01.038387z')).toBe('2026-11-20T13:51:01.038387Z');
  });
});

describe('epochMsToText', () => {
  it('writes what Date#toISOString writes', () => {
    const edges = [
      0, 1, 999, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */,
      1_735_689_599_999 /* 2024-12-31T23:59:59.999Z */, 253_402_300_799_999 /* 9999-12-31T23:59:59.999Z */,
    ];
    // A fixed walk across the whole range rather than random numbers: a failure reproduces.
    const walk = Array.from({ length: 20_000 }, (_, i) => (i * 12_670_115_039_993) % 253_402_300_800_000);
    for (const ms of [...edges, ...walk]) expect(epochMsToText(ms)).toBe(new Date(ms).toISOString());
  });

  it('leaves instants outside 1970-9999 and fractions to Date', () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5]) {
      expect(epochMsToText(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('microsToText keeps microseconds on the same date text', () => {
    expect(microsToText(1_735_689_599_999_123)).toBe('2024-12-31T23:59:59.999123Z');
    expect(microsToText(951_782_400_000_001, 3)).toBe('2000-02-29T00:00:00.000Z');
  });
});

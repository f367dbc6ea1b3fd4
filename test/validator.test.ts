import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEMO_KEYS, type Emulator, startEmulator } from '../src/emulator/index.js';
import {
  everrunsCancelPayload,
  everrunsSessionListPayload,
  everrunsSessionPayload,
} from '../src/sources/everruns/payload.js';
import { factorySessionListPayload, factorySessionPayload } from '../src/sources/factory/payload.js';
import { isInterpreted, validatorFor } from '../src/sources/validator.js';

// The gateway checks upstream answers with validators generated from the zod schemas
// (src/sources/validator.ts). They must say what zod says: never valid where zod would reject
// (a wrong answer served), and not invalid where zod accepts (an item re-parsed for nothing).

/** Values each field is replaced with, one at a time (`undefined` removes the key). */
const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  '',
  'x',
  '2026-11-24T10:00:00Z',
  '2026-13-45T99:00:00Z',
  0,
  -1,
  1.5,
  2 ** 60,
  true,
  {},
  [],
  ['x'],
  [{}],
  { name: 'n' },
  { a: 'b' },
  { a: 1 },
  { inputTokens: 1, outputTokens: 2 },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every copy of `value` with one field (at any depth) replaced or removed. */
function* mutations(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      for (const replacement of REPLACEMENTS) yield value.map((item, j) => (j === i ? replacement : item));
      for (const inner of mutations(value[i])) yield value.map((item, j) => (j === i ? inner : item));
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const key of Object.keys(value)) {
    const field: unknown = Reflect.get(value, key);
    for (const replacement of REPLACEMENTS) {
      const copy: Record<string, unknown> = { ...value };
      if (replacement === undefined) delete copy[key];
      else copy[key] = replacement;
      yield copy;
    }
    for (const inner of mutations(field)) yield { ...value, [key]: inner };
  }
}

function disagreements(schema: z.ZodType, values: Iterable<unknown>): { value: unknown; zod: boolean }[] {
  const check = validatorFor(schema);
  const found: { value: unknown; zod: boolean }[] = [];
  for (const value of values) {
    const zod = schema.safeParse(value).success;
    if (check(value) !== zod) found.push({ value, zod });
  }
  return found;
}

let emulator: Emulator;
let factoryPage: { sessions: unknown[] };
let everrunsPage: { data: unknown[] };

async function upstream(url: string, authorization: string): Promise<unknown> {
  const response = await fetch(url, { headers: { authorization } });
  expect(response.status).toBe(200);
  return response.json();
}

beforeAll(async () => {
  emulator = await startEmulator();
  const factory = await upstream(
    `${emulator.factoryUrl}/api/v0/sessions?limit=100`,
    `Bearer ${DEMO_KEYS.acme.factory}`,
  );
  const everruns = await upstream(
    `${emulator.everrunsUrl}/v1/sessions?offset=0&limit=100`,
    `ApiKey ${DEMO_KEYS.acme.everruns}`,
  );
  factoryPage = factorySessionListPayload.parse(factory);
  everrunsPage = everrunsSessionListPayload.parse(everruns);
});

afterAll(async () => {
  await emulator.close();
});

describe('generated upstream validators', () => {
  it("cover every schema the sources validate with (none falls back to zod's validate)", () => {
    for (const schema of [
      factorySessionPayload,
      factorySessionListPayload,
      everrunsSessionPayload,
      everrunsSessionListPayload,
      everrunsCancelPayload,
    ]) {
      expect(isInterpreted(schema)).toBe(true);
    }
  });

  it('accept every emulator session, as zod does', () => {
    expect(factoryPage.sessions.length).toBeGreaterThan(50);
    expect(everrunsPage.data.length).toBeGreaterThan(50);
    for (const item of factoryPage.sessions) expect(validatorFor(factorySessionPayload)(item)).toBe(true);
    for (const item of everrunsPage.data) expect(validatorFor(everrunsSessionPayload)(item)).toBe(true);
  });

  it('agree with zod on every one-field change of Factory sessions', () => {
    const values = factoryPage.sessions.slice(0, 12).flatMap((item) => [...mutations(item)]);
    expect(values.length).toBeGreaterThan(5000);
    const found = disagreements(factorySessionPayload, values);
    expect(found.slice(0, 3)).toEqual([]);
    // Both verdicts occur: the mutations reach fields that matter and fields that do not.
    const verdicts = new Set(values.map((value) => factorySessionPayload.safeParse(value).success));
    expect(verdicts).toEqual(new Set([true, false]));
  });

  it('agree with zod on every one-field change of Everruns sessions', () => {
    const values = everrunsPage.data.slice(0, 12).flatMap((item) => [...mutations(item)]);
    expect(values.length).toBeGreaterThan(2000);
    expect(disagreements(everrunsSessionPayload, values).slice(0, 3)).toEqual([]);
  });

  it('agree with zod on the list envelopes and the cancel answer', () => {
    const factoryEnvelope = { sessions: [{}], pagination: { hasMore: true, nextCursor: 'c' } };
    const everrunsEnvelope = { data: [{}], total: 3, offset: 0, limit: 50 };
    const cancel = { status: 'cancelled', message: 'done' };
    expect(disagreements(factorySessionListPayload, [factoryEnvelope, ...mutations(factoryEnvelope)])).toEqual([]);
    expect(disagreements(everrunsSessionListPayload, [everrunsEnvelope, ...mutations(everrunsEnvelope)])).toEqual([]);
    expect(disagreements(everrunsCancelPayload, [cancel, ...mutations(cancel)])).toEqual([]);
    expect(validatorFor(everrunsSessionListPayload)({ ...everrunsEnvelope, total: -1 })).toBe(false);
    expect(validatorFor(everrunsSessionListPayload)({ ...everrunsEnvelope, offset: 0.5 })).toBe(false);
  });

  it('agree with zod on records, refinements, number formats and bounds', () => {
    const schema = z.object({
      id: z.string().min(2),
      even: z.number().refine((n) => n % 2 === 0),
      count: z.number().int().min(1).max(10),
      ratio: z.number().gt(0).lt(1).nullish(),
      map: z.record(z.string(), z.object({ n: z.number() })).optional(),
      flag: z.boolean().nullable(),
      any: z.unknown().optional(),
      tags: z.array(z.custom<string>((value) => typeof value === 'string' && value.startsWith('#'))).optional(),
    });
    const valid: Json = { id: 'ab', even: 2, count: 3, ratio: 0.5, map: { a: { n: 1 } }, flag: null, tags: ['#a'] };
    expect(isInterpreted(schema)).toBe(true);
    expect(validatorFor(schema)(valid)).toBe(true);
    const values = [
      ...mutations(valid),
      { ...valid, count: 11 },
      { ...valid, count: 0 },
      { ...valid, ratio: 0 },
      { ...valid, ratio: 1 },
      { ...valid, even: 3 },
      { ...valid, id: 'a' },
      { ...valid, tags: ['a'] },
      { ...valid, map: JSON.parse('{"__proto__": {"n": 1}, "b": {"n": "x"}}') },
      { ...valid, map: JSON.parse('{"__proto__": {"n": "x"}}') },
    ];
    expect(disagreements(schema, values)).toEqual([]);
  });

  it("falls back to zod's own validate for a schema it does not generate", () => {
    const schema = z.object({ kind: z.literal('a'), value: z.union([z.string(), z.number()]) });
    expect(isInterpreted(schema)).toBe(false);
    expect(validatorFor(schema)({ kind: 'a', value: 1 })).toBe(true);
    expect(validatorFor(schema)({ kind: 'b', value: 1 })).toBe(false);
    // Formats, coercion and strictness check more than the type: zod's own, with zod's answers.
    const cases: [z.ZodType, unknown, boolean][] = [
      [z.email(), 'not-an-email', false],
      [z.string().email(), 'not-an-email', false],
      [z.uuid(), 'x', false],
      [z.int(), 1.5, false],
      [z.coerce.string(), 1, true],
      [z.string().max(2), 'abc', false],
      [z.strictObject({ a: z.string() }), { a: 'x', b: 1 }, false],
    ];
    for (const [each, value, valid] of cases) {
      expect(isInterpreted(z.object({ field: each }))).toBe(false);
      expect(validatorFor(z.object({ field: each }))({ field: value })).toBe(valid);
    }
  });
});

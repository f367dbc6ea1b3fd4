import { describe, expect, it } from 'vitest';
import { globalId } from '../src/schema/node.js';
import { dataOf, useHarness } from './harness.js';

const h = useHarness();

function only(response: Awaited<ReturnType<typeof h.query>>) {
  expect(response.body.errors).toHaveLength(1);
  return response.body.errors?.[0];
}

describe('bad arguments give BAD_USER_INPUT with a message saying what is allowed, and cost no upstream call', () => {
  it.each([0, 101, -1])('first: %i', async (first) => {
    const error = only(
      await h.query('query($n: Int) { factorySessions(first: $n) { edges { cursor } } }', { n: first }),
    );
    expect(error).toMatchObject({
      message: `"first" must be an integer from 1 to 100 (got ${first}); omit it for 20.`,
      path: ['factorySessions'],
      extensions: { code: 'BAD_USER_INPUT', argument: 'first' },
    });
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it.each([0, 101])('last: %i on everrunsSessions', async (last) => {
    const error = only(await h.query('query($n: Int) { everrunsSessions(last: $n) { totalCount } }', { n: last }));
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'last' });
    expect(error?.message).toContain('from 1 to 100');
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it.each(['', 'c'.repeat(257)])("factorySessions(computerId: %j) is the feed filter's check", async (computerId) => {
    const error = only(
      await h.query('query($c: String) { factorySessions(first: 2, computerId: $c) { edges { cursor } } }', {
        c: computerId,
      }),
    );
    expect(error).toMatchObject({
      message: '"computerId" must be 1-256 characters.',
      extensions: { code: 'BAD_USER_INPUT', argument: 'computerId' },
    });
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it('mixing forward and backward paging', async () => {
    const error = only(await h.query('{ everrunsSessions(first: 2, last: 2) { totalCount } }'));
    expect(error?.message).toBe('Page either forward (first/after) or backward (last/before), not both.');
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  const foreignCursors = {
    garbage: 'not-a-cursor',
    'base64 of junk': Buffer.from('{"hello":1}').toString('base64url'),
    'a cursor of the other connection': '',
    'a tampered cursor': '',
  };

  it.each(Object.keys(foreignCursors))('after: %s', async (name) => {
    const factoryPage = await h.query('{ factorySessions(first: 1) { pageInfo { endCursor } } }');
    const everrunsPage = await h.query('{ everrunsSessions(first: 1) { pageInfo { endCursor } } }');
    const factoryCursor = dataOf<{ pageInfo: { endCursor: string } }>(factoryPage, 'factorySessions').pageInfo
      .endCursor;
    const everrunsCursor = dataOf<{ pageInfo: { endCursor: string } }>(everrunsPage, 'everrunsSessions').pageInfo
      .endCursor;
    const bytes = Buffer.from(factoryCursor, 'base64url');
    bytes[5] = (bytes[5] ?? 0) ^ 1;
    const tampered = bytes.toString('base64url');
    const cursor =
      name === 'a cursor of the other connection'
        ? everrunsCursor
        : name === 'a tampered cursor'
          ? tampered
          : foreignCursors[name as keyof typeof foreignCursors];
    h.emulator.switchboard.reset();
    const error = only(
      await h.query('query($c: String) { factorySessions(after: $c) { edges { cursor } } }', { c: cursor }),
    );
    expect(error).toMatchObject({
      message:
        '"after" is not a cursor of factorySessions: pass a cursor (edge cursor, startCursor or endCursor) that factorySessions returned.',
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
    const everrunsError = only(
      await h.query('query($c: String) { everrunsSessions(before: $c) { totalCount } }', {
        c: name === 'a cursor of the other connection' ? factoryCursor : cursor,
      }),
    );
    expect(everrunsError?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'before' });
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it('a cursor used with another filter', async () => {
    const computers = h.emulator.tenants.get('acme')?.computerIds ?? [];
    const first = await h.query(
      'query($c: String) { factorySessions(first: 1, computerId: $c) { pageInfo { endCursor } } }',
      {
        c: computers[0],
      },
    );
    const cursor = dataOf<{ pageInfo: { endCursor: string } }>(first, 'factorySessions').pageInfo.endCursor;
    h.emulator.switchboard.reset();
    const error = only(
      await h.query(
        'query($a: String, $c: String) { factorySessions(after: $a, computerId: $c) { edges { cursor } } }',
        {
          a: cursor,
          c: computers[1],
        },
      ),
    );
    expect(error?.message).toContain('different computerId');
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it.each([
    ['not base64 at all', '!!!'],
    ['base64 without a type', Buffer.from('just-an-id').toString('base64')],
    ['an unknown type', Buffer.from('User:1').toString('base64')],
    ['an Everruns id of the wrong shape', globalId('EverrunsSession', 'session_ABC')],
    [
      'an Everruns id with 31 hex digits (the OpenAPI example)',
      globalId('EverrunsSession', 'session_01933b5a00007000800000000000001'),
    ],
    ['a Factory id with a path in it', globalId('FactorySession', '../computers')],
  ])('node(id:) with %s', async (_name, id) => {
    const error = only(await h.query('query($id: ID!) { node(id: $id) { id } }', { id }));
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(error?.message).toMatch(/global id of this API|upstream id is malformed/);
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it('names the type of a malformed id with its article', async () => {
    const ask = async (id: string) => only(await h.query('query($id: ID!) { node(id: $id) { id } }', { id }))?.message;
    expect(await ask(globalId('EverrunsSession', 'session_ABC'))).toMatch(/^"id" names an EverrunsSession whose/);
    expect(await ask(globalId('FactorySession', '../computers'))).toMatch(/^"id" names a FactorySession whose/);
  });

  it('nodes names the bad index, and refuses more than 100 ids', async () => {
    const good = globalId('FactorySession', h.emulator.tenants.get('acme')?.factorySessions[0]?.sessionId ?? '');
    const error = only(await h.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [good, 'bad'] }));
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'ids[1]' });
    const tooMany = only(
      await h.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array(101).fill(good) }),
    );
    expect(tooMany?.message).toBe('"ids" takes at most 100 ids (got 101).');
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });

  it('an agentId of the wrong shape', async () => {
    const error = only(await h.query('{ everrunsSessions(agentId: "agent_XYZ") { totalCount } }'));
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'agentId' });
    expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
  });
});

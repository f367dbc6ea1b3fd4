import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  CursorCodec,
  type CursorConnection,
  type CursorValue,
  DEFAULT_CURSOR_SECRET,
  packValues,
  unpackValues,
} from '../src/cursor.js';
import type { Tenant } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { listen } from '../src/server.js';
import { createGateway } from '../src/yoga.js';
import { closeServer, dataOf, type GraphQLResponse, testConfig, until, useHarness } from './harness.js';
import { eventsOf, subscribeSse, useOpenSubscriptions } from './live-client.js';

const h = useHarness({ emulator: { turnMs: 200 } });
const codec = new CursorCodec(DEFAULT_CURSOR_SECRET);

const acme = (): Tenant => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};

const open = useOpenSubscriptions(h);

interface Page {
  edges: { cursor: string }[];
  pageInfo: { endCursor: string | null };
}

const isList = (value: CursorValue | undefined): value is readonly CursorValue[] => Array.isArray(value);

/** A feed lane's position values (a lane is null, true or [position]); empty for none. */
const laneValues = (lane: CursorValue | undefined): readonly CursorValue[] =>
  isList(lane) && isList(lane[0]) ? lane[0] : [];

/** The values a cursor holds, read with the tests' key (the harness's default). */
function valuesOf(connection: CursorConnection, cursor: string): CursorValue[] {
  const values = codec.decode(connection, cursor);
  if (!Array.isArray(values)) throw new Error(`not a ${connection} cursor: ${values}`);
  return values;
}

/** The cursor with one value changed and its signature kept, as a hand edit would leave it. */
function edit(cursor: string, path: readonly number[], change: (value: CursorValue) => CursorValue): string {
  const bytes = Buffer.from(cursor, 'base64url');
  const values = unpackValues(bytes.subarray(0, bytes.length - 8), 2);
  if (!values) throw new Error('unreadable cursor');
  const replaced = replaceAt(values, path, change);
  return Buffer.concat([bytes.subarray(0, 2), packValues(replaced), bytes.subarray(bytes.length - 8)]).toString(
    'base64url',
  );
}

function replaceAt(
  values: readonly CursorValue[],
  path: readonly number[],
  change: (value: CursorValue) => CursorValue,
): CursorValue[] {
  const [index = 0, ...rest] = path;
  return values.map((value, at) => {
    if (at !== index) return value;
    return rest.length === 0 || !isList(value) ? change(value) : replaceAt(value, rest, change);
  });
}

/** Every value's path: top-level ones, arrays themselves and what they hold. */
function pathsOf(values: readonly CursorValue[], prefix: readonly number[] = []): number[][] {
  return values.flatMap((value, index) => {
    const path = [...prefix, index];
    return isList(value) ? [path, ...pathsOf(value, path)] : [path];
  });
}

/** A different value of the same kind where one exists (null stands for a position a client wants gone). */
function changed(value: CursorValue): CursorValue {
  if (value === null) return 'AAAAAAAA';
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'string') return `${value.slice(0, -1)}${value.endsWith('a') ? 'b' : 'a'}`;
  return null;
}

/** Every single-field edit of a cursor, named by the field's path. */
function edits(connection: CursorConnection, cursor: string): [string, string][] {
  return pathsOf(valuesOf(connection, cursor)).map((path) => [path.join('.'), edit(cursor, path, changed)]);
}

const notACursorOf = (connection: string, argument = 'after') =>
  `"${argument}" is not a cursor of ${connection}: pass a cursor (edge cursor, startCursor or endCursor) that ${connection} returned.`;

function onlyError(response: GraphQLResponse) {
  expect(response.body.errors).toHaveLength(1);
  return response.body.errors?.[0];
}

/** What the version-1 cursor of the same values was: base64url of keyed JSON. */
function v1Length(value: object): number {
  return Buffer.from(JSON.stringify({ v: 1, ...value })).toString('base64url').length;
}

const lengths: Record<string, { before: number; after: number }> = {};

describe('cursors: compact, and any edit is BAD_USER_INPUT before an upstream call', () => {
  it('sessions (the merged feed)', async () => {
    const QUERY = 'query($a: String) { sessions(first: 100, after: $a) { edges { cursor } pageInfo { endCursor } } }';
    // Pages until an edge where both sources are mid-walk and Factory's lane holds its upstream cursor.
    const holdsAll = (values: CursorValue[]) =>
      typeof laneValues(values[1])[0] === 'string' && laneValues(values[2]).length > 0;
    const edges: { cursor: string }[] = [];
    let cursor = '';
    for (let after: string | null = null; cursor === '' && edges.length < 500; ) {
      const page: Page = dataOf<Page>(await h.query(QUERY, { a: after }), 'sessions');
      edges.push(...page.edges);
      cursor = page.edges.find((edge) => holdsAll(valuesOf('sessions', edge.cursor)))?.cursor ?? '';
      after = page.pageInfo.endCursor;
    }
    const [digest, factory, everruns] = valuesOf('sessions', cursor);
    const [upstream, consumed, factoryMicros, factoryId] = laneValues(factory);
    const [offset, everrunsMicros, everrunsId] = laneValues(everruns);
    expect(typeof upstream).toBe('string');
    expect(typeof offset).toBe('number');
    lengths.sessions = {
      before: v1Length({
        k: 'm',
        h: String(digest).padEnd(12, '-'),
        p: {
          FACTORY: { c: upstream, n: consumed, t: factoryMicros, i: factoryId },
          EVERRUNS: { o: offset, t: everrunsMicros, i: everrunsId },
        },
      }),
      after: cursor.length,
    };
    // Under 120 characters, but for the Factory page cursor a lane may carry (the emulator's packs to 34 bytes).
    for (const edge of edges) {
      const [, lane] = valuesOf('sessions', edge.cursor);
      expect(edge.cursor.length).toBeLessThan(laneValues(lane)[0] ? 170 : 120);
    }

    for (const [field, tampered] of edits('sessions', cursor)) {
      h.emulator.switchboard.reset();
      const error = onlyError(await h.query(QUERY, { a: tampered }));
      expect({ field, message: error?.message, code: error?.extensions?.code }).toEqual({
        field,
        message: notACursorOf('sessions'),
        code: 'BAD_USER_INPUT',
      });
      expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
    }
  });

  it('sessions: the edit the signature stops (a lane set to null) would restart that source', async () => {
    const QUERY = 'query($a: String) { sessions(first: 5, after: $a) { edges { node { id } cursor } } }';
    const page = dataOf<{ edges: { node: { id: string }; cursor: string }[] }>(await h.query(QUERY), 'sessions');
    const cursor = page.edges[4]?.cursor ?? '';
    const lane = valuesOf('sessions', cursor).findIndex((value) => laneValues(value).length > 0);
    expect(lane).toBeGreaterThan(0);
    // Re-signed with the key, the edit is accepted and repeats sessions: the signature is what refuses it.
    const resigned = codec.encode(
      'sessions',
      replaceAt(valuesOf('sessions', cursor), [lane], () => null),
    );
    const again = dataOf<typeof page>(await h.query(QUERY, { a: resigned }), 'sessions');
    const seen = new Set(page.edges.map((edge) => edge.node.id));
    expect(again.edges.some((edge) => seen.has(edge.node.id))).toBe(true);
    const refused = onlyError(await h.query(QUERY, { a: edit(cursor, [lane], () => null) }));
    expect(refused?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it('factorySessions', async () => {
    const computerId = acme().computerIds[0] ?? '';
    const QUERY = `query($a: String, $c: String) {
      factorySessions(first: 30, after: $a, computerId: $c) { edges { cursor } pageInfo { endCursor } }
    }`;
    const first = dataOf<Page>(await h.query(QUERY, { c: computerId }), 'factorySessions');
    const second = dataOf<Page>(
      await h.query(QUERY, { c: computerId, a: first.pageInfo.endCursor }),
      'factorySessions',
    );
    const cursor = second.edges[10]?.cursor ?? '';
    const [upstream, consumed, micros, id] = valuesOf('factorySessions', cursor);
    expect(typeof upstream).toBe('string');
    lengths.factorySessions = {
      before: v1Length({ k: 'f', c: upstream, n: consumed, t: micros, i: id, q: computerId }),
      after: cursor.length,
    };
    for (const edge of [...first.edges, ...second.edges]) {
      const [carried] = valuesOf('factorySessions', edge.cursor);
      expect(edge.cursor.length).toBeLessThan(carried ? 110 : 70);
    }
    for (const [field, tampered] of edits('factorySessions', cursor)) {
      h.emulator.switchboard.reset();
      const error = onlyError(await h.query(QUERY, { c: computerId, a: tampered }));
      expect({ field, message: error?.message }).toEqual({ field, message: notACursorOf('factorySessions') });
      expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
    }
  });

  it('everrunsSessions, both ways', async () => {
    const agentId = acme().agentIds[0] ?? '';
    const QUERY = `query($a: String, $b: String, $agent: ID, $first: Int, $last: Int) {
      everrunsSessions(first: $first, after: $a, last: $last, before: $b, agentId: $agent) { edges { cursor } }
    }`;
    const page = dataOf<Page>(await h.query(QUERY, { agent: agentId, first: 20 }), 'everrunsSessions');
    const cursor = page.edges[10]?.cursor ?? '';
    const [offset, micros, id] = valuesOf('everrunsSessions', cursor);
    lengths.everrunsSessions = {
      before: v1Length({ k: 'e', o: offset, t: micros, i: id, a: agentId }),
      after: cursor.length,
    };
    for (const edge of page.edges) expect(edge.cursor.length).toBeLessThan(80);
    for (const [field, tampered] of edits('everrunsSessions', cursor)) {
      h.emulator.switchboard.reset();
      const forward = onlyError(await h.query(QUERY, { agent: agentId, first: 5, a: tampered }));
      expect({ field, message: forward?.message }).toEqual({ field, message: notACursorOf('everrunsSessions') });
      const backward = onlyError(await h.query(QUERY, { agent: agentId, last: 5, b: tampered }));
      expect({ field, message: backward?.message }).toEqual({
        field,
        message: notACursorOf('everrunsSessions', 'before'),
      });
      expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
    }
  });

  it('messages', async () => {
    const sessionId = acme().factoryConversations.long[1] ?? '';
    const id = globalId('FactorySession', sessionId);
    const QUERY = `query($id: ID!, $a: String, $b: String, $first: Int, $last: Int) {
      node(id: $id) { ... on Session {
        messages(first: $first, after: $a, last: $last, before: $b, role: USER) { edges { cursor } pageInfo { endCursor } }
      } }
    }`;
    const pageOf = (response: GraphQLResponse) => {
      const node = dataOf<{ messages: Page | null }>(response, 'node');
      if (!node.messages) throw new Error(`no messages in ${response.text}`);
      return node.messages;
    };
    const first = pageOf(await h.query(QUERY, { id, first: 3 }));
    const second = pageOf(await h.query(QUERY, { id, first: 3, a: first.pageInfo.endCursor }));
    const cursor = second.edges[1]?.cursor ?? '';
    const [, role, upstream, offset, micros, messageId] = valuesOf('messages', cursor);
    expect(role).toBe('USER');
    lengths.messages = {
      before: v1Length({
        k: 'msg',
        s: 'FACTORY',
        x: sessionId,
        r: role,
        c: upstream,
        n: offset,
        t: micros,
        i: messageId,
      }),
      after: cursor.length,
    };
    for (const edge of [...first.edges, ...second.edges]) {
      const [, , carried] = valuesOf('messages', edge.cursor);
      expect(edge.cursor.length).toBeLessThan(carried ? 130 : 90);
    }
    for (const [field, tampered] of edits('messages', cursor)) {
      h.emulator.switchboard.reset();
      for (const args of [
        { first: 3, a: tampered },
        { last: 3, b: tampered },
      ]) {
        const response = await h.query(QUERY, { id, ...args });
        const error = onlyError(response);
        expect({ field, message: error?.message }).toEqual({
          field,
          message: notACursorOf('messages', 'a' in args ? 'after' : 'before'),
        });
      }
      expect(h.emulator.switchboard.count('GET /api/v0/sessions/:id/messages')).toBe(0);
    }
  });

  it('sessionEvents', async () => {
    const sessionId = acme().everrunsSessions.filter((s) => s.json.status === 'idle')[2]?.json.id ?? '';
    const id = globalId('EverrunsSession', sessionId);
    const EVENTS = `subscription($id: ID!, $after: String) { sessionEvents(sessionId: $id, after: $after) { cursor } }`;
    const subscription = await subscribeSse(h.url, EVENTS, { id });
    open.push(subscription);
    await until(() => h.emulator.openSseStreams(sessionId) === 1);
    h.emulator.events.append(sessionId, { type: 'reason.started', data: { n: 1 } });
    await subscription.waitFor((payloads) => payloads.length === 1);
    const cursor = String(eventsOf(subscription.payloads)[0]?.cursor);
    const [, position] = valuesOf('sessionEvents', cursor);
    lengths.sessionEvents = {
      before: v1Length({ k: 'evt', s: 'EVERRUNS', x: sessionId, p: position }),
      after: cursor.length,
    };
    expect(cursor.length).toBeLessThan(80);
    for (const [field, tampered] of edits('sessionEvents', cursor)) {
      h.emulator.switchboard.reset();
      const refused = await subscribeSse(h.url, EVENTS, { id, after: tampered });
      await refused.waitFor((payloads) => payloads.length > 0);
      await refused.close();
      expect({ field, message: refused.payloads[0]?.errors?.[0]?.message }).toEqual({
        field,
        message: notACursorOf('sessionEvents'),
      });
      expect(h.emulator.switchboard.countPrefix('GET ')).toBe(0);
    }
  });

  it('sessionEvents of a polled Factory session: its position packs too', async () => {
    const session = acme().factorySessions.filter((s) => s.status === 'idle')[5];
    if (!session) throw new Error('no idle Factory session');
    const id = globalId('FactorySession', session.sessionId);
    const EVENTS = `subscription($id: ID!) { sessionEvents(sessionId: $id) { __typename cursor } }`;
    const subscription = await subscribeSse(h.url, EVENTS, { id });
    open.push(subscription);
    await until(() => h.emulator.switchboard.count('GET /api/v0/sessions/:id/messages') >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h.query('mutation($id: ID!) { sendMessage(input: { sessionId: $id, text: "Go." }) { __typename } }', { id });
    await subscription.waitFor((payloads) => eventsOf(payloads).length >= 2, 15_000);
    const cursor = String(eventsOf(subscription.payloads).at(-1)?.cursor);
    const [, position] = valuesOf('sessionEvents', cursor);
    expect(String(position)).toMatch(/^\[/);
    lengths['sessionEvents (Factory)'] = {
      before: v1Length({ k: 'evt', s: 'FACTORY', x: session.sessionId, p: position }),
      after: cursor.length,
    };
    expect(cursor.length).toBeLessThan(90);
  }, 20_000);

  it('are less than half their version-1 length', () => {
    // Run after the tests above: they fill `lengths` (reported with --reporter=verbose).
    console.info(`cursor lengths, version 1 -> 2: ${JSON.stringify(lengths)}`);
    expect(Object.keys(lengths)).toHaveLength(6);
    for (const { before, after } of Object.values(lengths)) expect(after).toBeLessThan(before / 2);
  });
});

describe('cursor keys and versions', () => {
  it('a version-1 cursor is refused as from an older version', async () => {
    const old = Buffer.from(JSON.stringify({ v: 1, k: 'e', o: 3, t: 1, i: 'session_1', a: null })).toString(
      'base64url',
    );
    const error = onlyError(
      await h.query('query($a: String) { everrunsSessions(after: $a) { totalCount } }', { a: old }),
    );
    expect(error).toMatchObject({
      message: '"after" is a cursor from an older version of this API: start again without "after".',
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
  });

  it('another gateway with the same CURSOR_SECRET resumes a cursor; one with another refuses it', async () => {
    const QUERY = 'query($a: String) { sessions(first: 3, after: $a) { edges { cursor node { id } } } }';
    const page = dataOf<{ edges: { cursor: string; node: { id: string } }[] }>(await h.query(QUERY), 'sessions');
    const cursor = page.edges[2]?.cursor;
    for (const [secret, resumes] of [
      [DEFAULT_CURSOR_SECRET, true],
      ['another secret, 16+ characters', false],
    ] as const) {
      const gateway = createGateway(testConfig(h.emulator, { cursorSecret: secret }));
      const served = await listen(gateway, 0, '127.0.0.1');
      try {
        const response = await fetch(served.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: QUERY, variables: { a: cursor } }),
        });
        const body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } = await response.json();
        if (resumes) expect(body.errors).toBeUndefined();
        else expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      } finally {
        await closeServer(served.server);
        await gateway.close();
      }
    }
  });

  it('CURSOR_SECRET: shorter than 16 characters is a configuration error', () => {
    expect(loadConfig({ CURSOR_SECRET: 'x'.repeat(16) }).gateway.cursorSecret).toBe('x'.repeat(16));
    expect(loadConfig({}).gateway.cursorSecret).toBe(DEFAULT_CURSOR_SECRET);
    expect(() => loadConfig({ CURSOR_SECRET: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ CURSOR_SECRET: 'short' })).toThrow(/CURSOR_SECRET/);
  });
});

describe('cursor packing', () => {
  const samples: CursorValue[] = [
    null,
    true,
    false,
    0,
    63,
    64,
    1_795_185_499_910_000,
    Number.MAX_SAFE_INTEGER,
    -5,
    1.5,
    '',
    'plain words, ünïcode',
    'fe6f40c2-acee-4083-afed-e0557d11c6bc',
    'FE6F40C2-ACEE-4083-AFED-E0557D11C6BC',
    'session_01a1f8f6f63b7ac39ca4f3eaef91397b',
    'event_01a1f8f6f63b7ac39ca4f3eaef91397b~3',
    'abc0123456789abcdef',
    'eyJ0IjoxNzk1MTcyNjYwOTc1LCJpZCI6ImQzY2Y0ZmZkIn0',
    'eyJ0IjoxNzk1MTcyNjYwOTc1LCJpZCI6ImQzY2Y0ZmZkIn0=',
    Buffer.from('{"k":"m","t":1795187102965,"id":"4e0c8173-ab1b-48c4-a443-16f59b3c7825"}').toString('base64url'),
    Buffer.from('{"t":1,"t2":[1]}').toString('base64url'),
    Buffer.from('{"2":1,"1":2}').toString('base64url'),
    Buffer.from('{"__proto__":1}').toString('base64url'),
    'q83vASNFZ4mrze8BI0VniavN7wEjRWeJ',
    'q83vASNFZ4mrze8BI0VniavN7wEjRWeJq8',
    'q83vASNFZ4mrze8BI0VniavN7wEjRWeJq9',
    'abcdefgh',
    'abcdefg',
    '[1795187102965,"4e0c8173-ab1b-48c4-a443-16f59b3c7825","idle",0,1795187102965]',
    '[1, 2]',
    '[{"a":1}]',
    '{"a":"[1]","b":null,"c":true,"d":1.5}',
    '{"a":1,"a":2}',
    '[-0]',
    [],
    [1, [2, ['three', null]]],
    Array.from({ length: 40 }, (_, index) => index * 1000),
  ];

  it.each(samples.map((value) => [JSON.stringify(value), value]))('round-trips %s', (_name, value) => {
    expect(unpackValues(packValues([value, value]))).toEqual([value, value]);
  });

  it('round-trips random strings of the characters it treats specially', () => {
    const alphabet = '0123456789abcdefABCDEF-_[]{}",:eyJW=~ü';
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * below);
    };
    for (let round = 0; round < 3000; round += 1) {
      const text = Array.from({ length: random(60) }, () => alphabet.charAt(random(alphabet.length))).join('');
      const hexTail = 'fedcba9876543210'.repeat(3).slice(random(32));
      for (const value of [text, Buffer.from(text).toString('base64url'), `${text}${hexTail}`]) {
        expect(unpackValues(packValues([value]))).toEqual([value]);
      }
    }
  });

  it('stores ids and upstream cursors as what they hold', () => {
    expect(packValues(['fe6f40c2-acee-4083-afed-e0557d11c6bc']).length).toBe(17);
    expect(packValues(['session_01a1f8f6f63b7ac39ca4f3eaef91397b']).length).toBe(27);
    // Base64url: its bytes; base64url of JSON (Factory's cursors on the emulator): the JSON's values.
    expect(packValues(['q83vASNFZ4mrze8BI0VniavN7wEjRWeJ']).length).toBe(2 + 24);
    expect(packValues(['eyJ0IjoxNzk1MTcyNjYwOTc1LCJpZCI6ImQzY2Y0ZmZkIn0']).length).toBe(25);
  });

  it('refuses bytes it did not write, and any change to a signed cursor', () => {
    expect(unpackValues(Buffer.from([0xff]))).toBeNull();
    expect(unpackValues(Buffer.from([0x06, 0x05, 0x61]))).toBeNull();
    expect(unpackValues(Buffer.from([0x8f]))).toBeNull();
    const cursor = codec.encode('messages', ['AAAAAAAA', null, null, 3, 1_795_185_499_910_000, 'message_01']);
    expect(codec.decode('messages', cursor)).toEqual(['AAAAAAAA', null, null, 3, 1_795_185_499_910_000, 'message_01']);
    expect(codec.decode('sessionEvents', cursor)).toBe('foreign');
    expect(codec.decode('messages', `${cursor}A`)).toBe('foreign');
    expect(codec.decode('messages', `${cursor}=`)).toBe('foreign');
    expect(new CursorCodec('another secret, 16+ characters').decode('messages', cursor)).toBe('foreign');
    const bytes = Buffer.from(cursor, 'base64url');
    for (let index = 0; index < bytes.length; index += 1) {
      const flipped = Buffer.from(bytes);
      flipped[index] = (flipped[index] ?? 0) ^ 0x10;
      expect(codec.decode('messages', flipped.toString('base64url'))).toBe('foreign');
    }
  });
});

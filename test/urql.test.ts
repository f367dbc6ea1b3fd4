import { readFileSync } from 'node:fs';
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { buildSchema, introspectionFromSchema } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionListDocument } from '../examples/generated/graphql.js';
import { useHarness } from './harness.js';

// urql 6 with graphcache as the README's urql section sets it up, against the gateway over a socket.
const h = useHarness();

const schema = introspectionFromSchema(
  buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')),
);

/** An urql client; `csrfHeader` adds the header that lets its GET queries past CSRF prevention. */
function urqlClient(csrfHeader: boolean) {
  const methods: string[] = [];
  const client = new Client({
    url: h.url,
    fetch: (input, init) => {
      methods.push(init?.method ?? 'GET');
      return fetch(input, init);
    },
    fetchOptions: csrfHeader ? { headers: { 'x-graphql-yoga-csrf': '1' } } : {},
    exchanges: [
      cacheExchange({
        schema,
        resolvers: { Query: { sessions: relayPagination() } },
        // A type without id lives inside its parent (graphcache already knows connections, edges, PageInfo).
        keys: { TokenUsage: () => null },
      }),
      fetchExchange,
    ],
  });
  return { client, methods };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('urql 6 with graphcache', () => {
  it('pages the merged feed with relayPagination (GET with the CSRF header): two pages, no session twice', async () => {
    const warn = vi.spyOn(console, 'warn');
    const { client, methods } = urqlClient(true);
    const first = await client.query(SessionListDocument, { first: 20 }).toPromise();
    expect(first.error).toBeUndefined();
    const firstIds = first.data?.sessions?.edges.map((edge) => edge.node.id) ?? [];
    expect(firstIds).toHaveLength(20);
    // The fragment on the Session interface matched each session type (graphcache knows the schema).
    expect(first.data?.sessions?.edges.every((edge) => typeof edge.node.title !== 'undefined')).toBe(true);

    const endCursor = first.data?.sessions?.pageInfo.endCursor;
    const second = await client.query(SessionListDocument, { first: 20, after: endCursor }).toPromise();
    expect(second.error).toBeUndefined();
    // relayPagination answers with every page so far.
    const ids = second.data?.sessions?.edges.map((edge) => edge.node.id) ?? [];
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(ids.slice(0, 20)).toEqual(firstIds);
    expect(second.data?.sessions?.pageInfo.endCursor).not.toBe(endCursor);
    expect(methods).toEqual(['GET', 'GET']);
    expect(warn).not.toHaveBeenCalled();
  });

  it('without the header its GET is refused (403 CSRF_HEADER_REQUIRED); preferGetMethod: false POSTs instead', async () => {
    const { client } = urqlClient(false);
    const refused = await client.query(SessionListDocument, { first: 2 }).toPromise();
    expect(refused.error?.response?.status).toBe(403);
    expect(refused.error?.graphQLErrors[0]?.extensions.code).toBe('CSRF_HEADER_REQUIRED');

    const posting = urqlClient(false);
    const posted = await posting.client
      .query(SessionListDocument, { first: 2 }, { preferGetMethod: false })
      .toPromise();
    expect(posted.error).toBeUndefined();
    expect(posted.data?.sessions?.edges).toHaveLength(2);
    expect(posting.methods).toEqual(['POST']);
  });
});

import { readFileSync } from 'node:fs';
import { ApolloClient, gql, HttpLink, InMemoryCache, type TypedDocumentNode } from '@apollo/client';
import { buildSchema, isAbstractType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createCache, possibleTypes } from '../examples/apollo/cache.js';
import { CreateEverrunsSessionDocument, SessionListDocument } from '../examples/generated/graphql.js';
import { until, useHarness } from './harness.js';

// Apollo Client 4 with the README's cache (examples/apollo/cache.ts) against the gateway over a socket.
const h = useHarness();

/** A client with its own cache, counting the requests it sends. */
function apolloClient(cache: InMemoryCache = createCache()) {
  const sent: string[] = [];
  const link = new HttpLink({
    uri: h.url,
    fetch: (input, init) => {
      sent.push(typeof init?.body === 'string' ? init.body : '');
      return fetch(input, init);
    },
  });
  return { client: new ApolloClient({ link, cache }), sent };
}

interface NodeData {
  node: { __typename: string; id: string; title?: string | null; state?: string } | null;
}
const NODE: TypedDocumentNode<NodeData, { id: string }> = gql`
  query Node($id: ID!) {
    node(id: $id) { __typename id ... on Session { title state } }
  }
`;

const agentId = () => h.emulator.tenants.get('acme')?.agentIds[0] ?? '';

describe('Apollo Client 4 with the README cache', () => {
  it('lists every abstract type of schema.graphql in possibleTypes, with all its members', () => {
    const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
    for (const [name, members] of Object.entries(possibleTypes)) {
      const type = schema.getType(name);
      if (!isAbstractType(type)) throw new Error(`${name} is not an interface or union`);
      expect([...members].sort(), name).toEqual(
        schema
          .getPossibleTypes(type)
          .map((member) => member.name)
          .sort(),
      );
    }
    const abstract = Object.values(schema.getTypeMap()).filter(
      (type) => isAbstractType(type) && !type.name.startsWith('__'),
    );
    expect(abstract.map((type) => type.name).sort()).toEqual(Object.keys(possibleTypes).sort());
  });

  it('pages the merged feed with fetchMore: two pages, no session twice', async () => {
    const { client, sent } = apolloClient();
    const query = client.watchQuery({ query: SessionListDocument, variables: { first: 20 } });
    const pages: number[] = [];
    const subscription = query.subscribe((result) => {
      if (result.dataState === 'complete') pages.push(result.data.sessions?.edges.length ?? 0);
    });
    try {
      await until(() => pages.length === 1);
      const first = client.readQuery({ query: SessionListDocument, variables: { first: 20 } });
      const endCursor = first?.sessions?.pageInfo.endCursor;
      expect(first?.sessions?.edges).toHaveLength(20);
      expect(endCursor).toBeTruthy();
      await query.fetchMore({ variables: { after: endCursor } });
      // The watched query re-renders with both pages (before that, once more with the first while it loads).
      await until(() => pages.at(-1) === 40);
      // The cache answers the first variables with both pages: what an infinite list renders.
      const merged = client.readQuery({ query: SessionListDocument, variables: { first: 20 } })?.sessions;
      const ids = merged?.edges.map((edge) => edge.node.id) ?? [];
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
      expect(ids.slice(0, 20)).toEqual(first?.sessions?.edges.map((edge) => edge.node.id));
      expect(merged?.pageInfo.endCursor).not.toBe(endCursor);
      expect(sent).toHaveLength(2);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('reads a session created by createEverrunsSession back through node, from the cache', async () => {
    const { client, sent } = apolloClient();
    const created = await client.mutate({
      mutation: CreateEverrunsSessionDocument,
      variables: { input: { agentId: agentId(), title: 'Made by Apollo' } },
    });
    const result = created.data?.createEverrunsSession;
    if (result?.__typename !== 'EverrunsSessionPayload') throw new Error(`not created: ${JSON.stringify(result)}`);
    const id = result.session.id;
    sent.length = 0;
    expect(client.readQuery({ query: NODE, variables: { id } })).toEqual({
      node: { __typename: 'EverrunsSession', id, title: 'Made by Apollo', state: 'PENDING' },
    });
    const queried = await client.query({ query: NODE, variables: { id } });
    expect(queried.data?.node?.title).toBe('Made by Apollo');
    expect(sent).toEqual([]);

    // Without the `node` read policy the cache holds the session but cannot find it by id.
    const bare = apolloClient(new InMemoryCache({ possibleTypes }));
    const again = await bare.client.mutate({
      mutation: CreateEverrunsSessionDocument,
      variables: { input: { agentId: agentId(), title: 'Made by Apollo' } },
    });
    const againId =
      again.data?.createEverrunsSession.__typename === 'EverrunsSessionPayload'
        ? again.data.createEverrunsSession.session.id
        : '';
    expect(againId).not.toBe('');
    expect(bare.client.readQuery({ query: NODE, variables: { id: againId } })).toBeNull();
  });

  it('matches `... on Error` in an error payload (the Error interface in possibleTypes)', async () => {
    const { client } = apolloClient();
    const created = await client.mutate({
      mutation: CreateEverrunsSessionDocument,
      variables: { input: { agentId: 'nope', title: 'Made by Apollo' } },
    });
    const result = created.data?.createEverrunsSession;
    if (result?.__typename !== 'ValidationError') throw new Error(`not refused: ${JSON.stringify(result)}`);
    expect(result.message).toEqual(expect.any(String));
    expect(result.fieldErrors.map((error) => error.path.join('.'))).toEqual(['input.agentId']);
    expect(h.emulator.switchboard.countPrefix('POST ')).toBe(0);
  });
});

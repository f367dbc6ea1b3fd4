import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { nodesRequested } from '../src/plugins/query-limits.js';
import { schema } from '../src/schema/index.js';

const count = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return nodesRequested(schema, document, operation, variables);
};

describe('nodesRequested: the sessions an operation may return (maxNodes)', () => {
  it.each([
    ['{ __typename }', {}, 0],
    ['{ factorySessions(first: 50) { edges { node { sourceId } } } }', {}, 50],
    ['{ factorySessions { edges { node { sourceId } } } }', {}, 20],
    ['{ everrunsSessions(last: 7) { edges { node { sourceId } } } }', {}, 7],
    [
      'query($n: Int) { factorySessions(first: $n) { edges { node { sourceId } } } everrunsSessions(first: $n) { totalCount } }',
      { n: 30 },
      60,
    ],
    ['query($n: Int) { sessions(first: $n) { totalCount } }', {}, 20],
    ['query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b', 'c'] }, 3],
    ['{ node(id: "x") { id } a: node(id: "y") { id } }', {}, 2],
    [
      '{ ...Q sessions(first: 5) { edges { node { ... on FactorySession { computerId } ...S } } } } fragment Q on Query { factorySessions(first: 4) { totalCount: __typename } } fragment S on Session { sourceId }',
      {},
      9,
    ],
  ])('%s %j -> %i', (query, variables, expected) => {
    expect(count(query, variables)).toBe(expected);
  });

  it('counts again with each request’s variables (the same document, other values)', () => {
    const query =
      'query($n: Int, $m: Int) { factorySessions(first: $n) { totalCount: __typename } sessions(first: $m) { totalCount } }';
    const document = parse(query);
    const operation = getOperationAST(document);
    if (!operation) throw new Error('no operation');
    expect(nodesRequested(schema, document, operation, { n: 10, m: 2 })).toBe(12);
    expect(nodesRequested(schema, document, operation, { n: 100, m: 50 })).toBe(150);
    expect(nodesRequested(schema, document, operation, {})).toBe(40);
  });
});

import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  getNamedType,
  getOperationAST,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config.js';
import { nodesRequested } from '../src/plugins/query-limits.js';
import { schema, subgraphSchema } from '../src/schema/index.js';

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
    // A variable left out takes the operation's default, as execution gives it.
    [
      'query($n: Int = 100) { sessions(first: $n) { edges { node { ... on Session { messages(first: $n) { totalCount: __typename } } } } } }',
      {},
      10_100,
    ],
    ['query($n: Int = 100) { sessions(first: $n) { totalCount } }', { n: 3 }, 3],
    ['query($ids: [ID!]! = ["a", "b"]) { nodes(ids: $ids) { id } }', {}, 2],
    ['query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b', 'c'] }, 3],
    ['{ node(id: "x") { id } a: node(id: "y") { id } }', {}, 2],
    [
      '{ ...Q sessions(first: 5) { edges { node { ... on FactorySession { computerId } ...S } } } } fragment Q on Query { factorySessions(first: 4) { totalCount: __typename } } fragment S on Session { sourceId }',
      {},
      9,
    ],
    // A negative size is its field's error, and offsets nothing.
    [
      '{ x: everrunsSessions(last: -50000) { totalCount } factorySessions(first: 30) { totalCount: __typename } }',
      {},
      30,
    ],
    // Each event of a subscription runs its selection.
    [
      'subscription($id: ID!) { sessionEvents(sessionId: $id) { ... on MessageAddedEvent { message { session { messages(first: 100) { totalCount: __typename } } } } } }',
      { id: 'x' },
      100,
    ],
  ])('%s %j -> %i', (query, variables, expected) => {
    expect(count(query, variables)).toBe(expected);
  });

  it('counts federation `_entities` as `nodes`: one session per representation', () => {
    const document = parse('query($r: [_Any!]!) { _entities(representations: $r) { __typename } }');
    const operation = getOperationAST(document);
    if (!operation) throw new Error('no operation');
    const representations = Array.from({ length: 7 }, () => ({ __typename: 'FactorySession', id: 'x' }));
    expect(nodesRequested(subgraphSchema(), document, operation, { r: representations })).toBe(7);
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

/** One level of a selection: its field, and the type condition that reaches it (a fragment adds no level). */
interface Step {
  readonly on: string | null;
  readonly field: GraphQLField<unknown, unknown>;
}

/** What entering a type visits: the type and its interfaces, but Node (every entity is one). */
function visits(type: GraphQLNamedType): string[] {
  const interfaces = isObjectType(type) || isInterfaceType(type) ? type.getInterfaces() : [];
  return [type.name, ...interfaces.map((known) => known.name)].filter((name) => name !== 'Node');
}

/**
 * The deepest selection below `type` that a client makes without going round in circles: it
 * never enters a type already on its path, a session type and the Session interface counting as
 * one (so no `messages { ... node { session { ... } } }`). Leaves count a level, as graphql-armor does.
 */
function deepest(type: GraphQLNamedType, onPath: ReadonlySet<string>): readonly Step[] {
  const groups: { on: GraphQLObjectType | null; fields: GraphQLField<unknown, unknown>[] }[] = [];
  if (isObjectType(type) || isInterfaceType(type)) groups.push({ on: null, fields: Object.values(type.getFields()) });
  if (isAbstractType(type)) {
    for (const possible of schema.getPossibleTypes(type)) {
      if (!onPath.has(possible.name)) groups.push({ on: possible, fields: Object.values(possible.getFields()) });
    }
  }
  let best: readonly Step[] = [];
  for (const group of groups) {
    const path = group.on ? new Set([...onPath, ...visits(group.on)]) : onPath;
    for (const field of group.fields) {
      const named = getNamedType(field.type);
      const step = { on: group.on?.name ?? null, field };
      let found: readonly Step[];
      if (isLeafType(named)) found = [step];
      else {
        if (visits(named).some((name) => path.has(name))) continue;
        const below = deepest(named, new Set([...path, ...visits(named)]));
        // A composite field needs a selection below it.
        if (below.length === 0) continue;
        found = [step, ...below];
      }
      if (found.length > best.length) best = found;
    }
  }
  return best;
}

/** A literal of an input type, for a required argument. */
function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) return `[${literal(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]?.name ?? '';
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter(
      (field) => isNonNullType(field.type) && field.defaultValue === undefined,
    );
    return `{ ${required.map((field) => `${field.name}: ${literal(field.type)}`).join(', ')} }`;
  }
  return ['Int', 'SafeInt', 'Float'].includes(type.name) ? '1' : type.name === 'Boolean' ? 'true' : '"x"';
}

/** The selection of a path, with its required arguments and type conditions. */
function selection(path: readonly Step[]): string {
  const [step, ...rest] = path;
  if (!step) return '';
  const required = step.field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const args = required.length > 0 ? `(${required.map((arg) => `${arg.name}: ${literal(arg.type)}`).join(', ')})` : '';
  const field = `${step.field.name}${args}${rest.length > 0 ? ` { ${selection(rest)} }` : ''}`;
  return step.on ? `... on ${step.on} { ${field} }` : field;
}

describe('maxDepth: the schema’s real depth, plus a margin', () => {
  const roots = [
    { operation: 'query', root: schema.getQueryType() },
    { operation: 'mutation', root: schema.getMutationType() },
    { operation: 'subscription', root: schema.getSubscriptionType() },
  ];
  const deepestOf = roots.flatMap(({ operation, root }) => {
    if (!root) return [];
    const path = deepest(root, new Set(visits(root)));
    return [{ operation, levels: path.length, text: `${operation} { ${selection(path)} }` }];
  });
  const depth = Math.max(...deepestOf.map((found) => found.levels));

  it('is the default less 2: a schema that grows deeper (or shallower) fails here', () => {
    // 8 today: sessions { edges { node { messages { edges { node { parts { ... on TextPart { text } } } } } } } }
    const advice = `the deepest selection is ${depth} levels: make MAX_DEPTH's default (src/config.ts, README) ${depth + 2}`;
    expect(DEFAULT_LIMITS.maxDepth, advice).toBe(depth + 2);
  });

  it.each(deepestOf)('the deepest $operation ($levels levels) is valid and within the default', ({ text, levels }) => {
    const document = parse(text);
    expect(validate(schema, document, specifiedRules), text).toEqual([]);
    const limited = (n: number) =>
      validate(schema, document, [
        maxDepthRule({
          n,
          flattenFragments: true,
          propagateOnRejection: false,
          onReject: [(context, error) => context?.reportError(error)],
        }),
      ]);
    expect(limited(DEFAULT_LIMITS.maxDepth)).toEqual([]);
    // graphql-armor counts levels as this file does: one level less refuses it.
    expect(limited(levels)).toEqual([]);
    expect(limited(levels - 1)).toHaveLength(1);
  });
});

import {
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  valueFromAST,
} from 'graphql';
import type { QueryLimits } from '../config.js';
import { DEFAULT_PAGE_SIZE } from '../schema/paging.js';

/** The coded error of a refused request: which limit, and its value. */
export function limitError(limit: string, max: number, actual: number, what: string): GraphQLError {
  return new GraphQLError(`${what} ${actual} exceeds the limit of ${max} (${limit}).`, {
    extensions: { code: 'LIMIT_EXCEEDED', limit, max, actual },
  });
}

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

function fragmentsOf(document: DocumentNode): Fragments {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** Depth of a selection set, fragments expanded; introspection fields do not count (GraphiQL's query is deep). */
function depthOf(set: SelectionSetNode, fragments: Fragments, seen: Set<string>): number {
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === 'Field') {
      if (selection.name.value.startsWith('__')) continue;
      const below = selection.selectionSet ? depthOf(selection.selectionSet, fragments, seen) : 0;
      deepest = Math.max(deepest, 1 + below);
    } else if (selection.kind === 'InlineFragment') {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) continue;
      seen.add(fragment.name.value);
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, seen));
      seen.delete(fragment.name.value);
    }
  }
  return deepest;
}

/** Root fields of an operation, fragments expanded. */
function rootFieldsOf(set: SelectionSetNode, fragments: Fragments, seen: Set<string>): number {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === 'Field') count += 1;
    else if (selection.kind === 'InlineFragment') count += rootFieldsOf(selection.selectionSet, fragments, seen);
    else {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) continue;
      seen.add(fragment.name.value);
      count += rootFieldsOf(fragment.selectionSet, fragments, seen);
    }
  }
  return count;
}

/** Validation rules for depth, aliases and root fields (static: they do not depend on variables). */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    (context: ValidationContext) => ({
      Document(document) {
        const fragments = fragmentsOf(document);
        let aliases = 0;
        for (const definition of document.definitions) {
          if (definition.kind !== 'OperationDefinition') continue;
          const depth = depthOf(definition.selectionSet, fragments, new Set());
          if (depth > limits.maxDepth)
            context.reportError(limitError('maxDepth', limits.maxDepth, depth, 'Query depth'));
          const roots = rootFieldsOf(definition.selectionSet, fragments, new Set());
          if (roots > limits.maxRootFields) {
            context.reportError(limitError('maxRootFields', limits.maxRootFields, roots, 'Root fields'));
          }
        }
        const countAliases = (set: SelectionSetNode) => {
          for (const selection of set.selections) {
            if (selection.kind === 'Field' && selection.alias) aliases += 1;
            if (selection.kind !== 'FragmentSpread' && selection.selectionSet) countAliases(selection.selectionSet);
          }
        };
        for (const definition of document.definitions) {
          if (definition.kind !== 'ScalarTypeExtension' && 'selectionSet' in definition && definition.selectionSet) {
            countAliases(definition.selectionSet);
          }
        }
        if (aliases > limits.maxAliases)
          context.reportError(limitError('maxAliases', limits.maxAliases, aliases, 'Aliases'));
      },
    }),
  ];
}

/** A field that can return sessions, with the sized fields below it (others are skipped). */
interface SizedField {
  /** Its page size or id count for one request's variables. */
  readonly size: (variables: Readonly<Record<string, unknown>>) => number;
  readonly below: readonly SizedField[];
}

/**
 * The sized fields of an operation, computed once per parsed operation (Yoga's parse cache hands
 * the same document object to every request with the same query text): walking the whole
 * document for every request cost ~12 µs for a two-list query, before its upstream calls left.
 */
const plans = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, readonly SizedField[]>>();

function planOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): readonly SizedField[] {
  let bySchema = plans.get(schema);
  if (!bySchema) {
    bySchema = new WeakMap();
    plans.set(schema, bySchema);
  }
  const known = bySchema.get(operation);
  if (known) return known;
  const fragments = fragmentsOf(document);
  const queryType = schema.getQueryType();
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, seen: ReadonlySet<string>): SizedField[] => {
    const found: SizedField[] = [];
    for (const selection of set.selections) {
      if (selection.kind === 'InlineFragment') {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        found.push(...walk(selection.selectionSet, condition ?? parent, seen));
        continue;
      }
      if (selection.kind === 'FragmentSpread') {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value) ?? parent;
        found.push(...walk(fragment.selectionSet, condition, new Set([...seen, fragment.name.value])));
        continue;
      }
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const field = parent.getFields()[selection.name.value];
      if (!field) continue;
      const argument = (name: string) => {
        const node = selection.arguments?.find((arg) => arg.name.value === name);
        const definition = field.args.find((arg) => arg.name === name);
        return node && definition
          ? (variables: Readonly<Record<string, unknown>>) => valueFromAST(node.value, definition.type, variables)
          : () => undefined;
      };
      const below = selection.selectionSet ? walk(selection.selectionSet, getNamedType(field.type), seen) : [];
      let size: SizedField['size'] | null = null;
      if (field.args.some((arg) => arg.name === 'first')) {
        const first = argument('first');
        const last = argument('last');
        size = (variables) => {
          const f = first(variables);
          const l = last(variables);
          return typeof f === 'number' ? f : typeof l === 'number' ? l : DEFAULT_PAGE_SIZE;
        };
      } else if (parent === queryType && selection.name.value === 'nodes') {
        const ids = argument('ids');
        size = (variables) => {
          const value = ids(variables);
          return Array.isArray(value) ? value.length : 0;
        };
      } else if (parent === queryType && selection.name.value === 'node') {
        size = () => 1;
      }
      // A field that returns no sessions itself multiplies nothing: its sized fields count as if
      // they were its parent's (an edge's `node` is the connection's item, already counted).
      if (size) found.push({ size, below });
      else found.push(...below);
    }
    return found;
  };
  const root = operation.operation === 'mutation' ? schema.getMutationType() : queryType;
  const plan = root ? walk(operation.selectionSet, root, new Set()) : [];
  bySchema.set(operation, plan);
  return plan;
}

function total(
  fields: readonly SizedField[],
  variables: Readonly<Record<string, unknown>>,
  multiplier: number,
): number {
  let sum = 0;
  for (const field of fields) {
    const size = field.size(variables);
    sum += multiplier * size + total(field.below, variables, multiplier * Math.max(size, 1));
  }
  return sum;
}

/**
 * Sessions an operation may return: each connection field adds its page size (`first`/`last`,
 * 20 when omitted) times the sizes of the connections around it, `nodes` adds its ids and
 * `node` adds one.
 */
export function nodesRequested(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  return total(planOf(schema, document, operation), variables, 1);
}

/**
 * The result that refuses an operation asking for more than `maxNodes` sessions, or null.
 * Run before execution by the request guards' plugin, and by prepared operations (src/prepared.ts).
 */
export function overNodeLimit(
  args: {
    readonly schema: GraphQLSchema;
    readonly document: DocumentNode;
    readonly operationName?: string | null;
    readonly variableValues?: Readonly<Record<string, unknown>> | null;
  },
  maxNodes: number,
): ExecutionResult | null {
  const operation = args.document.definitions.find(
    (definition) =>
      definition.kind === 'OperationDefinition' &&
      (!args.operationName || definition.name?.value === args.operationName),
  );
  if (!operation || operation.kind !== 'OperationDefinition') return null;
  const nodes = nodesRequested(args.schema, args.document, operation, args.variableValues ?? {});
  return nodes > maxNodes ? { errors: [limitError('maxNodes', maxNodes, nodes, 'Sessions requested')] } : null;
}

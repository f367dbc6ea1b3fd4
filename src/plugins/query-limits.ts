import {
  type DocumentNode,
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
  const fragments = fragmentsOf(document);
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, multiplier: number, seen: Set<string>): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === 'InlineFragment') {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += walk(selection.selectionSet, condition ?? parent, multiplier, seen);
        continue;
      }
      if (selection.kind === 'FragmentSpread') {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value) ?? parent;
        total += walk(fragment.selectionSet, condition, multiplier, new Set([...seen, fragment.name.value]));
        continue;
      }
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const field = parent.getFields()[selection.name.value];
      if (!field) continue;
      const argument = (name: string) => {
        const node = selection.arguments?.find((arg) => arg.name.value === name);
        const definition = field.args.find((arg) => arg.name === name);
        return node && definition ? valueFromAST(node.value, definition.type, variables) : undefined;
      };
      let size = 0;
      if (field.args.some((arg) => arg.name === 'first')) {
        const first = argument('first');
        const last = argument('last');
        size = typeof first === 'number' ? first : typeof last === 'number' ? last : DEFAULT_PAGE_SIZE;
      } else if (selection.name.value === 'nodes') {
        const ids = argument('ids');
        size = Array.isArray(ids) ? ids.length : 0;
      } else if (selection.name.value === 'node') {
        size = 1;
      }
      total += multiplier * size;
      if (selection.selectionSet) {
        total += walk(selection.selectionSet, getNamedType(field.type), multiplier * Math.max(size, 1), seen);
      }
    }
    return total;
  };
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  return root ? walk(operation.selectionSet, root, 1, new Set()) : 0;
}

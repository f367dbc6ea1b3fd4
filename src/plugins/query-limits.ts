import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getVariableValues,
  isInterfaceType,
  isObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Source,
  type ValidationContext,
  type ValidationRule,
  valueFromAST,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { QueryLimits } from '../config.js';
import { DEFAULT_PAGE_SIZE } from '../schema/paging.js';

/** The coded error of a refused request: which limit and its value, with any other extensions. */
export function limitError(
  limit: string,
  max: number,
  message: string,
  extensions: Readonly<Record<string, unknown>> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'LIMIT_EXCEEDED', limit, max, ...extensions } });
}

/** Armor's options that refuse with our coded error instead of its uncoded "Syntax Error: ..." one. */
function refuseWith(error: () => GraphQLError) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null) => {
        // The token limit runs inside the parser, without a validation context: Yoga answers it as a parse error.
        if (!context) throw error();
        context.reportError(error());
      },
    ],
  };
}

/** graphql-armor's depth, alias, token and directive limits, refusing with LIMIT_EXCEEDED errors. */
export function armorLimits(limits: QueryLimits): Plugin[] {
  const { maxDepth, maxAliases, maxTokens, maxDirectives } = limits;
  return [
    maxTokensPlugin({
      n: maxTokens,
      ...refuseWith(() =>
        limitError(
          'maxTokens',
          maxTokens,
          `Number of tokens in the query document exceeds the limit of ${maxTokens} (maxTokens): send a shorter query.`,
        ),
      ),
    }),
    maxDepthPlugin({
      n: maxDepth,
      // Fragments add no level: the depth is the one of the response.
      flattenFragments: true,
      // GraphiQL's introspection query nests deeper than any client query needs to.
      ignoreIntrospection: true,
      ...refuseWith(() =>
        limitError(
          'maxDepth',
          maxDepth,
          `Query depth exceeds the limit of ${maxDepth} (maxDepth): select fewer nested levels, or split the query.`,
        ),
      ),
    }),
    maxAliasesPlugin({
      n: maxAliases,
      ...refuseWith(() =>
        limitError(
          'maxAliases',
          maxAliases,
          `Number of aliases exceeds the limit of ${maxAliases} (maxAliases): split the query into several requests.`,
        ),
      ),
    }),
    maxDirectivesPlugin({
      n: maxDirectives,
      ...refuseWith(() =>
        limitError(
          'maxDirectives',
          maxDirectives,
          `Number of directives exceeds the limit of ${maxDirectives} (maxDirectives): send fewer directives.`,
        ),
      ),
    }),
  ];
}

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

function fragmentsOf(document: DocumentNode): Fragments {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * Root fields an operation runs (distinct response keys, fragments expanded): each is a resolver
 * that may call upstreams, writes included. graphql-armor has no such rule.
 */
function rootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      const keys = new Set<string>();
      const collect = (set: SelectionSetNode, seen: ReadonlySet<string>) => {
        for (const selection of set.selections) {
          if (selection.kind === 'Field') keys.add(selection.alias?.value ?? selection.name.value);
          else if (selection.kind === 'InlineFragment') collect(selection.selectionSet, seen);
          else if (!seen.has(selection.name.value)) {
            const fragment = context.getFragment(selection.name.value);
            if (fragment) collect(fragment.selectionSet, new Set([...seen, selection.name.value]));
          }
        }
      };
      collect(operation.selectionSet, new Set());
      if (keys.size > max) {
        context.reportError(
          limitError(
            'maxRootFields',
            max,
            `Number of root fields (${keys.size}) exceeds the limit of ${max} (maxRootFields): split the query into several requests.`,
            { actual: keys.size },
          ),
        );
      }
    },
  });
}

/** A field that can return sessions, with the sized fields below it (others are skipped). */
interface SizedField {
  /** Its page size or id count for one request's variables. */
  readonly size: (variables: Readonly<Record<string, unknown>>) => number;
  readonly below: readonly SizedField[];
}

/**
 * The sized fields of an operation, computed once per parsed operation: Yoga's parse cache hands
 * the same document object to every request with the same query text.
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
          // A negative size is refused by its field; counted as it stands, it would offset the others.
          return Math.max(0, typeof f === 'number' ? f : typeof l === 'number' ? l : DEFAULT_PAGE_SIZE);
        };
      } else if (parent === queryType && selection.name.value === 'nodes') {
        const ids = argument('ids');
        size = (variables) => {
          const value = ids(variables);
          return Array.isArray(value) ? value.length : 0;
        };
      } else if (parent === queryType && selection.name.value === '_entities') {
        // Federation's entity lookup (subgraph mode): one session per representation, as `nodes`.
        const representations = argument('representations');
        size = (variables) => {
          const value = representations(variables);
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
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : queryType;
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
  const plan = planOf(schema, document, operation);
  return plan.length === 0 ? 0 : total(plan, withDefaults(schema, operation, variables), 1);
}

/** The request's variables with the operation's defaults for those it left out, as execution sees them. */
function withDefaults(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const definitions = operation.variableDefinitions ?? [];
  if (
    !definitions.some(
      (definition) => definition.defaultValue && variables[definition.variable.name.value] === undefined,
    )
  ) {
    return variables;
  }
  // Invalid variables are execution's to refuse, with its own errors.
  const values = getVariableValues(schema, definitions, variables);
  return values.coerced ?? variables;
}

/**
 * The result that refuses an operation asking for more than `maxNodes` sessions, or null.
 * Run before execution by `useQueryLimits`.
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
  if (nodes <= maxNodes) return null;
  const message = `Number of sessions requested (${nodes}) exceeds the limit of ${maxNodes} (maxNodes): ask for smaller pages (first/last) or fewer ids.`;
  return { errors: [limitError('maxNodes', maxNodes, message, { actual: nodes })] };
}

/**
 * Our own limits: the size of the query document, root fields, and the sessions one request may
 * ask for (maxNodes: a count of this schema's pages, checked with each request's variables).
 */
export function useQueryLimits(limits: QueryLimits): Plugin {
  const { maxDocumentBytes, maxRootFields, maxNodes } = limits;
  const rootFields = rootFieldsRule(maxRootFields);
  const checkDocumentBytes = (query: string) => {
    const size = Buffer.byteLength(query);
    if (size > maxDocumentBytes) {
      throw limitError(
        'maxDocumentBytes',
        maxDocumentBytes,
        `Query document of ${size} bytes exceeds the limit of ${maxDocumentBytes} (maxDocumentBytes): send a shorter query.`,
        { http: { status: 413 } },
      );
    }
  };
  return {
    // Tokens leave string literals, comments and whitespace unbounded, and Yoga's parse cache keys on the text.
    onParams({ params }) {
      // Not a string: Yoga's own parameter check answers it with 400 BAD_REQUEST.
      const query: unknown = params.query;
      if (typeof query === 'string') checkDocumentBytes(query);
    },
    // A WebSocket operation has no `onParams`: it meets the same check when it is parsed.
    onParse({ context, params }) {
      if (!('ws' in context)) return;
      const source: unknown = params.source;
      checkDocumentBytes(typeof source === 'string' ? source : source instanceof Source ? source.body : '');
    },
    onValidate({ addValidationRule }) {
      addValidationRule(rootFields);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const refused = overNodeLimit(args, maxNodes);
      if (refused) setResultAndStopExecution(refused);
    },
    // Each event of a subscription runs its whole selection: the same limit applies.
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = overNodeLimit(args, maxNodes);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}

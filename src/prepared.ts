import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { GraphQLContext } from './context.js';

/**
 * Prepared operations: what envelop does per request for a document it has parsed and validated
 * before, run directly (src/fast-path.ts takes them for JSON POSTs).
 *
 * For such a document, Yoga's envelop (parse and validation caches, context hook, six execute
 * hooks and their promise helpers) cost ~5% of a list request's CPU at 20 connections and ~40 µs
 * of the ~90 µs before the first upstream call at one connection (README, Performance). Its
 * parse and validate steps only return cached answers here: the document text, schema and rules
 * are the same. The execute steps are those of the plugins, in envelop's order: the request
 * record names the operation (observability), the maxNodes guard may refuse it (then only the
 * record sees the refusal), graphql-jit runs it compiled as the jit plugin compiles it (only
 * single-operation documents), then on the result: the record's error codes, the partial-failure
 * errors, Yoga's error masking.
 *
 * The list of plugins and hooks they were written from is pinned: `EXECUTION_HOOKS` must be
 * what the gateway's Yoga registers, or nothing is prepared and every request goes through
 * envelop (test/fast-path.test.ts fails on it, and compares every answer with Yoga's).
 */

/** A document parsed and validated before, compiled for its only operation. */
export interface PreparedOperation {
  readonly document: DocumentNode;
  /** The name of its only operation (null when anonymous). */
  readonly name: string | null;
  readonly compiled: CompiledQuery;
}

/** What the execute steps need from the gateway; each is the same function its plugin runs. */
export interface ExecutionSteps {
  readonly schema: GraphQLSchema;
  /** The request record's step: names the operation; returns what records the result's error codes. */
  readonly observe: (
    contextValue: GraphQLContext,
    document: DocumentNode,
    operationName: string | null | undefined,
  ) => (result: ExecutionResult) => void;
  /** The maxNodes guard: a result that refuses the operation, or null. */
  readonly refuse: (args: {
    readonly schema: GraphQLSchema;
    readonly document: DocumentNode;
    readonly operationName?: string | null;
    readonly variableValues?: Readonly<Record<string, unknown>> | null;
  }) => ExecutionResult | null;
  /** The result with the request's partial-failure errors, or null when unchanged. */
  readonly withPartialErrors: (result: ExecutionResult, contextValue: GraphQLContext) => ExecutionResult | null;
  /** Yoga's masking of one error (its `maskedErrors.maskError`, with Yoga's message). */
  readonly mask: (error: unknown, message: string) => GraphQLError;
}

/** A result with the serialiser graphql-jit gives it (Yoga's processor uses it). */
export type SerializableResult = ExecutionResult & { stringify?: (value: unknown) => string };

/**
 * The hooks, plugin by plugin, that run between a request's parameters and its result, as the
 * gateway's Yoga registers them (graphiql, CSRF and the Fetch-API hooks play no part here).
 * Yoga's engine, the context factory, graphql-jit, observability, the request guards, partial
 * errors, the parser and validation cache, no mutations over GET, error masking, and the status
 * of validation errors.
 */
export const EXECUTION_HOOKS = [
  'onExecute,onParse,onValidate',
  'onContextBuilding',
  'onExecute',
  'onExecute',
  'onExecute,onValidate',
  'onExecute',
  'onParse,onValidate',
  'onParse',
  'onExecute',
  'onValidate',
].join(' | ');

const HOOKS = ['instrumentation', 'onContextBuilding', 'onEnveloped', 'onExecute', 'onParse', 'onValidate'] as const;

/** The execution hooks of a plugin list, in the form of `EXECUTION_HOOKS`. */
export function executionHooks(plugins: readonly unknown[]): string {
  const found: string[] = [];
  for (const plugin of plugins) {
    // Yoga lists the plugins it leaves out as `false`.
    if (typeof plugin !== 'object' || plugin === null) continue;
    const hooks = HOOKS.filter((hook) => hook in plugin);
    if (hooks.length > 0) found.push(hooks.join(','));
  }
  return found.join(' | ');
}

/** The error message Yoga's masking gives unexpected errors. */
const MASKED_MESSAGE = 'Unexpected error.';
/**
 * Bounds on what is remembered: clients send few distinct documents (generated or persisted);
 * past either bound everything is forgotten and prepared again as it comes back.
 */
const MAX_DOCUMENTS = 200;
const MAX_TEXT_LENGTH = 512 * 1024;

/** A document envelop validated once: compiled when it comes back (one-off documents never are). */
interface Seen {
  readonly document: DocumentNode;
  readonly name: string | null;
}

export class PreparedOperations {
  private readonly byText = new Map<string, PreparedOperation | Seen | null>();
  private textLength = 0;
  /** Prepared operations executed so far (tests and diagnostics). */
  executed = 0;

  constructor(private readonly steps: ExecutionSteps) {}

  /** The prepared operation for a query text and the operation name sent with it, if any. */
  get(text: string, operationName: string | null | undefined): PreparedOperation | undefined {
    const entry = this.byText.get(text);
    if (!entry) return undefined;
    // Another name than the only operation's: envelop answers (Yoga's error).
    if (operationName != null && operationName !== entry.name) return undefined;
    if ('compiled' in entry) return entry;
    // The options the jit plugin compiles with (yoga.ts: `useGraphQlJit({})`).
    const compiled = compileQuery(this.steps.schema, entry.document, undefined, {});
    if (!isCompiledQuery(compiled)) {
      this.byText.set(text, null);
      return undefined;
    }
    const prepared = { document: entry.document, name: entry.name, compiled };
    this.byText.set(text, prepared);
    return prepared;
  }

  /**
   * Remembers a document envelop has just parsed and validated without errors. Documents of
   * several operations run on graphql-js (yoga.ts); they and subscriptions are not prepared.
   */
  remember(text: string, document: DocumentNode, operation: OperationDefinitionNode): void {
    if (this.byText.has(text)) return;
    if (this.byText.size >= MAX_DOCUMENTS || this.textLength + text.length > MAX_TEXT_LENGTH) {
      this.byText.clear();
      this.textLength = 0;
    }
    this.textLength += text.length;
    let operations = 0;
    for (const definition of document.definitions) if (definition.kind === Kind.OPERATION_DEFINITION) operations += 1;
    const preparable = operations === 1 && operation.operation !== 'subscription';
    this.byText.set(text, preparable ? { document, name: operation.name?.value ?? null } : null);
  }

  /** Executes a prepared operation as envelop would: the steps above, in order. */
  async execute(
    prepared: PreparedOperation,
    contextValue: GraphQLContext,
    variableValues: Readonly<Record<string, unknown>> | null | undefined,
    operationName: string | null | undefined,
  ): Promise<SerializableResult> {
    this.executed += 1;
    const { document, compiled } = prepared;
    const steps = this.steps;
    const recorded = steps.observe(contextValue, document, operationName);
    // A refusal stops execution before the later steps register: only the record sees it.
    const refused = steps.refuse({ schema: steps.schema, document, operationName, variableValues });
    if (refused) {
      recorded(refused);
      return refused;
    }
    let result: SerializableResult = await compiled.query(undefined, contextValue, variableValues);
    result.stringify = compiled.stringify;
    recorded(result);
    result = steps.withPartialErrors(result, contextValue) ?? result;
    const errors = result.errors;
    if (errors != null) result = { ...result, errors: errors.map((error) => steps.mask(error, MASKED_MESSAGE)) };
    return result;
  }
}

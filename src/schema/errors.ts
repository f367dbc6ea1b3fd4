import { GraphQLError, type GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import type { z } from 'zod';
import type { GraphQLContext } from '../context.js';
import { RequestAbortedError, type SourceId, UpstreamError, UpstreamFieldError } from '../sources/errors.js';
import { builder } from './builder.js';
import { sourceNames } from './source-docs.js';

/** The `extensions.code` a client will see for an error from either executor (before masking). */
export function errorCode(error: unknown): string {
  const own = codeOf(error);
  if (own) return own;
  const cause = rootCause(error);
  const exposed = exposeError(cause);
  if (exposed && typeof exposed.extensions.code === 'string') return exposed.extensions.code;
  return codeOf(cause) ?? 'INTERNAL_SERVER_ERROR';
}

/** `extensions.code` of a GraphQLError; graphql-jit's errors pass `instanceof` but may lack `extensions`. */
function codeOf(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const extensions: GraphQLError['extensions'] | undefined = error.extensions;
  return typeof extensions?.code === 'string' ? extensions.code : undefined;
}

/** A `BAD_USER_INPUT` error for an argument, with a message that says what is allowed. */
export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}) },
  });
}

/**
 * The client-facing form of an error thrown inside a resolver, or null for an unexpected
 * one (which stays masked). Upstream errors keep their code, source and upstream status:
 * never a URL, header, body or key.
 */
export function exposeError(error: unknown): { message: string; extensions: Record<string, unknown> } | null {
  if (error instanceof UpstreamError) {
    return {
      message: error.message,
      extensions: {
        code: error.code,
        source: error.source,
        ...(error.upstreamStatus !== null ? { upstreamStatus: error.upstreamStatus } : {}),
      },
    };
  }
  if (error instanceof RequestAbortedError) {
    return { message: error.message, extensions: { code: 'REQUEST_ABORTED' } };
  }
  return null;
}

/**
 * Records an upstream failure that did not stop the field (the merged feed served the
 * other sources): the error joins the response's `errors` at this field's path.
 */
export function reportPartialFailure(context: GraphQLContext, error: UpstreamError, info: GraphQLResolveInfo): void {
  const exposed = exposeError(error);
  if (!exposed) return;
  context.partialErrors.push(
    new GraphQLError(exposed.message, {
      nodes: info.fieldNodes,
      path: responsePathAsArray(info.path),
      extensions: exposed.extensions,
    }),
  );
}

/**
 * Reports sessions (or messages) an upstream sent that do not match its API: the page is served without
 * them, and one error per field and source (at the field's path) says how many were left out,
 * however many upstream pages the field read.
 */
export function reportInvalidItems(
  context: GraphQLContext,
  source: SourceId,
  count: number,
  info: GraphQLResolveInfo,
  noun: 'session' | 'message' = 'session',
): void {
  const path = responsePathAsArray(info.path);
  const errors = context.partialErrors;
  const earlier = errors.findIndex(
    (error) =>
      error.extensions.code === 'UPSTREAM_INVALID_ITEM' &&
      error.extensions.source === source.name &&
      error.path?.join('.') === path.join('.'),
  );
  const before = errors[earlier]?.extensions.count;
  const total = count + (typeof before === 'number' ? before : 0);
  const what = total === 1 ? `${noun} that does not` : `${noun}s that do not`;
  const error = new GraphQLError(`${source.label} sent ${total} ${what} match its API; left out of this page.`, {
    nodes: info.fieldNodes,
    path,
    extensions: { code: 'UPSTREAM_INVALID_ITEM', source: source.name, count: total },
  });
  if (earlier >= 0) errors[earlier] = error;
  else errors.push(error);
}

/** One invalid input field: where it is (from the argument down) and what is wrong. */
export interface FieldError {
  readonly path: readonly string[];
  readonly message: string;
}

/** Mutation input that failed validation; no upstream call was made. */
export class InputValidationError extends Error {
  override readonly name = 'InputValidationError';
  constructor(readonly fieldErrors: readonly FieldError[]) {
    super(`Invalid input: ${fieldErrors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`);
  }
}

/** The session a mutation names does not exist (or is not visible with the key used). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly id: string) {
    super('No such session (it does not exist, or your key cannot see it).');
  }
}

/**
 * Validates mutation input with zod; the output is what the upstream call needs.
 * @throws InputValidationError naming every bad field
 */
export function validateInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InputValidationError(
    parsed.error.issues.map((issue) => ({ path: ['input', ...issue.path.map(String)], message: issue.message })),
  );
}

/**
 * Rethrows an upstream's refusal of one body field (its name in `fields`) as the ValidationError
 * that names the input field: the client learns which field, as for its own checks.
 */
export function rejectedFieldAs(fields: Readonly<Record<string, FieldError>>) {
  return (error: unknown): never => {
    const named = error instanceof UpstreamFieldError ? fields[error.field] : undefined;
    if (named) throw new InputValidationError([named]);
    throw error;
  };
}

/** Rethrows an upstream 404 on a write as the typed NotFoundError. */
export function notFoundAs(globalId: string) {
  return (error: unknown): never => {
    if (error instanceof UpstreamError && error.code === 'NOT_FOUND') throw new NotFoundError(globalId);
    throw error;
  };
}

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'An expected failure of a mutation. Select `... on Error { message }` for any of them.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for a person to read.' }),
  }),
});

const FieldErrorType = builder.objectRef<FieldError>('FieldError').implement({
  description: 'One invalid input field.',
  fields: (t) => ({
    path: t.exposeStringList('path', {
      description: 'Where the field is, from the argument down, e.g. ["input", "agentId"].',
    }),
    message: t.exposeString('message', { description: 'What is wrong with it and what is allowed.' }),
  }),
});

builder.objectType(InputValidationError, {
  name: 'ValidationError',
  description:
    'The input was invalid; `fieldErrors` names each bad field. Nothing was sent upstream, or (an id the upstream does not know, such as an unknown `agentId` or `computerId`) the upstream refused it and nothing changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InputValidationError,
  fields: (t) => ({
    fieldErrors: t.field({
      type: [FieldErrorType],
      description: 'Every invalid field.',
      resolve: (e) => e.fieldErrors,
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The session does not exist, or the key used cannot see it.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({ id: t.exposeID('id', { description: 'The id that was not found.' }) }),
});

builder.objectType(UpstreamError, {
  name: 'UpstreamError',
  description: 'The upstream refused or failed the change. Nothing is retried automatically.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UpstreamError,
  fields: (t) => ({
    source: t.string({ description: `${sourceNames()}.`, resolve: (e) => e.source }),
    code: t.string({
      description:
        'The same codes as `extensions.code`: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, UPSTREAM_UNAVAILABLE, ...',
      resolve: (e) => e.code,
    }),
    upstreamStatus: t.int({
      nullable: true,
      description: 'The upstream HTTP status, when it answered.',
      resolve: (e) => e.upstreamStatus,
    }),
    outcomeUnknown: t.boolean({
      description: 'True when the change may or may not have happened (timeout or reset): read back before retrying.',
      resolve: (e) => e.outcomeUnknown,
    }),
  }),
});

/** The `errors` option of every mutation: its payload, or one of the typed errors. */
export function mutationErrors() {
  return {
    types: [InputValidationError, NotFoundError, UpstreamError],
    directResult: true,
    union: {
      description: 'The payload on success, or a typed error: ValidationError, NotFoundError or UpstreamError.',
    },
  };
}

/** The innermost cause: graphql-js, graphql-jit and Yoga may each wrap a resolver's error. */
export function rootCause(error: unknown): unknown {
  let cause = error;
  while (
    typeof cause === 'object' &&
    cause !== null &&
    'originalError' in cause &&
    cause.originalError instanceof Error
  ) {
    cause = cause.originalError;
  }
  return cause;
}

/**
 * A client-safe copy of a located error, from either executor: graphql-jit's errors are not
 * graphql-js GraphQLErrors and carry `locations` instead of AST nodes.
 */
export function located(error: unknown, message: string, extensions: Record<string, unknown>): GraphQLError {
  const from = error instanceof GraphQLError ? error : null;
  const path =
    typeof error === 'object' && error !== null && 'path' in error && Array.isArray(error.path)
      ? error.path
      : undefined;
  const copy = new GraphQLError(message, {
    // Nodes only: Yoga's cached documents may lack the source that positions would need.
    nodes: from?.nodes,
    path: from?.path ?? path,
    extensions,
  });
  const locations = typeof error === 'object' && error !== null && 'locations' in error ? error.locations : undefined;
  if (copy.locations === undefined && Array.isArray(locations)) {
    Object.defineProperty(copy, 'locations', { value: locations, enumerable: true });
  }
  return copy;
}

/**
 * A graphql-js GraphQLError for an error from either executor: expected errors become their
 * client-safe copy, anything else keeps its cause so that masking hides it.
 */
export function normalizeError(error: unknown): GraphQLError {
  const cause = rootCause(error);
  const exposed = exposeError(cause);
  if (exposed) return located(error, exposed.message, exposed.extensions);
  if (error instanceof GraphQLError) return error;
  const copy = located(error, error instanceof Error ? error.message : String(error), {});
  return new GraphQLError(copy.message, {
    path: copy.path,
    originalError: cause instanceof Error ? cause : undefined,
    extensions: {},
  });
}

import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { pathToArray } from 'graphql/jsutils/Path.js';
import type { GraphQLContext } from '../context.js';
import { RequestAbortedError, UpstreamError } from '../sources/errors.js';

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
      path: pathToArray(info.path),
      extensions: exposed.extensions,
    }),
  );
}

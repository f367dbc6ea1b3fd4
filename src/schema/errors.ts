import { GraphQLError } from 'graphql';
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

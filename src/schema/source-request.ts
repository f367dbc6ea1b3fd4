import type { GraphQLResolveInfo } from 'graphql';
import { type GraphQLContext, sourceOf } from '../context.js';
import type { SourceName } from '../sources/errors.js';
import type { SourceRequest } from '../sources/source-module.js';
import { reportInvalidItems } from './errors.js';

/**
 * A source's reads for one field: lists go through the request's loader (which waits for and
 * reuses them), and items the upstream sent that do not match its API are reported at the field.
 */
export function sourceRequest(context: GraphQLContext, name: SourceName, info: GraphQLResolveInfo): SourceRequest {
  const { module, access, sessions } = sourceOf(context, name);
  return {
    access,
    list: async (call) => {
      const page = await sessions.list(call);
      if (page.invalidItems > 0) reportInvalidItems(context, module, page.invalidItems, info);
      return page;
    },
  };
}

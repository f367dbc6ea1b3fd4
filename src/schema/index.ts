import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './root.js';
import './scalars.js';
import './errors.js';
import './node.js';
import './session.js';
import './factory-session.js';
import './everruns-session.js';
import './message.js';
import './session-event.js';
import './federation.js';

/** The gateway's schema as a plain GraphQL API. */
export const schema = builder.toSchema({ sortSchema: false });

let subgraph: GraphQLSchema | undefined;

/**
 * The same schema as an Apollo Federation v2 subgraph (`_service`, `_entities`, `@key`).
 * Built on first use: a gateway serving the plain API does not pay for it.
 */
export function subgraphSchema(): GraphQLSchema {
  subgraph ??= builder.toSubGraphSchema({
    sortSchema: false,
    linkUrl: 'https://specs.apollo.dev/federation/v2.6',
    federationDirectives: ['@key', '@shareable'],
  });
  return subgraph;
}

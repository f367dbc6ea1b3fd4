import { builder } from './builder.js';
import './root.js';
import './scalars.js';
import './errors.js';
import './node.js';
import './session.js';
import './factory-session.js';
import './everruns-session.js';
import './federation.js';

/** The schema as an Apollo Federation v2 subgraph (`_service`, `_entities`, `@key`). */
export const subgraphSchema = builder.toSubGraphSchema({
  sortSchema: false,
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
  federationDirectives: ['@key', '@shareable'],
});

/** The gateway's schema as a plain GraphQL API. */
export const schema = builder.toSchema({ sortSchema: false });

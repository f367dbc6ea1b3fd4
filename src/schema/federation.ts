import { builder } from './builder.js';
import { loadByGlobalId, sessionEntityKey } from './node.js';
import { Session } from './session.js';

/**
 * Apollo Federation v2 entities: sessions are keyed by their global `id`, and `_entities`
 * resolves them through the request's loaders, so N representations of one session cost one
 * upstream call. The `Session` interface is an entity too (Federation 2.3+), which lets another
 * subgraph add fields to every session with `@interfaceObject`. Each source's schema file makes
 * its session type an entity the same way.
 */
builder.asEntity(Session, {
  key: sessionEntityKey,
  resolveReference: (reference, context) => loadByGlobalId(context, reference.id),
});

import { builder } from './builder.js';
import { EverrunsSession } from './everruns-session.js';
import { FactorySession } from './factory-session.js';
import { loadByGlobalId } from './node.js';
import { Session } from './session.js';

/**
 * Apollo Federation v2 entities: sessions are keyed by their global `id`, and `_entities`
 * resolves them through the request's loaders, so N representations of one session cost one
 * upstream call. The `Session` interface is an entity too (Federation 2.3+), which lets another
 * subgraph add fields to every session with `@interfaceObject`.
 */
const key = builder.selection<{ id: string }>('id');

builder.asEntity(Session, {
  key,
  resolveReference: (reference, context) => loadByGlobalId(context, reference.id),
});

builder.asEntity(FactorySession, {
  key,
  resolveReference: async (reference, context) => {
    const session = await loadByGlobalId(context, reference.id, 'FactorySession');
    return session?.kind === 'FACTORY' ? session : null;
  },
});

builder.asEntity(EverrunsSession, {
  key,
  resolveReference: async (reference, context) => {
    const session = await loadByGlobalId(context, reference.id, 'EverrunsSession');
    return session?.kind === 'EVERRUNS' ? session : null;
  },
});

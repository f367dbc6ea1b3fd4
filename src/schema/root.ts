import { builder } from './builder.js';
import { sourceLabels } from './source-docs.js';

/** The query root. */
export const Query = builder.queryType({ description: `Agent sessions of ${sourceLabels(' and ')} in one graph.` });

/** The mutation root. */
export const Mutation = builder.mutationType({
  description: 'Create and manage sessions. Every mutation answers a result union: the payload, or a typed error.',
});

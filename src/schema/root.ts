import { builder } from './builder.js';

/** The query root. */
export const Query = builder.queryType({ description: 'Agent sessions of Factory and Everruns in one graph.' });

/** The mutation root. */
export const Mutation = builder.mutationType({
  description: 'Create and manage sessions. Every mutation answers a result union: the payload, or a typed error.',
});

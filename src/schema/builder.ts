import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import type { GraphQLContext } from '../context.js';

/** A DateTime as resolvers return it: epoch milliseconds, or UTC RFC 3339 text at the upstream's precision. */
export type DateTimeOutput = number | string;

/** A DateTime argument, parsed: the instant at full precision and its UTC text. */
export interface DateTimeInput {
  readonly micros: number;
  readonly text: string;
}

/** The `id` field's description on the Node interface and every node type. */
export const NODE_ID_DESCRIPTION = 'Global id: opaque, stable, accepted by `node` and `nodes`.';

/**
 * The one schema builder. It defines no types: each type family has its own file, and
 * schema/index.ts imports them all. Fields are non-null unless they say otherwise.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: DateTimeInput; Output: DateTimeOutput };
    SafeInt: { Input: number; Output: number };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Order from STYLE.md: relay, errors, directives, federation (federation after resolver wrappers).
  plugins: [RelayPlugin, ErrorsPlugin, DirectivePlugin, FederationPlugin],
  errors: {
    defaultTypes: [],
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`,
    },
  },
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // `node` and `nodes` are defined in node.ts: they validate ids and go through the loaders.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    nodeTypeOptions: { description: 'An object with a globally unique, opaque and stable id.' },
    // Shareable: every subgraph with connections defines PageInfo (hayes/pothos#942).
    pageInfoTypeOptions: {
      description: 'Where a page of a connection stands (Relay cursor connections).',
      shareable: true,
    },
    idFieldOptions: { description: NODE_ID_DESCRIPTION },
    cursorFieldOptions: { description: 'Opaque cursor of this edge; pass it as `after` (or `before`).' },
    nodeFieldOptions: { nullable: false, description: 'The session at this edge.' },
    edgesFieldOptions: { nullable: false, description: 'The page, in connection order.' },
    pageInfoFieldOptions: { description: 'Where this page stands.' },
    hasNextPageFieldOptions: { description: 'True exactly when more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first edge (null for an empty page).' },
    endCursorFieldOptions: { description: 'Cursor of the last edge (null for an empty page); pass it as `after`.' },
  },
});

import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLSchema,
  GraphQLString,
  specifiedDirectives,
} from 'graphql';
import { builder } from './builder.js';
import { sourceLabels } from './source-docs.js';
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

const ifArgument = (what: string) => ({
  type: new GraphQLNonNull(GraphQLBoolean),
  defaultValue: true,
  description: `${what} when true (the default).`,
});

/** `@defer` as the defer-stream plugin (graphql-tools) defines it. */
const deferDirective = new GraphQLDirective({
  name: 'defer',
  description: 'Delivers this fragment in a later payload of the response (multipart/mixed or text/event-stream).',
  locations: [DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
  args: {
    if: ifArgument('Deferred'),
    label: { type: GraphQLString, description: 'Names the payload that delivers it; unique in the operation.' },
  },
});

/** `@stream` as the defer-stream plugin (graphql-tools) defines it. */
const streamDirective = new GraphQLDirective({
  name: 'stream',
  description: 'Delivers the items of this list after the first `initialCount`, in later payloads of the response.',
  locations: [DirectiveLocation.FIELD],
  args: {
    if: ifArgument('Streamed'),
    label: { type: GraphQLString, description: 'Names the payloads that deliver them; unique in the operation.' },
    initialCount: { type: GraphQLInt, defaultValue: 0, description: 'Items in the payload of the field itself.' },
  },
});

/**
 * The gateway's schema as a plain GraphQL API. `@defer` and `@stream` are in it (Yoga's plugin
 * would add them at runtime) so that schema.graphql has them: clients' compilers validate
 * deferred operations against it, and Relay's requires them there.
 */
export const schema = described(
  builder.toSchema({
    sortSchema: false,
    directives: [...specifiedDirectives, deferDirective, streamDirective],
  }),
);

/**
 * The schema with a description of its own (GraphiQL's Docs open on it): Pothos's `toSchema`
 * takes none, so the built schema is copied with one.
 */
function described(built: GraphQLSchema): GraphQLSchema {
  return new GraphQLSchema({
    ...built.toConfig(),
    description: [
      `sessiongraph: the agent sessions of ${sourceLabels(' and ')} in one graph.`,
      'Start with `sessions`, every source’s sessions in one feed, newest first (filter it, page it with `first`/`after`).',
      '`node(id:)` reads one session or message by the `id` any query returns; `sessionEvents` follows a session live;',
      'the mutations create sessions, send messages and interrupt turns.',
      'Errors carry `extensions.code`; a mutation answers its payload or a typed error (`... on Error { message }`).',
    ].join(' '),
  });
}

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

import type { GraphQLResolveInfo } from 'graphql';
import { type GraphQLContext, sourceOf } from '../context.js';
import { allSources, type SourceModule } from '../sources/registry.js';
import type { SessionRecord } from '../sources/session.js';
import { builder, NODE_ID_DESCRIPTION } from './builder.js';
import { badInput } from './errors.js';
import { withArticle } from './source-docs.js';

/** A node type that is not a session (a Message): how its global ids are checked and loaded. */
export interface NodeType {
  readonly typename: string;
  /** Null when the part of the global id after the type is well formed, else what it should be. */
  check(id: string): string | null;
  /** The object, or null when it does not exist (or is not visible with the key used). */
  load(context: GraphQLContext, id: string): Promise<object | null>;
}

const nodeTypes = new Map<string, NodeType>();

/** Lets `node` and `nodes` load a node type that is not a session (its schema file registers it). */
export function registerNodeType(type: NodeType): void {
  nodeTypes.set(type.typename, type);
}

/**
 * Work a schema file starts while `node` or `nodes` loads a session, from the field's selection:
 * a nested read that needs only the id then runs beside the session's own call, not after it.
 */
export type SessionLookahead = (
  context: GraphQLContext,
  source: SourceModule,
  id: string,
  info: GraphQLResolveInfo,
) => void;

const lookaheads: SessionLookahead[] = [];

/** Lets a schema file start its reads of a session as soon as `node` or `nodes` knows the id. */
export function registerSessionLookahead(lookahead: SessionLookahead): void {
  lookaheads.push(lookahead);
}

/** The registered source whose session type is `typename`. */
function sourceOfType(typename: string): SourceModule | undefined {
  return allSources().find((source) => source.typename === typename);
}

const NON_ASCII = /[\u0080-\uffff]/;

/** The global id of a node (the relay plugin's scheme: base64 of the UTF-8 of `Type:id`). */
export function globalId(typename: string, id: string): string {
  const text = `${typename}:${id}`;
  // For ASCII text `btoa` is the same encoding, and Node's quickest for short strings.
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('base64') : btoa(text);
}

/**
 * A node type's `id` field options: `id: t.id(nodeId('Type', (value) => upstreamId))`. Resolved
 * at once (the relay plugin's `builder.node` ids resolve through a promise each, per list item).
 */
export function nodeId<T>(typename: string, upstreamId: (value: T) => string) {
  return { description: NODE_ID_DESCRIPTION, resolve: (value: T) => globalId(typename, upstreamId(value)) };
}

/** Decodes a global id into its type name and upstream id; null when it is not one of ours. */
export function decodeGlobalId(text: string): { typename: string; id: string } | null {
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : '';
  const canonical = Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '');
  const separator = decoded.indexOf(':');
  if (separator <= 0 || canonical !== text.replace(/=+$/, '')) return null;
  return { typename: decoded.slice(0, separator), id: decoded.slice(separator + 1) };
}

/**
 * Decodes a global id and checks it names a known node type with a well-formed upstream id.
 * @throws GraphQLError `BAD_USER_INPUT` otherwise
 */
export function parseGlobalId(text: string, argument: string): { typename: string; id: string; source: SourceModule } {
  return checkSessionId(decodeGlobalId(text), argument);
}

/** The checks of `parseGlobalId`, on an id already decoded. */
function checkSessionId(
  decoded: { typename: string; id: string } | null,
  argument: string,
): { typename: string; id: string; source: SourceModule } {
  const typename = decoded?.typename ?? '';
  const id = decoded?.id ?? '';
  const source = sourceOfType(typename);
  if (!decoded || !source) {
    const types = [...allSources().map((known) => known.typename), ...nodeTypes.keys()];
    throw badInput(
      `"${argument}" is not a global id of this API: use the \`id\` of ${withArticle(types.join(' or '))}.`,
      argument,
    );
  }
  if (!source.acceptsId(id)) {
    throw badInput(
      `"${argument}" names ${withArticle(typename)} whose upstream id is malformed (expected ${source.idShape}).`,
      argument,
    );
  }
  return { typename, id, source };
}

/** Loads a session of a source through the request's loader. */
function load(context: GraphQLContext, source: SourceModule, id: string): Promise<SessionRecord | null> {
  return sourceOf(context, source.name).sessions.load(id);
}

/**
 * Checks a global id of any node type and returns how to load it, so that `nodes` refuses a bad
 * id before it loads any.
 * @throws GraphQLError `BAD_USER_INPUT` for a malformed id or one of no node type
 */
function nodeLoad(
  text: string,
  argument: string,
): (context: GraphQLContext, info: GraphQLResolveInfo) => Promise<object | null> {
  const decoded = decodeGlobalId(text);
  const other = decoded ? nodeTypes.get(decoded.typename) : undefined;
  if (decoded && other) {
    const problem = other.check(decoded.id);
    if (problem)
      throw badInput(
        `"${argument}" names ${withArticle(other.typename)} whose id is malformed (${problem}).`,
        argument,
      );
    return (context) => other.load(context, decoded.id);
  }
  const { id, source } = checkSessionId(decoded, argument);
  return (context, info) => {
    for (const lookahead of lookaheads) lookahead(context, source, id, info);
    return load(context, source, id);
  };
}

/** Loads a session by global id through the request's loaders; null for ids that are not ours. */
export function loadByGlobalId(
  context: GraphQLContext,
  text: string,
  typename?: string,
): Promise<SessionRecord | null> {
  const decoded = decodeGlobalId(text);
  const source = decoded ? sourceOfType(decoded.typename) : undefined;
  if (!decoded || !source || !source.acceptsId(decoded.id) || (typename && decoded.typename !== typename)) {
    return Promise.resolve(null);
  }
  return load(context, source, decoded.id);
}

/** Sessions are federation entities keyed by their global `id`. */
export const sessionEntityKey = builder.selection<{ id: string }>('id');

/** Most ids one `nodes` call takes. */
export const MAX_NODES = 100;

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'Fetches any object by its global id. Null when it does not exist (or is not visible with your key).',
    args: { id: t.arg.id({ required: true, description: 'A global id.' }) },
    resolve: (_root, args, context, info) => nodeLoad(args.id, 'id')(context, info),
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Fetches objects by global id, in order; null for each that does not exist. At most ${MAX_NODES} ids.`,
    args: { ids: t.arg.idList({ required: true, description: 'Global ids (duplicates cost one upstream call).' }) },
    resolve: (_root, args, context, info) => {
      if (args.ids.length > MAX_NODES) {
        throw badInput(`"ids" takes at most ${MAX_NODES} ids (got ${args.ids.length}).`, 'ids');
      }
      const loads = args.ids.map((id, index) => nodeLoad(id, `ids[${index}]`));
      return loads.map((loadOne) => loadOne(context, info));
    },
  }),
}));

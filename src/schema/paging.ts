import { z } from 'zod';
import type { CursorCodec, CursorConnection } from '../cursor.js';
import { badInput } from './errors.js';

/** Page size when `first`/`last` is omitted. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest `first`/`last` accepted. */
export const MAX_PAGE_SIZE = 100;

/**
 * Validates `first` or `last`. Zero is refused on purpose: Relay clients read an empty
 * page with `hasNextPage` as the end of the list.
 */
export function pageSize(value: number | null | undefined, name: 'first' | 'last'): number {
  if (value === null || value === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badInput(
      `"${name}" must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${value}); omit it for ${DEFAULT_PAGE_SIZE}.`,
      name,
    );
  }
  return value;
}

/** The key fields every source cursor carries: the item's creation instant (µs) and upstream id. */
export const CURSOR_TIME = z.number().int().nonnegative();
export const CURSOR_ID = z.string().min(1).max(256);
/** What a cursor is bound to, as `scopeDigest` (src/cursor.ts) makes it; null for nothing. */
export const CURSOR_SCOPE = z.string().length(8).nullable();

/**
 * Decodes and validates a cursor argument of `connection`: signed by this gateway's key, then of `schema`.
 * @throws GraphQLError `BAD_USER_INPUT` for anything this connection did not issue, edited or not
 */
export function decodeCursor<S extends z.ZodType>(
  codec: CursorCodec,
  connection: CursorConnection,
  schema: S,
  text: string,
  argument: string,
): z.output<S> {
  const values = codec.decode(connection, text);
  if (values === 'older') {
    throw badInput(
      `"${argument}" is a cursor from an older version of this API: start again without "${argument}".`,
      argument,
    );
  }
  const parsed = values === 'foreign' ? null : schema.safeParse(values);
  if (!parsed?.success) {
    throw badInput(
      `"${argument}" is not a cursor of ${connection}: pass a cursor (edge cursor, startCursor or endCursor) that ${connection} returned.`,
      argument,
    );
  }
  return parsed.data;
}

/**
 * An edge whose cursor is encoded only when a client selects it (then once). It holds its item
 * and the page's encoder rather than a closure over the item: one object per edge, not three.
 */
export class LazyEdge<N, I = unknown> {
  private encoded: string | undefined;
  constructor(
    readonly node: N,
    private readonly item: I,
    private readonly encode: (item: I) => string,
  ) {}

  get cursor(): string {
    this.encoded ??= this.encode(this.item);
    return this.encoded;
  }
}

/**
 * pageInfo whose cursors are read from the edges on demand. A class, not an object literal with
 * getters: V8 allocates a literal's accessor pair in old space, which kept every page alive
 * through young-generation GCs (docs/performance.md, "Lazy cursors").
 */
class LazyPageInfo<N, I> {
  constructor(
    private readonly edges: readonly LazyEdge<N, I>[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges[this.edges.length - 1]?.cursor ?? null;
  }
}

/** A connection page whose cursors (edges and pageInfo alike) are encoded on demand. */
export function lazyConnection<I, N>(
  items: readonly I[],
  node: (item: I) => N,
  cursor: (item: I) => string,
  hasNextPage: boolean,
  hasPreviousPage: boolean,
) {
  const edges = items.map((item) => new LazyEdge(node(item), item, cursor));
  return { edges, pageInfo: new LazyPageInfo(edges, hasNextPage, hasPreviousPage) };
}

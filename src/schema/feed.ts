import { createHash } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';
import type { GraphQLContext } from '../context.js';
import type { SourceName } from '../sources/errors.js';
import type { LaneState, SourceStream } from '../sources/merge.js';
import type { SessionRecord } from '../sources/session.js';

/** The merged feed's filter after validation. */
export interface FeedFilter {
  readonly sources: ReadonlySet<SourceName>;
  readonly states: ReadonlySet<string> | null;
  readonly computerId: string | null;
  readonly agentId: string | null;
  /** Epoch microseconds, exclusive bounds. */
  readonly createdAfter: number | null;
  readonly createdBefore: number | null;
}

/** How one source takes part in the merged `sessions` feed; each source's schema file registers one. */
export interface FeedSource<P> {
  readonly source: SourceName;
  /** Whether the source can hold sessions matching the filter (a filter on another source's field excludes it). */
  admits(filter: FeedFilter): boolean;
  /** The source's forward reader for this request, with the filters its upstream applies itself. */
  stream(context: GraphQLContext, filter: FeedFilter, info: GraphQLResolveInfo): SourceStream<P>;
  /** A position as cursor JSON, and back (null when the JSON is not a position of this source). */
  encode(position: P): unknown;
  decode(json: unknown): P | null;
}

const feedSources: FeedSource<unknown>[] = [];

/** Adds a source to the merged feed. */
export function registerFeedSource<P>(source: FeedSource<P>): void {
  feedSources.push(source);
}

/** The registered feed sources, in tie-break order. */
export function allFeedSources(): readonly FeedSource<unknown>[] {
  return feedSources;
}

/** A short digest of the filter: a cursor only resumes the feed it came from. */
export function filterDigest(filter: FeedFilter): string {
  const canonical = JSON.stringify([
    [...filter.sources].sort(),
    filter.states ? [...filter.states].sort() : null,
    filter.computerId,
    filter.agentId,
    filter.createdAfter,
    filter.createdBefore,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

/** Lane states by source, as the merged cursor stores them. */
export type FeedStates = ReadonlyMap<SourceName, LaneState<unknown>>;

/** Whether a session passes the filters the gateway applies itself. */
export function gatewayKeeps(filter: FeedFilter, stateOf: (session: SessionRecord) => string) {
  if (filter.states === null && filter.createdBefore === null) return null;
  const { states, createdBefore } = filter;
  return (session: SessionRecord) =>
    (states === null || states.has(stateOf(session))) &&
    (createdBefore === null || session.createdAtMicros < createdBefore);
}

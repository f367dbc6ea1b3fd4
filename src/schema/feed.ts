import { scopeDigest } from '../cursor.js';
import { allSources, type SourceModule } from '../sources/registry.js';
import type { SessionRecord } from '../sources/session.js';
import type { FeedFilter } from '../sources/source-module.js';

export type { FeedFilter };

/**
 * A short digest of the filter and the registered sources: a cursor only resumes the feed it came
 * from, and holds one position per registered source, in registry order.
 */
export function filterDigest(filter: FeedFilter): string {
  const fields = allSources().flatMap((source) =>
    source.feed.filterField ? [filter.fields.get(source.feed.filterField.name) ?? null] : [],
  );
  return scopeDigest([
    allSources().map((source) => source.name),
    [...filter.sources].sort(),
    filter.states ? [...filter.states].sort() : null,
    ...fields,
    filter.createdAfter,
    filter.createdBefore,
  ]);
}

/** Whether a source can hold sessions matching the filter: a field only another source has excludes it. */
export function admits(source: SourceModule, filter: FeedFilter): boolean {
  if (!filter.sources.has(source.name)) return false;
  for (const name of filter.fields.keys()) if (source.feed.filterField?.name !== name) return false;
  return true;
}

/** Whether a session passes the filters the gateway applies itself (null: it applies none). */
export function gatewayKeeps(filter: FeedFilter, stateOf: (session: SessionRecord) => string) {
  if (filter.states === null && filter.createdBefore === null) return null;
  const { states, createdBefore } = filter;
  return (session: SessionRecord) =>
    (states === null || states.has(stateOf(session))) &&
    (createdBefore === null || session.createdAtMicros < createdBefore);
}

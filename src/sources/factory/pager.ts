import { compareKeys, endDriftedRead, invalidItemBudget, type SessionKey } from '../session.js';
import { FACTORY, type FactoryListPage, type FactoryListParams } from './client.js';
import type { FactorySessionRecord } from './to-session.js';

/** Where a Factory walk resumes: after `key`, inside the upstream page fetched with `cursor`. */
export interface FactoryPosition {
  /** The upstream cursor that fetched the page holding the last item returned (null: first page). */
  readonly cursor: string | null;
  /** How many items of that upstream page were consumed (a size hint for the re-read). */
  readonly consumed: number;
  /** The last item returned. */
  readonly key: SessionKey;
}

/** An item with the position a cursor needs to resume right after it. */
export interface FactoryPagedItem {
  readonly session: FactorySessionRecord;
  readonly position: FactoryPosition;
}

export interface FactoryRead {
  /** Up to `count` items in Factory's order (more only when look-ahead found them). */
  readonly items: readonly FactoryPagedItem[];
  /** True exactly when items exist after the last one in `items`. */
  readonly hasMore: boolean;
}

type ListFn = (params: FactoryListParams) => Promise<FactoryListPage>;

const MAX_LIMIT = 100;

/**
 * Reads `count` Factory sessions after `start`, following upstream pages as needed.
 * Factory pages forward only with opaque keyset cursors. When a GraphQL page ends where
 * an upstream page ends, the next position is simply Factory's `nextCursor`; otherwise
 * the resume re-reads the upstream page the last item came from and skips past that
 * item: by its id where it is still there, else by its key (it was deleted meanwhile).
 * `hasMore` is exact: leftover items of the page in hand, or Factory's `hasMore`.
 */
export async function readFactory(
  list: ListFn,
  start: FactoryPosition | null,
  count: number,
  computerId: string | null,
): Promise<FactoryRead> {
  const items: FactoryPagedItem[] = [];
  let cursor = start?.cursor ?? null;
  // A position with nothing consumed sits on a fresh keyset cursor: nothing to skip.
  let skipAfter = start && start.consumed > 0 ? start.key : null;
  let limit = Math.min(MAX_LIMIT, (start?.consumed ?? 0) + count);
  let invalid = 0;
  for (;;) {
    const page = await list({ limit, cursor, computerId });
    invalid += page.invalidItems;
    let sessions = page.sessions;
    if (skipAfter) {
      const skipped = skipThrough(page.sessions, skipAfter);
      sessions = skipped.rest;
      // Sessions created since can push the last item into a later page: skip on until past it.
      if (skipped.passed) skipAfter = null;
    }
    let consumed = page.sessions.length - sessions.length;
    for (const session of sessions) {
      if (items.length === count) return { items, hasMore: true };
      consumed += 1;
      const key = { micros: session.createdAtMicros, id: session.sourceId };
      const endsPage = consumed === page.sessions.length && page.nextCursor !== null;
      items.push({
        session,
        position: endsPage ? { cursor: page.nextCursor, consumed: 0, key } : { cursor, consumed, key },
      });
    }
    if (!page.hasMore || page.nextCursor === null) return { items, hasMore: false };
    if (items.length === count) return { items, hasMore: true };
    if (invalid > invalidItemBudget(count)) return endDriftedRead(FACTORY, items, invalid);
    cursor = page.nextCursor;
    limit = skipAfter ? MAX_LIMIT : Math.min(MAX_LIMIT, count - items.length);
  }
}

/** The sessions after `key` in a page, and whether the page reaches past it. */
function skipThrough(
  sessions: readonly FactorySessionRecord[],
  key: SessionKey,
): { rest: readonly FactorySessionRecord[]; passed: boolean } {
  const index = sessions.findIndex((session) => session.sourceId === key.id);
  if (index >= 0) return { rest: sessions.slice(index + 1), passed: true };
  // Gone (deleted), or further on: what follows its key, if anything here does.
  const rest = sessions.filter(
    (session) => compareKeys({ micros: session.createdAtMicros, id: session.sourceId }, key) > 0,
  );
  return { rest, passed: rest.length > 0 };
}

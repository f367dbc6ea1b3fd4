import { type SessionKey, compareKeys } from '../session.js';
import type { FactoryListPage, FactoryListParams } from './client.js';
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
 * Factory pages forward only with opaque keyset cursors, so resuming re-reads the page
 * the last item came from and skips past that item: by its id where it is still there,
 * else by its key (it was deleted meanwhile). One item of look-ahead makes `hasMore` exact.
 */
export async function readFactory(
  list: ListFn,
  start: FactoryPosition | null,
  count: number,
  computerId: string | null,
): Promise<FactoryRead> {
  const items: FactoryPagedItem[] = [];
  let cursor = start?.cursor ?? null;
  let skipAfter = start?.key ?? null;
  let limit = Math.min(MAX_LIMIT, (start?.consumed ?? 0) + count + 1);
  for (;;) {
    const page = await list({ limit, cursor, computerId });
    let sessions = page.sessions;
    if (skipAfter) {
      sessions = skipThrough(sessions, skipAfter);
      skipAfter = null;
    }
    let consumed = page.sessions.length - sessions.length;
    for (const session of sessions) {
      consumed += 1;
      items.push({ session, position: { cursor, consumed, key: { micros: session.createdAtMicros, id: session.sourceId } } });
    }
    if (items.length > count) return { items: items.slice(0, count), hasMore: true };
    if (!page.hasMore || page.nextCursor === null) return { items, hasMore: false };
    cursor = page.nextCursor;
    limit = Math.min(MAX_LIMIT, count - items.length + 1);
  }
}

function skipThrough(
  sessions: readonly FactorySessionRecord[],
  key: SessionKey,
): readonly FactorySessionRecord[] {
  const index = sessions.findIndex((session) => session.sourceId === key.id);
  if (index >= 0) return sessions.slice(index + 1);
  return sessions.filter((session) => compareKeys({ micros: session.createdAtMicros, id: session.sourceId }, key) > 0);
}

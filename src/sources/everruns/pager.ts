import { UpstreamError } from '../errors.js';
import { compareKeys, endDriftedRead, invalidItemBudget, type SessionKey } from '../session.js';
import { EVERRUNS, type EverrunsListPage, type EverrunsListParams } from './client.js';
import type { EverrunsSessionRecord } from './to-session.js';

/** Where an Everruns walk stands: the item `key` was at `offset` when it was returned. */
export interface EverrunsPosition {
  readonly offset: number;
  readonly key: SessionKey;
}

export interface EverrunsPagedItem {
  readonly session: EverrunsSessionRecord;
  readonly position: EverrunsPosition;
}

export interface EverrunsRead {
  readonly items: readonly EverrunsPagedItem[];
  /** True exactly when items exist after the last one in `items`. */
  readonly hasMore: boolean;
  /** Offset of the first item in `items` (where the walk stood). */
  readonly startOffset: number;
  /** Everruns' `total` at the last call. */
  readonly total: number;
}

type ListFn = (params: EverrunsListParams) => Promise<EverrunsListPage>;

const MAX_LIMIT = 100;
/** Shifts larger than this many windows are treated as a lost position (never loops forever). */
const MAX_WINDOWS = 50;

function keyOf(session: EverrunsSessionRecord): SessionKey {
  return { micros: session.createdAtMicros, id: session.sourceId };
}

/**
 * Reads `count` Everruns sessions after `start` (or from the top).
 * Everruns pages by offset, and offsets shift when sessions are created or deleted
 * between two requests. So a position keeps the last key: the read re-fetches from that
 * item's old offset and checks it is still there; if not, it moves the window until it
 * finds where the key now sits. Nothing repeats and nothing is skipped.
 */
export async function readEverrunsForward(
  list: ListFn,
  start: EverrunsPosition | null,
  count: number,
  agentId: string | null,
): Promise<EverrunsRead> {
  let offset: number;
  let buffer: EverrunsSessionRecord[];
  let total: number;
  let next: number;
  let invalid = 0;
  if (start) {
    ({ offset, buffer, next, total } = await locateAfter(list, start, count + 2, agentId));
  } else {
    // `total` says whether more follow, so the page asks for `count` items, not one more:
    // `first: 100` is one call, and a page parses no item it does not serve.
    const page = await list({ offset: 0, limit: Math.min(MAX_LIMIT, Math.max(1, count)), agentId });
    offset = 0;
    buffer = [...page.sessions];
    total = page.total;
    // Items left out as invalid still take their offsets.
    next = page.received;
    invalid = page.invalidItems;
  }
  const startOffset = offset;
  let drifted = false;
  while (buffer.length < count && next < total) {
    if (invalid > invalidItemBudget(count)) {
      drifted = true;
      break;
    }
    const page = await list({ offset: next, limit: Math.min(MAX_LIMIT, count - buffer.length), agentId });
    if (page.received === 0) break;
    buffer.push(...page.sessions);
    invalid += page.invalidItems;
    next += page.received;
    total = page.total;
  }
  const items = buffer.slice(0, count).map((session, index) => ({
    session,
    position: { offset: startOffset + index, key: keyOf(session) },
  }));
  if (drifted) return { ...endDriftedRead(EVERRUNS, items, invalid), startOffset, total };
  return { items, hasMore: buffer.length > count || next < total, startOffset, total };
}

/**
 * Reads the `count` sessions just before `end` (or the last `count` of all), for
 * `last`/`before`. The item at `end` is re-read to check the offset still holds.
 */
export async function readEverrunsBackward(
  list: ListFn,
  end: EverrunsPosition | null,
  count: number,
  agentId: string | null,
): Promise<EverrunsRead> {
  let endOffset: number;
  let total: number;
  if (end) {
    // Where the `before` item sits now (it may have moved).
    const located = await locateAfter(list, end, 1, agentId);
    endOffset = located.offsetOfKey ?? located.offset;
    total = located.total;
  } else {
    const probe = await list({ offset: 0, limit: 1, agentId });
    endOffset = probe.total;
    total = probe.total;
  }
  const startOffset = Math.max(0, endOffset - count);
  const sessions: EverrunsSessionRecord[] = [];
  let next = startOffset;
  while (next < endOffset) {
    const page = await list({ offset: next, limit: Math.min(MAX_LIMIT, endOffset - next), agentId });
    if (page.received === 0) break;
    sessions.push(...page.sessions.slice(0, endOffset - next));
    next += page.received;
    total = page.total;
  }
  const items = sessions.map((session, index) => ({
    session,
    position: { offset: startOffset + index, key: keyOf(session) },
  }));
  return { items, hasMore: end !== null, startOffset, total };
}

interface Located {
  /** Offset of the first item strictly after the key. */
  readonly offset: number;
  /** Offset of the key's own item when it is still listed. */
  readonly offsetOfKey: number | null;
  /** Items from `offset` on that the search already fetched. */
  readonly buffer: EverrunsSessionRecord[];
  /** Offset just past the last item fetched (invalid items left out still take offsets). */
  readonly next: number;
  readonly total: number;
}

async function locateAfter(
  list: ListFn,
  position: EverrunsPosition,
  window: number,
  agentId: string | null,
): Promise<Located> {
  const limit = Math.min(MAX_LIMIT, Math.max(window, 2));
  let at = position.offset;
  let total = 0;
  for (let step = 0; step < MAX_WINDOWS; step++) {
    const page = await list({ offset: at, limit, agentId });
    total = page.total;
    const sessions = page.sessions;
    const own = sessions.findIndex((session) => session.sourceId === position.key.id);
    if (own >= 0) {
      const next = at + page.received;
      return { offset: at + own + 1, offsetOfKey: at + own, buffer: sessions.slice(own + 1), next, total };
    }
    const first = sessions[0];
    if (page.received === 0 || (first && compareKeys(keyOf(first), position.key) > 0)) {
      // Everything here is already past the key: sessions were deleted above it; look earlier.
      if (at === 0) return { offset: 0, offsetOfKey: null, buffer: [...sessions], next: page.received, total };
      at = Math.max(0, at - MAX_LIMIT);
      continue;
    }
    const after = sessions.findIndex((session) => compareKeys(keyOf(session), position.key) > 0);
    if (after >= 0) {
      const next = at + page.received;
      return { offset: at + after, offsetOfKey: null, buffer: sessions.slice(after), next, total };
    }
    // Everything here still precedes the key: sessions were created above it; look later.
    at += page.received;
    if (at >= total) return { offset: total, offsetOfKey: null, buffer: [], next: total, total };
  }
  throw new UpstreamError(
    EVERRUNS.name,
    'UPSTREAM_UNAVAILABLE',
    'The Everruns list moved too far between requests to resume this cursor; start again from the top.',
  );
}

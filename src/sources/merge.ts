import { type SourceName, UpstreamError } from './errors.js';
import type { SessionRecord } from './session.js';
import type { LaneRead } from './source-module.js';

/** One source's forward reader, as the merged feed uses it. */
export interface SourceStream<P> {
  readonly source: SourceName;
  /** Its place in the tie-break order at equal creation times (lower first). */
  readonly rank: number;
  /** Reads up to `count` items after `from` (null: from the top), in the upstream's order. */
  read(from: P | null, count: number): Promise<LaneRead<P>>;
}

/** Where one source of the feed stands: `null` at the top, `'done'` when it has nothing left. */
export type LaneState<P> = P | null | 'done';

/** Filters the gateway applies while paging (the upstreams cannot). */
export interface LaneFilter {
  /** Keep only sessions this accepts. */
  readonly keep: ((session: SessionRecord) => boolean) | null;
  /** Sessions created at or before this instant (epoch µs) end the source: lists are newest first. */
  readonly stopAtOrBefore: number | null;
}

/** One source inside a merge: its buffer, what it consumed, and whether it failed. */
export class Lane<P> {
  private buffer: { readonly session: SessionRecord; readonly position: P }[] = [];
  private index = 0;
  private more: boolean;
  /** Where the next upstream read starts: the last buffered item, or the start state. */
  private readFrom: P | null;
  /** The last consumed item's position (what an edge cursor records). */
  private consumed: P | null;
  /** Set when this source failed during the page; the page carries the other sources. */
  error: UpstreamError | null = null;
  total: number | null = null;

  constructor(
    private readonly stream: SourceStream<P>,
    start: LaneState<P>,
    private readonly filter: LaneFilter,
  ) {
    this.more = start !== 'done';
    this.readFrom = start === 'done' ? null : start;
    this.consumed = this.readFrom;
  }

  get source(): SourceName {
    return this.stream.source;
  }

  get rank(): number {
    return this.stream.rank;
  }

  /** The next unconsumed session, or null when the buffer is empty. */
  get head(): SessionRecord | null {
    return this.buffer[this.index]?.session ?? null;
  }

  /** True when the buffer is empty but the upstream has more to read. */
  get canRead(): boolean {
    return this.head === null && this.more && this.error === null;
  }

  /** Reads the next upstream batch; an upstream failure marks the lane failed instead of throwing. */
  async read(count: number): Promise<void> {
    try {
      const read = await this.stream.read(this.readFrom, count);
      this.buffer = this.buffer.slice(this.index);
      this.index = 0;
      for (const item of read.items) {
        if (this.filter.stopAtOrBefore !== null && item.session.createdAtMicros <= this.filter.stopAtOrBefore) {
          this.more = false;
          return;
        }
        this.buffer.push(item);
        this.readFrom = item.position;
      }
      this.more = read.hasMore && read.items.length > 0;
      if (read.total !== undefined) this.total = read.total;
    } catch (error) {
      if (error instanceof UpstreamError) {
        this.error = error;
        return;
      }
      throw error;
    }
  }

  /** Consumes the head; returns it and whether the filter keeps it. */
  take(): { session: SessionRecord; kept: boolean } {
    const item = this.buffer[this.index];
    if (!item) throw new Error('take() on an empty lane');
    this.index += 1;
    this.consumed = item.position;
    return { session: item.session, kept: this.filter.keep === null || this.filter.keep(item.session) };
  }

  /** What a cursor must record for this source after the items consumed so far. */
  state(): LaneState<P> {
    if (this.error === null && this.head === null && !this.more) return 'done';
    return this.consumed;
  }
}

/** Failures a later request may not meet; a source that is off or refuses the key is not waited for. */
const TRANSIENT: ReadonlySet<string> = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_RATE_LIMITED']);

export interface MergedEdge {
  readonly session: SessionRecord;
  /** Every lane's state right after this edge, by source (the edge cursor's content). */
  readonly states: ReadonlyMap<SourceName, unknown>;
}

export interface MergedPage {
  readonly edges: readonly MergedEdge[];
  readonly hasNextPage: boolean;
  /** Sources that failed during this page (their items come once they recover). */
  readonly failures: readonly UpstreamError[];
}

/** Feed order: newest first; at the same instant the lower-ranked source first; a source's own order kept. */
function before(a: SessionRecord, aRank: number, b: SessionRecord, bRank: number): boolean {
  if (a.createdAtMicros !== b.createdAtMicros) return a.createdAtMicros > b.createdAtMicros;
  return aRank < bRank;
}

/**
 * A k-way merge of the sources' lists into one page of `count` edges, newest first.
 * Each lane first reads what the page could use, all in parallel; a lane reads again only
 * when its buffer runs dry while it may still hold the next edge. One more kept item is
 * looked for after the page, so `hasNextPage` is exact, and without gateway filters an
 * unread upstream remainder answers that question without another call.
 */
export async function mergeLanes(
  lanes: readonly Lane<unknown>[],
  count: number,
  gatewayFiltered: boolean,
): Promise<MergedPage> {
  const refill = gatewayFiltered ? Math.min(100, Math.max(count, 50)) : count;
  await Promise.all(lanes.map((lane) => (lane.canRead ? lane.read(count) : undefined)));
  const edges: MergedEdge[] = [];
  for (;;) {
    const dry = lanes.filter((lane) => lane.canRead);
    if (dry.length > 0) {
      // The page is full and an unfiltered upstream still has items: the next page exists.
      if (edges.length === count && !gatewayFiltered) return page(edges, true, lanes);
      await Promise.all(dry.map((lane) => lane.read(refill)));
      continue;
    }
    let next: Lane<unknown> | null = null;
    for (const lane of lanes) {
      const head = lane.head;
      if (head && (next === null || before(head, lane.rank, next.head ?? head, next.rank))) next = lane;
    }
    // Nothing left in healthy lanes; a lane that failed for now may still hold items.
    if (next === null)
      return page(
        edges,
        lanes.some((lane) => lane.error !== null && TRANSIENT.has(lane.error.code)),
        lanes,
      );
    const { session, kept } = next.take();
    if (!kept) continue;
    if (edges.length === count) return page(edges, true, lanes);
    edges.push({ session, states: new Map(lanes.map((lane) => [lane.source, lane.state()])) });
  }
}

function page(edges: MergedEdge[], hasNextPage: boolean, lanes: readonly Lane<unknown>[]): MergedPage {
  const failures = lanes.flatMap((lane) => (lane.error ? [lane.error] : []));
  return { edges, hasNextPage, failures };
}

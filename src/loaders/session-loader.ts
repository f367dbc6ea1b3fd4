import DataLoader from 'dataloader';
import type { SessionRecord } from '../sources/session.js';

/**
 * A per-request loader of one source's sessions by upstream id.
 *
 * Neither upstream has a batch endpoint, so a batch is one GET per distinct id, all in
 * flight together (up to `concurrency`). Lists and mutations prime it. Root fields run
 * concurrently, so a `node` beside a list of the same source is requested before the list
 * answers: the batch first waits for the request's lists in flight, then fetches only the
 * ids they did not return.
 */
export class SessionLoader<R extends SessionRecord = SessionRecord> {
  /** Made on the first load: most requests only list, and a DataLoader per source and request was wasted. */
  private loader: DataLoader<string, R | null> | null = null;
  private readonly listsInFlight = new Set<Promise<unknown>>();
  private readonly listed = new Map<string, R>();
  /**
   * List pages not yet entered in `listed`: most requests list and never load by id, so a
   * page is indexed only when the request first looks a session up.
   */
  private unindexed: (readonly R[])[] = [];

  constructor(
    private readonly fetchOne: (id: string) => Promise<R | null>,
    private readonly concurrency: number,
  ) {}

  private dataLoader(): DataLoader<string, R | null> {
    this.loader ??= new DataLoader<string, R | null>(
      async (ids) => {
        if (this.listsInFlight.size > 0) await Promise.allSettled(this.listsInFlight);
        this.index();
        return mapBounded(ids, this.concurrency, (id) => this.listed.get(id) ?? this.fetchOne(id));
      },
      // The default cache is per loader, and a loader lives for one request.
      { maxBatchSize: 1000 },
    );
    return this.loader;
  }

  /** The session with this upstream id, or null when the upstream does not know it. */
  load(id: string): Promise<R | null> {
    return this.dataLoader().load(id);
  }

  /** Runs a list call, letting concurrent loads wait for it, and primes its sessions. */
  async list<P extends { readonly sessions: readonly R[] }>(call: Promise<P>): Promise<P> {
    this.listsInFlight.add(call);
    try {
      const page = await call;
      // Only once loads have begun can DataLoader's cache hold a copy a page must replace.
      if (this.loader !== null) for (const session of page.sessions) this.prime(session);
      else this.unindexed.push(page.sessions);
      return page;
    } finally {
      this.listsInFlight.delete(call);
    }
  }

  /**
   * Records a session the request has already fetched (list, create, update). A later load
   * of it is answered from `listed` by the batch, without an upstream call; DataLoader's own
   * `prime` would make a promise per session of every list page, and would not replace a
   * copy loaded earlier in the request.
   */
  prime(session: R): void {
    this.index();
    this.listed.set(session.sourceId, session);
    this.loader?.clear(session.sourceId);
  }

  /** Drops what the request knows of a session, so the next load fetches it again. */
  refresh(id: string): void {
    this.index();
    this.listed.delete(id);
    this.loader?.clear(id);
  }

  /** Records that a session no longer exists (after a delete in the same request). */
  forget(id: string): void {
    this.index();
    this.listed.delete(id);
    this.dataLoader().clear(id).prime(id, null);
  }

  /** Enters the pending list pages in `listed`, in the order they arrived (a later copy wins). */
  private index(): void {
    if (this.unindexed.length === 0) return;
    for (const sessions of this.unindexed) for (const session of sessions) this.listed.set(session.sourceId, session);
    this.unindexed = [];
  }
}

/**
 * Maps `items` through `fn` with at most `limit` calls pending; a failure becomes that
 * item's `Error`, as DataLoader's batch contract wants.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => R | Promise<R>,
): Promise<(R | Error)[]> {
  const results = new Array<R | Error>(items.length);
  // Workers share one iterator, so each item is taken exactly once.
  const queue = items.entries();
  const worker = async () => {
    for (const [index, item] of queue) {
      try {
        results[index] = await fn(item);
      } catch (error) {
        results[index] = error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

import DataLoader from 'dataloader';
import type {
  ConversationModule,
  MessageList,
  MessagePage,
  MessagePageParams,
  MessageRecord,
  PagedListing,
} from '../sources/conversation.js';
import { UpstreamError } from '../sources/errors.js';
import type { CallContext, UpstreamHttp } from '../sources/http.js';
import type { MessageRead } from '../sources/message-pager.js';
import { mapBounded } from './session-loader.js';

interface PageKey extends MessagePageParams {
  readonly sessionId: string;
}

interface MessageKey {
  readonly sessionId: string;
  readonly messageId: string;
}

// Upstream ids of sessions hold no newline (their sources' id shapes), so a key's prefix names its session.
const pageKey = (key: PageKey) => `${key.sessionId}\n${key.limit}\n${key.cursor ?? ''}\n${key.role ?? ''}`;
const messageKey = (key: MessageKey) => `${key.sessionId}\n${key.messageId}`;
const recordKey = (message: MessageRecord) => `${message.sessionId}\n${message.sourceId}`;

/** A loader's caches: its own maps, so that a write can drop every entry of its session. */
class LoaderState {
  readonly pages = new Map<string, Promise<MessagePage>>();
  readonly lists = new Map<string, Promise<MessageList>>();
  readonly ones = new Map<string, Promise<MessageRecord | null>>();
  /** Pages returned, by page key: searched (rarely) rather than indexed per message. */
  readonly pagesSeen = new Map<string, MessagePage>();
  /** Messages writes answered, by message key. */
  readonly written = new Map<string, MessageRecord>();
  readonly pagesInFlight = new Set<Promise<unknown>>();
  /** Whole `messages` reads by session and arguments: a look-ahead and the field share one. */
  readonly reads = new Map<string, Promise<MessageRead>>();
}

/** A message a page of this request returned, if any did. */
function seenInPages(state: LoaderState, key: MessageKey): MessageRecord | undefined {
  for (const page of state.pagesSeen.values()) {
    const found = page.messages.find(
      (message) => message.sessionId === key.sessionId && message.sourceId === key.messageId,
    );
    if (found) return found;
  }
  return undefined;
}

/**
 * A per-request loader of one source's conversations. Neither upstream has a batch endpoint,
 * so a batch is one call per distinct key, all in flight together (up to `concurrency`): the
 * same session asked twice in a request costs one call. Keyset pages are cached per session
 * and page arguments; whole lists per session, and serve `node` of their messages too. Writes
 * drop what the request holds of their session.
 */
export class MessageLoader {
  private pageLoader: DataLoader<PageKey, MessagePage, string> | null = null;
  private listLoader: DataLoader<string, MessageList> | null = null;
  private oneLoader: DataLoader<MessageKey, MessageRecord | null, string> | null = null;
  /** Made on first use: most requests read no conversation, and each request makes a loader per source. */
  private state: LoaderState | null = null;

  constructor(
    readonly conversation: ConversationModule,
    private readonly use: () => { readonly http: UpstreamHttp; readonly call: CallContext },
    private readonly concurrency: number,
  ) {}

  /**
   * One upstream page of a session's conversation (keyset listings only).
   * @throws Error when the source answers conversations whole (a programming error)
   */
  page(sessionId: string, params: MessagePageParams): Promise<MessagePage> {
    const listing = this.paged();
    const state = this.caches();
    this.pageLoader ??= new DataLoader<PageKey, MessagePage, string>(
      (keys) =>
        mapBounded(keys, this.concurrency, async (key) => {
          const { http, call } = this.use();
          const page = await listing.listPage(http, call, key.sessionId, key);
          state.pagesSeen.set(pageKey(key), page);
          return page;
        }),
      { cacheKeyFn: pageKey, cacheMap: state.pages, maxBatchSize: 1000 },
    );
    const load = this.pageLoader.load({ sessionId, ...params });
    state.pagesInFlight.add(load);
    const untrack = () => state.pagesInFlight.delete(load);
    load.then(untrack, untrack);
    return load;
  }

  /**
   * A session's whole conversation (whole listings only).
   * @throws Error when the source pages conversations (a programming error)
   */
  all(sessionId: string): Promise<MessageList> {
    const listing = this.conversation.listing;
    if (listing.kind !== 'whole') throw new Error('this source pages its conversations: use page()');
    this.listLoader ??= new DataLoader<string, MessageList>(
      (ids) =>
        mapBounded(ids, this.concurrency, (id) => {
          const { http, call } = this.use();
          return listing.listAll(http, call, id);
        }),
      { cacheMap: this.caches().lists, maxBatchSize: 1000 },
    );
    return this.listLoader.load(sessionId);
  }

  /** One message; null when it, or its session, does not exist for this key. */
  async one(sessionId: string, messageId: string): Promise<MessageRecord | null> {
    if (this.conversation.listing.kind === 'whole') {
      try {
        const list = await this.all(sessionId);
        return list.messages.find((message) => message.sourceId === messageId) ?? null;
      } catch (error) {
        if (error instanceof UpstreamError && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    }
    const listing = this.paged();
    const state = this.caches();
    this.oneLoader ??= new DataLoader<MessageKey, MessageRecord | null, string>(
      async (keys) => {
        // A page in flight in this request may hold the message (a `node` beside `messages`).
        if (state.pagesInFlight.size > 0) await Promise.allSettled(state.pagesInFlight);
        return mapBounded(keys, this.concurrency, (key) => {
          const known = state.written.get(messageKey(key)) ?? seenInPages(state, key);
          if (known) return known;
          const { http, call } = this.use();
          return listing.getMessage(http, call, key.sessionId, key.messageId);
        });
      },
      { cacheKeyFn: messageKey, cacheMap: state.ones, maxBatchSize: 1000 },
    );
    return this.oneLoader.load({ sessionId, messageId });
  }

  /**
   * A `messages` field's read of a session for one set of arguments (`key`), started once per
   * request: a look-ahead from `node` starts it, the field's resolver finds it.
   */
  read(sessionId: string, key: string, start: () => Promise<MessageRead>): Promise<MessageRead> {
    const reads = this.caches().reads;
    const cacheKey = `${sessionId}\n${key}`;
    let read = reads.get(cacheKey);
    if (!read) {
      read = start();
      reads.set(cacheKey, read);
    }
    return read;
  }

  /** Records a message a write answered, so reading it back costs no call. */
  prime(message: MessageRecord): void {
    const key = recordKey(message);
    const state = this.caches();
    state.written.set(key, message);
    state.ones.delete(key);
  }

  /** Drops what the request holds of a session's conversation (after a write changed it). */
  drop(sessionId: string): void {
    const state = this.state;
    if (state === null) return;
    const prefix = `${sessionId}\n`;
    for (const cache of [state.pages, state.ones, state.pagesSeen, state.written, state.reads]) {
      for (const key of cache.keys()) if (key.startsWith(prefix)) cache.delete(key);
    }
    state.lists.delete(sessionId);
  }

  private caches(): LoaderState {
    this.state ??= new LoaderState();
    return this.state;
  }

  private paged(): PagedListing {
    const listing = this.conversation.listing;
    if (listing.kind !== 'pages') throw new Error('this source answers conversations whole: use all()');
    return listing;
  }
}

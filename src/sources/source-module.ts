import type { CursorValue } from '../cursor.js';
import type { SourceAccess } from './access.js';
import type { ConversationModule } from './conversation.js';
import type { SourceId, SourceName } from './errors.js';
import type { CallContext, UpstreamHttp } from './http.js';
import type { LiveModule } from './live.js';
import type { SessionRecord } from './session.js';

/** The normalised session states (the `SessionState` enum). */
export type SessionStateName = 'PENDING' | 'RUNNING' | 'IDLE' | 'PAUSED' | 'UNKNOWN';

/** The merged feed's filter after validation. */
export interface FeedFilter {
  readonly sources: ReadonlySet<SourceName>;
  readonly states: ReadonlySet<string> | null;
  /** Values of the source-specific filter fields that were given (e.g. `computerId`), by field name. */
  readonly fields: ReadonlyMap<string, string>;
  /** Epoch microseconds, exclusive bounds. */
  readonly createdAfter: number | null;
  readonly createdBefore: number | null;
}

/** A field of `SessionFilter` that only one source can match (its own kind of id, say). */
export interface FeedFilterField {
  readonly name: string;
  readonly type: 'String' | 'ID';
  readonly description: string;
  /** Null when the value is acceptable, else what is wrong with it (for a BAD_USER_INPUT message). */
  check(value: string): string | null;
}

/** A list page as lanes read it from a source's client. */
export interface ListedPage {
  readonly sessions: readonly SessionRecord[];
  /** Items the upstream sent that failed validation and were left out. */
  readonly invalidItems: number;
}

/** What one GraphQL request lends a source's reads: its key and signal, and its loader's view of lists. */
export interface SourceRequest {
  readonly access: SourceAccess;
  /** Runs a list call so the request's loader can wait for it and reuse its sessions. */
  list<T extends ListedPage>(call: Promise<T>): Promise<T>;
}

/** An item of a lane with the position a cursor needs to resume right after it. */
export interface LaneItem<P> {
  readonly session: SessionRecord;
  readonly position: P;
}

/** What one forward read of a lane returns. */
export interface LaneRead<P> {
  /** Up to `count` items in the upstream's order. */
  readonly items: readonly LaneItem<P>[];
  /** True exactly when items exist after the last one in `items`. */
  readonly hasMore: boolean;
  /** The upstream's own count of the whole list, where it has one. */
  readonly total?: number;
}

/** How a source takes part in the merged `sessions` feed. */
export interface FeedLane<P> {
  /** The `SessionFilter` field only this source has, if any. */
  readonly filterField?: FeedFilterField;
  /** Reads up to `count` sessions after `from` (null: from the top), with the filters the upstream applies itself. */
  read(request: SourceRequest, filter: FeedFilter, from: P | null, count: number): Promise<LaneRead<P>>;
  /** Whether reads return the upstream's count of the whole list (`LaneRead.total`). */
  readonly countsTotal: boolean;
  /** A position as cursor values (positional arrays keep cursors short), and back (null: not a position of this source). */
  encode(position: P): CursorValue;
  decode(value: CursorValue): P | null;
}

/**
 * One upstream, as the rest of the gateway sees it: each source folder exports one and
 * src/sources/registry.ts lists them. The order of the list is the feed's tie-break order.
 */
export interface SourceModule<P = unknown> extends SourceId {
  /** The `SessionSource` enum value's description. */
  readonly description: string;
  /** The GraphQL object type of its sessions (its schema file defines it). */
  readonly typename: string;
  /** Environment variables of its base URL and configured key. */
  readonly env: { readonly baseUrl: string; readonly apiKey: string };
  /** Request header carrying a per-request key (overrides the configured one). */
  readonly keyHeader: string;
  /** The Authorization header value for a key. */
  authorization(apiKey: string): string;
  /** The upstream fields behind the `Session` interface's mapped fields, for its descriptions. */
  readonly fieldOrigins: {
    readonly finishedAt: string;
    readonly tags: string;
    readonly model: string;
    readonly tokenUsage: string;
  };
  /** Upstream status words and the states they mean; any other word is UNKNOWN. */
  readonly states: Readonly<Record<string, SessionStateName>>;
  /** Whether an upstream id has this source's shape (others are refused before any call). */
  acceptsId(id: string): boolean;
  /** What a valid upstream id looks like, for error messages. */
  readonly idShape: string;
  /** One session by upstream id; null when the upstream does not know it. */
  getSession(http: UpstreamHttp, call: CallContext, id: string): Promise<SessionRecord | null>;
  readonly feed: FeedLane<P>;
  /** Its sessions' conversations, when the upstream has them (`Session.messages` is null otherwise). */
  readonly conversation?: ConversationModule;
  /** Its sessions' live activity (`Subscription.sessionEvents`), when it can be watched. */
  readonly live?: LiveModule;
}

import { type SourceId, UpstreamError } from '../errors.js';
import { type CallContext, Decoder, type UpstreamHttp } from '../http.js';
import { parseAnswer, parseItems } from '../parse.js';
import { factorySessionListPayload, factorySessionPayload } from './payload.js';
import { type FactorySessionRecord, toFactorySession } from './to-session.js';

/** One page of `GET /api/v0/sessions`. */
export interface FactoryListPage {
  readonly sessions: readonly FactorySessionRecord[];
  /** Items that failed validation and were left out (already logged). */
  readonly invalidItems: number;
  readonly hasMore: boolean;
  /** Factory's opaque keyset cursor of the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface FactoryListParams {
  /** 1-100; sent as the string Factory expects. */
  readonly limit: number;
  readonly cursor?: string | null;
  readonly computerId?: string | null;
}

/** The body of `POST /api/v0/sessions`, already validated by the schema. */
export interface FactoryCreateBody {
  readonly computerId: string;
  readonly cwd?: string;
  readonly sessionSettings?: Record<string, unknown>;
}

/** Typed access to the Factory Public API v0 session endpoints. */
export interface FactoryClient {
  listSessions(call: CallContext, params: FactoryListParams): Promise<FactoryListPage>;
  /** Resolves `null` when Factory answers 404. */
  getSession(call: CallContext, sessionId: string): Promise<FactorySessionRecord | null>;
  createSession(call: CallContext, body: FactoryCreateBody): Promise<FactorySessionRecord>;
}

/** Factory as errors and messages name it. */
export const FACTORY: SourceId = { name: 'FACTORY', label: 'Factory' };

/** Creates the Factory client over a shared HTTP layer. Keys are passed per call. */
export function createFactoryClient(http: UpstreamHttp): FactoryClient {
  const source = FACTORY;
  const session = new Decoder((answer) => toFactorySession(parseAnswer(source, factorySessionPayload, answer.body)));
  const list = new Decoder((answer): FactoryListPage => {
    const page = parseAnswer(source, factorySessionListPayload, answer.body);
    const { items, invalid } = parseItems(source, page.sessions, factorySessionPayload);
    return {
      sessions: items.map(toFactorySession),
      invalidItems: invalid,
      hasMore: page.pagination.hasMore,
      nextCursor: page.pagination.hasMore ? page.pagination.nextCursor : null,
    };
  });
  return {
    listSessions(call, params) {
      return http.send(
        call,
        {
          method: 'GET',
          route: 'GET /api/v0/sessions',
          path: '/api/v0/sessions',
          query: {
            limit: String(params.limit),
            cursor: params.cursor ?? undefined,
            computerId: params.computerId ?? undefined,
          },
        },
        list,
      );
    },

    async getSession(call, sessionId) {
      try {
        const path = `/api/v0/sessions/${encodeURIComponent(sessionId)}`;
        return await http.send(call, { method: 'GET', route: 'GET /api/v0/sessions/:id', path }, session);
      } catch (error) {
        if (error instanceof UpstreamError && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    },

    createSession(call, body) {
      return http.send(
        call,
        { method: 'POST', route: 'POST /api/v0/sessions', path: '/api/v0/sessions', body },
        session,
      );
    },
  };
}

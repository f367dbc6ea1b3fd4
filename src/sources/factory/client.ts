import { clientsOf } from '../access.js';
import type { MessagePage, MessagePageParams, MessageRecord } from '../conversation.js';
import { type FieldRejection, type SourceId, UpstreamError } from '../errors.js';
import { type CallContext, Decoder, RAW_ANSWER, type UpstreamHttp } from '../http.js';
import { parseAnswer, parseItems } from '../parse.js';
import {
  factoryInterruptPayload,
  factoryMessageListPayload,
  factoryMessagePayload,
  factorySentMessagePayload,
  factorySessionListPayload,
  factorySessionPayload,
} from './payload.js';
import { toFactoryMessage } from './to-message.js';
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

/** The body of `PATCH /api/v0/sessions/{id}`, already validated by the schema. */
export interface FactoryUpdateBody {
  readonly sessionSettings: Record<string, unknown>;
}

/** What `POST /api/v0/sessions/{id}/messages` answers. */
export interface FactorySent {
  readonly messageId: string;
  /** The agent's status after submission (`idle`, `pending`, `running`), when sent. */
  readonly status: string | null;
}

/** Factory's answer to a create naming a computer it does not know (as the emulator answers it: undocumented). */
const UNKNOWN_COMPUTER: FieldRejection = {
  status: 400,
  message: /^(unknown|invalid) computer\b/i,
  field: 'computerId',
};

/** Typed access to the Factory Public API v0 session endpoints. */
export interface FactoryClient {
  listSessions(call: CallContext, params: FactoryListParams): Promise<FactoryListPage>;
  /** Resolves `null` when Factory answers 404. */
  getSession(call: CallContext, sessionId: string): Promise<FactorySessionRecord | null>;
  createSession(call: CallContext, body: FactoryCreateBody): Promise<FactorySessionRecord>;
  updateSession(call: CallContext, sessionId: string, body: FactoryUpdateBody): Promise<FactorySessionRecord>;
  /** Soft-deletes the session (Factory keeps it restorable for a while). */
  deleteSession(call: CallContext, sessionId: string): Promise<void>;
  /** One page of the conversation, oldest first. */
  listMessages(call: CallContext, sessionId: string, params: MessagePageParams): Promise<MessagePage>;
  /** Resolves `null` when Factory answers 404. */
  getMessage(call: CallContext, sessionId: string, messageId: string): Promise<MessageRecord | null>;
  sendMessage(call: CallContext, sessionId: string, text: string): Promise<FactorySent>;
  /** Factory's status word after the interrupt, when it sent one. */
  interrupt(call: CallContext, sessionId: string): Promise<string | null>;
}

/** Factory as errors and messages name it. */
export const FACTORY: SourceId = { name: 'FACTORY', label: 'Factory' };

/** Creates the Factory client over a shared HTTP layer. Keys are passed per call. */
export function createFactoryClient(http: UpstreamHttp): FactoryClient {
  const source = FACTORY;
  const session = new Decoder((answer) => toFactorySession(parseAnswer(source, factorySessionPayload, answer.body)));
  const sentMessage = new Decoder((answer) => parseAnswer(source, factorySentMessagePayload, answer.body));
  // The documented body shows no fields: an empty answer is an interrupt with no word.
  const interruption = new Decoder((answer) => parseAnswer(source, factoryInterruptPayload, answer.body ?? {}));
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
  const sessionPath = (id: string) => `/api/v0/sessions/${encodeURIComponent(id)}`;
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
        return await http.send(
          call,
          { method: 'GET', route: 'GET /api/v0/sessions/:id', path: sessionPath(sessionId) },
          session,
        );
      } catch (error) {
        if (error instanceof UpstreamError && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    },

    createSession(call, body) {
      return http.send(
        call,
        {
          method: 'POST',
          route: 'POST /api/v0/sessions',
          path: '/api/v0/sessions',
          body,
          fieldRejections: [UNKNOWN_COMPUTER],
        },
        session,
      );
    },

    updateSession(call, sessionId, body) {
      return http.send(
        call,
        { method: 'PATCH', route: 'PATCH /api/v0/sessions/:id', path: sessionPath(sessionId), body },
        session,
      );
    },

    async deleteSession(call, sessionId) {
      await http.send(
        call,
        { method: 'DELETE', route: 'DELETE /api/v0/sessions/:id', path: sessionPath(sessionId) },
        RAW_ANSWER,
      );
    },

    async listMessages(call, sessionId, params) {
      const answer = await http.send(
        call,
        {
          method: 'GET',
          route: 'GET /api/v0/sessions/:id/messages',
          path: `${sessionPath(sessionId)}/messages`,
          query: { limit: String(params.limit), cursor: params.cursor ?? undefined, role: params.role ?? undefined },
        },
        RAW_ANSWER,
      );
      const page = parseAnswer(source, factoryMessageListPayload, answer.body);
      const { items, invalid } = parseItems(source, page.messages, factoryMessagePayload);
      return {
        messages: items.map((item) => toFactoryMessage(sessionId, item)),
        invalidItems: invalid,
        hasMore: page.pagination.hasMore,
        nextCursor: page.pagination.hasMore ? page.pagination.nextCursor : null,
      };
    },

    async getMessage(call, sessionId, messageId) {
      try {
        const answer = await http.send(
          call,
          {
            method: 'GET',
            route: 'GET /api/v0/sessions/:id/messages/:messageId',
            path: `${sessionPath(sessionId)}/messages/${encodeURIComponent(messageId)}`,
          },
          RAW_ANSWER,
        );
        return toFactoryMessage(sessionId, parseAnswer(source, factoryMessagePayload, answer.body));
      } catch (error) {
        if (error instanceof UpstreamError && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    },

    async sendMessage(call, sessionId, text) {
      const answer = await http.send(
        call,
        {
          method: 'POST',
          route: 'POST /api/v0/sessions/:id/messages',
          path: `${sessionPath(sessionId)}/messages`,
          body: { text },
        },
        sentMessage,
      );
      return { messageId: answer.messageId, status: answer.status ?? null };
    },

    async interrupt(call, sessionId) {
      const answer = await http.send(
        call,
        {
          method: 'POST',
          route: 'POST /api/v0/sessions/:id/interrupt',
          path: `${sessionPath(sessionId)}/interrupt`,
        },
        interruption,
      );
      return answer.status ?? null;
    },
  };
}

/** One Factory client per upstream HTTP layer, so requests and live work share its decoders. */
export const factoryClients = clientsOf(createFactoryClient);

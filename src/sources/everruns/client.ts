import type { MessageList, MessageRecord } from '../conversation.js';
import { type FieldRejection, type SourceId, UpstreamError } from '../errors.js';
import { type CallContext, Decoder, RAW_ANSWER, type UpstreamHttp } from '../http.js';
import { parseAnswer, parseItems } from '../parse.js';
import {
  everrunsCancelPayload,
  everrunsMessageListPayload,
  everrunsMessagePayload,
  everrunsSessionListPayload,
  everrunsSessionPayload,
} from './payload.js';
import { toEverrunsMessage } from './to-message.js';
import { type EverrunsSessionRecord, toEverrunsSession } from './to-session.js';

/** One page of `GET /v1/sessions` (offset paging, newest first). */
export interface EverrunsListPage {
  readonly sessions: readonly EverrunsSessionRecord[];
  /** Items that failed validation and were left out (already logged). */
  readonly invalidItems: number;
  /** Upstream items in this page, valid or not: the next offset is `offset + received`. */
  readonly received: number;
  readonly total: number;
  readonly offset: number;
}

export interface EverrunsListParams {
  readonly offset: number;
  /** 1-100. */
  readonly limit: number;
  readonly agentId?: string | null;
}

/** The body of `POST /v1/sessions`, already validated by the schema. */
export interface EverrunsCreateBody {
  readonly agent_id: string;
  readonly title?: string;
  readonly tags?: readonly string[];
  readonly model_id?: string;
  readonly capabilities?: readonly { ref: string; config?: unknown }[];
}

export interface EverrunsUpdateBody {
  readonly title?: string | null;
  readonly tags?: readonly string[] | null;
}

export interface EverrunsCancelResult {
  /** `cancelled` or `no_op`, or a newer word verbatim. */
  readonly status: string;
  readonly message: string | null;
}

/** Everruns as errors and messages name it. */
export const EVERRUNS: SourceId = { name: 'EVERRUNS', label: 'Everruns' };

/** Everruns session ids: `session_` + 32 lowercase hex digits (a UUIDv7). */
export const EVERRUNS_SESSION_ID = /^session_[0-9a-f]{32}$/;

/** Everruns' answer to a create naming an agent it does not know (shared/upstream/README.md). */
const UNKNOWN_AGENT: FieldRejection = { status: 400, message: /^invalid agent id\b/i, field: 'agent_id' };

/** Typed access to the Everruns API v1 session endpoints. */
export interface EverrunsClient {
  listSessions(call: CallContext, params: EverrunsListParams): Promise<EverrunsListPage>;
  /** Resolves `null` when Everruns answers 404. */
  getSession(call: CallContext, sessionId: string): Promise<EverrunsSessionRecord | null>;
  createSession(call: CallContext, body: EverrunsCreateBody): Promise<EverrunsSessionRecord>;
  updateSession(call: CallContext, sessionId: string, body: EverrunsUpdateBody): Promise<EverrunsSessionRecord>;
  deleteSession(call: CallContext, sessionId: string): Promise<void>;
  cancelSession(call: CallContext, sessionId: string): Promise<EverrunsCancelResult>;
  /** The whole conversation, oldest first (Everruns does not page it). */
  listMessages(call: CallContext, sessionId: string): Promise<MessageList>;
  /** Adds a user message, which starts a turn; answers the new message. */
  createMessage(call: CallContext, sessionId: string, text: string): Promise<MessageRecord>;
}

/** Creates the Everruns client over a shared HTTP layer. Keys are passed per call. */
export function createEverrunsClient(http: UpstreamHttp): EverrunsClient {
  const source = EVERRUNS;
  const sessionPath = (id: string) => `/v1/sessions/${encodeURIComponent(id)}`;
  const session = new Decoder((answer) => toEverrunsSession(parseAnswer(source, everrunsSessionPayload, answer.body)));
  const list = new Decoder((answer): EverrunsListPage => {
    const page = parseAnswer(source, everrunsSessionListPayload, answer.body);
    const { items, invalid } = parseItems(source, page.data, everrunsSessionPayload);
    return {
      sessions: items.map(toEverrunsSession),
      invalidItems: invalid,
      received: page.data.length,
      total: page.total,
      offset: page.offset,
    };
  });
  const createdMessage = new Decoder((answer) => parseAnswer(source, everrunsMessagePayload, answer.body));
  const cancel = new Decoder((answer): EverrunsCancelResult => {
    const parsed = parseAnswer(source, everrunsCancelPayload, answer.body);
    return { status: parsed.status, message: parsed.message ?? null };
  });
  const nothing = new Decoder((): void => undefined);
  return {
    listSessions(call, params) {
      const query = { agent_id: params.agentId ?? undefined, offset: params.offset, limit: params.limit };
      return http.send(call, { method: 'GET', route: 'GET /v1/sessions', path: '/v1/sessions', query }, list);
    },

    async getSession(call, sessionId) {
      try {
        return await http.send(
          call,
          { method: 'GET', route: 'GET /v1/sessions/:id', path: sessionPath(sessionId) },
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
        { method: 'POST', route: 'POST /v1/sessions', path: '/v1/sessions', body, fieldRejections: [UNKNOWN_AGENT] },
        session,
      );
    },

    updateSession(call, sessionId, body) {
      return http.send(
        call,
        { method: 'PATCH', route: 'PATCH /v1/sessions/:id', path: sessionPath(sessionId), body },
        session,
      );
    },

    deleteSession(call, sessionId) {
      return http.send(
        call,
        { method: 'DELETE', route: 'DELETE /v1/sessions/:id', path: sessionPath(sessionId) },
        nothing,
      );
    },

    cancelSession(call, sessionId) {
      return http.send(
        call,
        { method: 'POST', route: 'POST /v1/sessions/:id/cancel', path: `${sessionPath(sessionId)}/cancel` },
        cancel,
      );
    },

    async listMessages(call, sessionId) {
      const answer = await http.send(
        call,
        {
          method: 'GET',
          route: 'GET /v1/sessions/:id/messages',
          path: `${sessionPath(sessionId)}/messages`,
        },
        RAW_ANSWER,
      );
      const list = parseAnswer(source, everrunsMessageListPayload, answer.body);
      const { items, invalid } = parseItems(source, list.data, everrunsMessagePayload);
      return { messages: items.map((item) => toEverrunsMessage(sessionId, item)), invalidItems: invalid };
    },

    async createMessage(call, sessionId, text) {
      const answer = await http.send(
        call,
        {
          method: 'POST',
          route: 'POST /v1/sessions/:id/messages',
          path: `${sessionPath(sessionId)}/messages`,
          body: { message: { role: 'user', content: [{ type: 'text', text }] } },
        },
        createdMessage,
      );
      return toEverrunsMessage(sessionId, answer);
    },
  };
}

import { z } from 'zod';
import { clientsOf } from '../access.js';
import type { ConversationModule } from '../conversation.js';
import type { SourceModule, SourceRequest } from '../source-module.js';
import { createEverrunsClient, EVERRUNS, EVERRUNS_SESSION_ID, type EverrunsListParams } from './client.js';
import { everrunsLive } from './live.js';
import { type EverrunsPosition, readEverrunsForward } from './pager.js';

/** Everruns agent ids: `agent_` + 32 lowercase hex digits. */
export const EVERRUNS_AGENT_ID = /^agent_[0-9a-f]{32}$/;

const clients = clientsOf(createEverrunsClient);

/**
 * The Everruns client and call context for one request.
 * @throws UpstreamError `SOURCE_NOT_CONFIGURED` or `UNAUTHENTICATED`
 */
export const useEverruns = clients.use;

/** Lists Everruns sessions through the request's loader, so the sessions prime it. */
export function everrunsLister(request: SourceRequest) {
  return (params: EverrunsListParams) => {
    const { client, call } = useEverruns(request.access);
    return request.list(client.listSessions(call, params));
  };
}

/** Everruns message ids: `message_` + 32 lowercase hex digits. */
const EVERRUNS_MESSAGE_ID = /^message_[0-9a-f]{32}$/;

/** Everruns conversations: the whole list in one call, send (starts a turn), cancel. */
const everrunsConversation: ConversationModule = {
  roles: { user: 'USER', agent: 'AGENT', tool_result: 'TOOL', system: 'SYSTEM' },
  acceptsMessageId: (id) => EVERRUNS_MESSAGE_ID.test(id),
  messageIdShape: '`message_` followed by 32 lowercase hex digits',
  listing: {
    kind: 'whole',
    listAll: (http, call, sessionId) => clients.clientOf(http).listMessages(call, sessionId),
  },
  async send(http, call, sessionId, text) {
    const message = await clients.clientOf(http).createMessage(call, sessionId, text);
    return { messageId: message.sourceId, message };
  },
  async interrupt(http, call, sessionId) {
    const { status } = await clients.clientOf(http).cancelSession(call, sessionId);
    const outcome = status === 'cancelled' ? 'INTERRUPTED' : status === 'no_op' ? 'NO_OP' : 'UNKNOWN';
    return { outcome, upstreamStatus: status };
  },
};

/** A feed position: the last item's offset and key. */
const feedPosition = z.tuple([z.number().int().min(0), z.number().int().nonnegative(), z.string().min(1).max(256)]);

/** Everruns API v1. */
export const everrunsSource: SourceModule<EverrunsPosition> = {
  ...EVERRUNS,
  description: 'Everruns (API v1).',
  typename: 'EverrunsSession',
  env: { baseUrl: 'EVERRUNS_BASE_URL', apiKey: 'EVERRUNS_API_KEY' },
  keyHeader: 'x-everruns-api-key',
  // Everruns takes API keys as `ApiKey evr_...` and session tokens as bearer tokens.
  authorization: (key) => (key.startsWith('evr_') ? `ApiKey ${key}` : `Bearer ${key}`),
  fieldOrigins: { finishedAt: 'finished_at', tags: 'tags', model: 'model_id', tokenUsage: 'usage' },
  states: {
    started: 'PENDING',
    active: 'RUNNING',
    waiting_for_tool_results: 'RUNNING',
    idle: 'IDLE',
    paused: 'PAUSED',
  },
  acceptsId: (id) => EVERRUNS_SESSION_ID.test(id),
  idShape: '`session_` followed by 32 lowercase hex digits',
  getSession: (http, call, id) => clients.clientOf(http).getSession(call, id),
  feed: {
    filterField: {
      name: 'agentId',
      type: 'ID',
      description: 'Only Everruns sessions of this agent (`agent_` + 32 hex).',
      check: (value) =>
        EVERRUNS_AGENT_ID.test(value) ? null : 'must be `agent_` followed by 32 lowercase hex digits.',
    },
    countsTotal: true,
    read: (request, filter, from, count) =>
      readEverrunsForward(everrunsLister(request), from, count, filter.fields.get('agentId') ?? null),
    encode: (position) => [position.offset, position.key.micros, position.key.id],
    decode: (value) => {
      const parsed = feedPosition.safeParse(value);
      if (!parsed.success) return null;
      const [offset, micros, id] = parsed.data;
      return { offset, key: { micros, id } };
    },
  },
  conversation: everrunsConversation,
  live: everrunsLive(),
};

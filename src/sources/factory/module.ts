import { z } from 'zod';
import type { ConversationModule, Interruption } from '../conversation.js';
import type { SourceModule, SourceRequest } from '../source-module.js';
import { FACTORY, type FactoryListParams, factoryClients } from './client.js';
import { factoryLive } from './live.js';
import { type FactoryPosition, readFactory } from './pager.js';
import { FACTORY_STATES } from './to-session.js';

/**
 * The Factory client and call context for one request.
 * @throws UpstreamError `SOURCE_NOT_CONFIGURED` or `UNAUTHENTICATED`
 */
export const useFactory = factoryClients.use;

/** Lists Factory sessions through the request's loader, so the sessions prime it. */
export function factoryLister(request: SourceRequest) {
  return (params: FactoryListParams) => {
    const { client, call } = useFactory(request.access);
    return request.list(client.listSessions(call, params));
  };
}

/** Factory's interrupt words: `interrupted` when a turn was stopped, the agent's status otherwise. */
const INTERRUPT_OUTCOMES: Readonly<Record<string, Interruption['outcome']>> = {
  interrupted: 'INTERRUPTED',
  idle: 'NO_OP',
  pending: 'NO_OP',
};

/** Factory ids of sessions and messages: letters, digits, `-`, `_`, `.`. */
const FACTORY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Factory conversations: keyset pages with a role filter, one message by id, send, interrupt. */
const factoryConversation: ConversationModule = {
  roles: { user: 'USER', assistant: 'AGENT', tool: 'TOOL', system: 'SYSTEM' },
  acceptsMessageId: (id) => FACTORY_ID.test(id),
  messageIdShape: 'letters, digits, `-`, `_` or `.`, at most 128',
  listing: {
    kind: 'pages',
    maxLimit: 100,
    roleFilter: { USER: 'user', AGENT: 'assistant', TOOL: 'tool' },
    listPage: (http, call, sessionId, params) => factoryClients.clientOf(http).listMessages(call, sessionId, params),
    getMessage: (http, call, sessionId, messageId) =>
      factoryClients.clientOf(http).getMessage(call, sessionId, messageId),
  },
  async send(http, call, sessionId, text) {
    const sent = await factoryClients.clientOf(http).sendMessage(call, sessionId, text);
    return { messageId: sent.messageId, message: null };
  },
  async interrupt(http, call, sessionId) {
    const status = await factoryClients.clientOf(http).interrupt(call, sessionId);
    const outcome =
      status !== null && Object.hasOwn(INTERRUPT_OUTCOMES, status) ? INTERRUPT_OUTCOMES[status] : undefined;
    return { outcome: outcome ?? 'UNKNOWN', upstreamStatus: status };
  },
};

/** A feed position: upstream cursor, items consumed of its page, the last item's key. */
const feedPosition = z.tuple([
  z.string().max(4096).nullable(),
  z.number().int().min(0).max(1000),
  z.number().int().nonnegative(),
  z.string().min(1).max(256),
]);

/** Factory Public API v0. */
export const factorySource: SourceModule<FactoryPosition> = {
  ...FACTORY,
  description: 'Factory (Public API v0).',
  typename: 'FactorySession',
  env: { baseUrl: 'FACTORY_BASE_URL', apiKey: 'FACTORY_API_KEY' },
  keyHeader: 'x-factory-api-key',
  authorization: (key) => `Bearer ${key}`,
  fieldOrigins: {
    finishedAt: 'completedAt',
    tags: 'sessionSettings.tags[].name',
    model: 'sessionSettings.model',
    tokenUsage: 'sessionSettings.tokenUsage',
  },
  states: FACTORY_STATES,
  acceptsId: (id) => FACTORY_ID.test(id),
  idShape: 'letters, digits, `-`, `_` or `.`, at most 128',
  getSession: (http, call, id) => factoryClients.clientOf(http).getSession(call, id),
  feed: {
    filterField: {
      name: 'computerId',
      type: 'String',
      description: 'Only Factory sessions on this computer.',
      check: (value) => (value.length === 0 || value.length > 256 ? 'must be 1-256 characters.' : null),
    },
    countsTotal: false,
    read: (request, filter, from, count) =>
      readFactory(factoryLister(request), from, count, filter.fields.get('computerId') ?? null),
    encode: (position) => [position.cursor, position.consumed, position.key.micros, position.key.id],
    decode: (value) => {
      const parsed = feedPosition.safeParse(value);
      if (!parsed.success) return null;
      const [cursor, consumed, micros, id] = parsed.data;
      return { cursor, consumed, key: { micros, id } };
    },
  },
  conversation: factoryConversation,
  live: factoryLive(),
};

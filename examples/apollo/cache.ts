import { InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';

// The README's Apollo Client cache: test/apollo-client.test.ts runs it against the gateway.
const sessions = ['FactorySession', 'EverrunsSession'];
const errors = ['NotFoundError', 'UpstreamError', 'ValidationError'];
// Each mutation answers its payload or an Error; listing the unions tells Apollo the payloads are concrete types.
const results = {
  CreateFactorySessionResult: 'CreateFactorySessionPayload',
  UpdateFactorySessionResult: 'FactorySessionPayload',
  DeleteFactorySessionResult: 'DeleteFactorySessionPayload',
  CreateEverrunsSessionResult: 'EverrunsSessionPayload',
  UpdateEverrunsSessionResult: 'EverrunsSessionPayload',
  CancelEverrunsSessionResult: 'CancelEverrunsSessionPayload',
  DeleteEverrunsSessionResult: 'DeleteEverrunsSessionPayload',
  SendMessageResult: 'SendMessagePayload',
  InterruptSessionResult: 'InterruptSessionPayload',
};

export const possibleTypes: Record<string, string[]> = {
  Node: [...sessions, 'Message'],
  Session: sessions,
  Error: errors,
  MessagePart: ['TextPart', 'ToolCallPart', 'ToolResultPart', 'ImagePart', 'OtherPart'],
  SessionEvent: ['MessageAddedEvent', 'MessageDeltaEvent', 'TurnStartedEvent', 'TurnEndedEvent',
    'ToolCallStartedEvent', 'ToolCallCompletedEvent', 'SessionStateChangedEvent', 'OtherEvent'],
  ...Object.fromEntries(Object.entries(results).map(([union, payload]) => [union, [payload, ...errors]])),
};

export const createCache = () => new InMemoryCache({
  possibleTypes,
  typePolicies: {
    Query: { fields: {
      sessions: relayStylePagination(['filter']),
      factorySessions: relayStylePagination(['computerId']),
      everrunsSessions: relayStylePagination(['agentId']),
      // node(id) from the cache: ids are opaque, so the Node type that holds this one.
      node: { read: (_, { args, toReference, canRead }) => possibleTypes.Node
        ?.map((__typename) => toReference({ __typename, id: args?.id })).find((ref) => canRead(ref)) },
    } },
    Session: { fields: { messages: relayStylePagination(['role']) } },
  },
});

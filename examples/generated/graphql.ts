/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A new Everruns session. */
export type CreateEverrunsSessionInput = {
  /** The agent to run (`agent_` + 32 lowercase hex). */
  agentId: string | number;
  /** Session-level capabilities (at most 50), added to the agent’s. */
  capabilities?: Array<EverrunsCapabilityInput> | null | undefined;
  /** Model override (`model_` + 32 lowercase hex). */
  modelId?: string | number | null | undefined;
  /** Tags: at most 50, distinct, 1-100 characters each. */
  tags?: Array<string> | null | undefined;
  /** Title, 1-500 characters. */
  title?: string | null | undefined;
};

/** A new Factory session. */
export type CreateFactorySessionInput = {
  /** The computer to run on, 1-256 characters. */
  computerId: string;
  /** Working directory on the computer, 1-4096 characters. */
  cwd?: string | null | undefined;
  /** Session settings. */
  settings?: FactorySessionSettingsInput | null | undefined;
};

/** A session-level capability. */
export type EverrunsCapabilityInput = {
  /** Capability-specific configuration. */
  config?: unknown;
  /** Capability id, 1-200 characters. */
  ref: string;
};

/** An API provider to lock the session to. */
export type FactoryApiProvider =
  /** Factory `anthropic`. */
  | 'ANTHROPIC'
  /** Factory `azure_openai`. */
  | 'AZURE_OPENAI'
  /** Factory `baseten`. */
  | 'BASETEN'
  /** Factory `bedrock`. */
  | 'BEDROCK'
  /** Factory `bedrock_anthropic`. */
  | 'BEDROCK_ANTHROPIC'
  /** Factory `fireworks`. */
  | 'FIREWORKS'
  /** Factory `google`. */
  | 'GOOGLE'
  /** Factory `openai`. */
  | 'OPENAI'
  /** Factory `snowflake`. */
  | 'SNOWFLAKE'
  /** Factory `vertex_anthropic`. */
  | 'VERTEX_ANTHROPIC'
  /** Factory `xai`. */
  | 'XAI';

/** How much the agent may do unasked. */
export type FactoryAutonomyLevel =
  /** Factory `high`. */
  | 'HIGH'
  /** Factory `low`. */
  | 'LOW'
  /** Factory `medium`. */
  | 'MEDIUM'
  /** Factory `off`. */
  | 'OFF';

/** Legacy autonomy mode: use interactionMode and autonomyLevel. */
export type FactoryAutonomyMode =
  /** Factory `auto-high`. */
  | 'AUTO_HIGH'
  /** Factory `auto-low`. */
  | 'AUTO_LOW'
  /** Factory `auto-medium`. */
  | 'AUTO_MEDIUM'
  /** Factory `normal`. */
  | 'NORMAL'
  /** Factory `spec`. */
  | 'SPEC';

/** How the session works with you. */
export type FactoryInteractionMode =
  /** Factory `agi`. */
  | 'AGI'
  /** Factory `auto`. */
  | 'AUTO'
  /** Factory `spec`. */
  | 'SPEC';

/** A model provider to lock the session to. */
export type FactoryProvider =
  /** Factory `anthropic`. */
  | 'ANTHROPIC'
  /** Factory `factory`. */
  | 'FACTORY'
  /** Factory `generic-chat-completion-api`. */
  | 'GENERIC_CHAT_COMPLETION_API'
  /** Factory `google`. */
  | 'GOOGLE'
  /** Factory `openai`. */
  | 'OPENAI'
  /** Factory `voyage`. */
  | 'VOYAGE'
  /** Factory `xai`. */
  | 'XAI';

/** How hard the model reasons. */
export type FactoryReasoningEffort =
  /** Factory `dynamic`. */
  | 'DYNAMIC'
  /** Factory `high`. */
  | 'HIGH'
  /** Factory `low`. */
  | 'LOW'
  /** Factory `max`. */
  | 'MAX'
  /** Factory `medium`. */
  | 'MEDIUM'
  /** Factory `minimal`. */
  | 'MINIMAL'
  /** Factory `none`. */
  | 'NONE'
  /** Factory `off`. */
  | 'OFF'
  /** Factory `xhigh`. */
  | 'XHIGH';

/** The settings a creator may set (Factory `sessionSettings`). Usage counters, timestamps and archive state are Factory’s to set. */
export type FactorySessionSettingsInput = {
  /** Lock the session to an API provider. */
  apiProviderLock?: FactoryApiProvider | null | undefined;
  /** Autonomy level. */
  autonomyLevel?: FactoryAutonomyLevel | null | undefined;
  /**
   * Legacy autonomy mode.
   * @deprecated Factory deprecated it: use interactionMode and autonomyLevel.
   */
  autonomyMode?: FactoryAutonomyMode | null | undefined;
  /** Tools to disable (none also enabled). */
  disabledToolIds?: Array<string> | null | undefined;
  /** Tools to enable (at most 200, 1-200 characters each). */
  enabledToolIds?: Array<string> | null | undefined;
  /** Interaction mode. */
  interactionMode?: FactoryInteractionMode | null | undefined;
  /** Model id, 1-200 characters. */
  model?: string | null | undefined;
  /** Lock the session to a model provider. */
  providerLock?: FactoryProvider | null | undefined;
  /** Reasoning effort. */
  reasoningEffort?: FactoryReasoningEffort | null | undefined;
  /** Model for spec mode, 1-200 characters. */
  specModeModel?: string | null | undefined;
  /** Reasoning effort in spec mode. */
  specModeReasoningEffort?: FactoryReasoningEffort | null | undefined;
  /** Tags: at most 50, distinct names. */
  tags?: Array<FactoryTagInput> | null | undefined;
};

/** A tag with optional metadata. */
export type FactoryTagInput = {
  /** At most 50 entries. */
  metadata?: Array<FactoryTagMetadataInput> | null | undefined;
  /** Name, 1-100 characters. */
  name: string;
};

/** One metadata entry of a tag. */
export type FactoryTagMetadataInput = {
  /** Key, 1-100 characters, distinct within the tag. */
  key: string;
  /** Value, at most 1000 characters. */
  value: string;
};

/** What an interrupt did. */
export type InterruptOutcome =
  /** A running turn was stopped. */
  | 'INTERRUPTED'
  /** No turn was running; nothing changed. */
  | 'NO_OP'
  /** The upstream answered a word this gateway does not know; see `interruptStatus`. */
  | 'UNKNOWN';

/** The normalised role of a message; `upstreamRole` keeps the upstream word verbatim. */
export type MessageRole =
  /** Written by the agent (Factory `assistant`; Everruns `agent`). */
  | 'AGENT'
  /** A system message (Factory `system`; Everruns `system`). */
  | 'SYSTEM'
  /** A tool’s answer (Factory `tool`; Everruns `tool_result`). */
  | 'TOOL'
  /** A role word this gateway does not know; read `upstreamRole`. */
  | 'UNKNOWN'
  /** Written by a person (Factory `user`; Everruns `user`). */
  | 'USER';

/** Narrows the merged feed. Fields combine with AND. A field only one source has (computerId: Factory, agentId: Everruns) limits the feed to that source. */
export type SessionFilter = {
  /** Only Everruns sessions of this agent (`agent_` + 32 hex). */
  agentId?: string | number | null | undefined;
  /** Only Factory sessions on this computer. */
  computerId?: string | null | undefined;
  /** Only sessions created strictly after this instant. */
  createdAfter?: string | null | undefined;
  /** Only sessions created strictly before this instant. */
  createdBefore?: string | null | undefined;
  /** Only these sources (default: all). */
  sources?: Array<SessionSource> | null | undefined;
  /** Only sessions in these states. */
  states?: Array<SessionState> | null | undefined;
};

/** The upstream platform a session lives on. */
export type SessionSource =
  /** Everruns (API v1). */
  | 'EVERRUNS'
  /** Factory (Public API v0). */
  | 'FACTORY';

/** The normalised state of a session. `upstreamStatus` keeps the upstream word verbatim; words this gateway does not know map to UNKNOWN. */
export type SessionState =
  /** Waiting for input (`idle` on both). */
  | 'IDLE'
  /** Paused (Everruns `paused`). */
  | 'PAUSED'
  /** Created, no turn has run yet (Factory `pending`, Everruns `started`). */
  | 'PENDING'
  /** A turn is running (Factory `running`, Everruns `active`, `waiting_for_tool_results`). */
  | 'RUNNING'
  /** A status word this gateway does not know; read `upstreamStatus`. */
  | 'UNKNOWN';

/** How a turn ended. */
export type TurnOutcome =
  /** The turn was interrupted (`interruptSession`). */
  | 'CANCELLED'
  /** The agent finished the turn. */
  | 'COMPLETED'
  /** The turn failed; `error` says why. */
  | 'FAILED';

export type CreateEverrunsSessionMutationVariables = Exact<{
  input: CreateEverrunsSessionInput;
}>;


export type CreateEverrunsSessionMutation = { createEverrunsSession:
    | { __typename: 'EverrunsSessionPayload', session: { id: string, title: string | null, state: SessionState, createdAt: string } }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'UpstreamError', source: string, code: string, outcomeUnknown: boolean, message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type CreateFactorySessionMutationVariables = Exact<{
  input: CreateFactorySessionInput;
}>;


export type CreateFactorySessionMutation = { createFactorySession:
    | { __typename: 'CreateFactorySessionPayload', session: { id: string, title: string | null, state: SessionState, computerId: string | null, createdAt: string } }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'UpstreamError', source: string, code: string, outcomeUnknown: boolean, message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

type MutationErrorFields_NotFoundError_Fragment = { message: string };

type MutationErrorFields_UpstreamError_Fragment = { source: string, code: string, outcomeUnknown: boolean, message: string };

type MutationErrorFields_ValidationError_Fragment = { message: string, fieldErrors: Array<{ path: Array<string>, message: string }> };

export type MutationErrorFieldsFragment =
  | MutationErrorFields_NotFoundError_Fragment
  | MutationErrorFields_UpstreamError_Fragment
  | MutationErrorFields_ValidationError_Fragment
;

export type SendMessageMutationVariables = Exact<{
  sessionId: string | number;
  text: string;
}>;


export type SendMessageMutation = { sendMessage:
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'SendMessagePayload', sentMessage: { id: string, role: MessageRole, upstreamRole: string, text: string, createdAt: string, isError: boolean, parts: Array<
          | { __typename: 'ImagePart', url: string | null, mediaType: string | null, imageId: string | null }
          | { __typename: 'OtherPart', type: string, raw: unknown }
          | { __typename: 'TextPart', text: string }
          | { __typename: 'ToolCallPart', toolCallId: string | null, name: string, arguments: unknown }
          | { __typename: 'ToolResultPart', toolCallId: string | null, result: unknown, error: string | null, isError: boolean }
        > } | null, session:
        | { id: string, state: SessionState }
        | { id: string, state: SessionState }
       | null }
    | { __typename: 'UpstreamError', source: string, code: string, outcomeUnknown: boolean, message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type InterruptSessionMutationVariables = Exact<{
  sessionId: string | number;
}>;


export type InterruptSessionMutation = { interruptSession:
    | { __typename: 'InterruptSessionPayload', outcome: InterruptOutcome, session:
        | { id: string, state: SessionState }
        | { id: string, state: SessionState }
       | null }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'UpstreamError', source: string, code: string, outcomeUnknown: boolean, message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type SessionDetailQueryVariables = Exact<{
  id: string | number;
  messages?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type SessionDetailQuery = { node:
    | { __typename: 'EverrunsSession', id: string, sourceId: string, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, updatedAt: string, finishedAt: string | null, model: string | null, tags: Array<string>, organizationId: string, agentId: string, preview: string | null, outputPreview: string | null, startedAt: string | null, messages: { edges: Array<{ cursor: string, node: { id: string, role: MessageRole, upstreamRole: string, text: string, createdAt: string, isError: boolean, parts: Array<
              | { __typename: 'ImagePart', url: string | null, mediaType: string | null, imageId: string | null }
              | { __typename: 'OtherPart', type: string, raw: unknown }
              | { __typename: 'TextPart', text: string }
              | { __typename: 'ToolCallPart', toolCallId: string | null, name: string, arguments: unknown }
              | { __typename: 'ToolResultPart', toolCallId: string | null, result: unknown, error: string | null, isError: boolean }
            > } }>, pageInfo: { hasPreviousPage: boolean, startCursor: string | null } } | null, tokenUsage: { inputTokens: number, outputTokens: number, cacheReadTokens: number | null, cacheCreationTokens: number | null, thinkingTokens: number | null } | null, capabilities: Array<{ ref: string, config: unknown }> }
    | { __typename: 'FactorySession', id: string, sourceId: string, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, updatedAt: string, finishedAt: string | null, model: string | null, tags: Array<string>, computerId: string | null, messageCount: number, archivedAt: string | null, messages: { edges: Array<{ cursor: string, node: { id: string, role: MessageRole, upstreamRole: string, text: string, createdAt: string, isError: boolean, parts: Array<
              | { __typename: 'ImagePart', url: string | null, mediaType: string | null, imageId: string | null }
              | { __typename: 'OtherPart', type: string, raw: unknown }
              | { __typename: 'TextPart', text: string }
              | { __typename: 'ToolCallPart', toolCallId: string | null, name: string, arguments: unknown }
              | { __typename: 'ToolResultPart', toolCallId: string | null, result: unknown, error: string | null, isError: boolean }
            > } }>, pageInfo: { hasPreviousPage: boolean, startCursor: string | null } } | null, tokenUsage: { inputTokens: number, outputTokens: number, cacheReadTokens: number | null, cacheCreationTokens: number | null, thinkingTokens: number | null } | null, tagDetails: Array<{ name: string, metadata: Array<{ key: string, value: string }> }>, settings: { reasoningEffort: string | null, interactionMode: string | null, autonomyLevel: string | null, enabledToolIds: Array<string>, disabledToolIds: Array<string> } | null }
    | { __typename: 'Message', id: string }
   | null };

type SessionCommon_EverrunsSession_Fragment = { sourceId: string, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, updatedAt: string, finishedAt: string | null, model: string | null, tags: Array<string>, tokenUsage: { inputTokens: number, outputTokens: number, cacheReadTokens: number | null, cacheCreationTokens: number | null, thinkingTokens: number | null } | null };

type SessionCommon_FactorySession_Fragment = { sourceId: string, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, updatedAt: string, finishedAt: string | null, model: string | null, tags: Array<string>, tokenUsage: { inputTokens: number, outputTokens: number, cacheReadTokens: number | null, cacheCreationTokens: number | null, thinkingTokens: number | null } | null };

export type SessionCommonFragment =
  | SessionCommon_EverrunsSession_Fragment
  | SessionCommon_FactorySession_Fragment
;

export type FactorySessionDetailFragment = { computerId: string | null, messageCount: number, archivedAt: string | null, tagDetails: Array<{ name: string, metadata: Array<{ key: string, value: string }> }>, settings: { reasoningEffort: string | null, interactionMode: string | null, autonomyLevel: string | null, enabledToolIds: Array<string>, disabledToolIds: Array<string> } | null };

export type EverrunsSessionDetailFragment = { organizationId: string, agentId: string, preview: string | null, outputPreview: string | null, startedAt: string | null, capabilities: Array<{ ref: string, config: unknown }> };

export type MessageItemFragment = { id: string, role: MessageRole, upstreamRole: string, text: string, createdAt: string, isError: boolean, parts: Array<
    | { __typename: 'ImagePart', url: string | null, mediaType: string | null, imageId: string | null }
    | { __typename: 'OtherPart', type: string, raw: unknown }
    | { __typename: 'TextPart', text: string }
    | { __typename: 'ToolCallPart', toolCallId: string | null, name: string, arguments: unknown }
    | { __typename: 'ToolResultPart', toolCallId: string | null, result: unknown, error: string | null, isError: boolean }
  > };

export type SessionListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: SessionFilter | null | undefined;
}>;


export type SessionListQuery = { sessions: { unavailableSources: Array<SessionSource>, edges: Array<{ cursor: string, node:
        | { __typename: 'EverrunsSession', id: string, source: SessionSource, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, model: string | null, tokenUsage: { inputTokens: number, outputTokens: number } | null }
        | { __typename: 'FactorySession', id: string, source: SessionSource, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, model: string | null, tokenUsage: { inputTokens: number, outputTokens: number } | null }
       }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } | null };

type SessionListItem_EverrunsSession_Fragment = { __typename: 'EverrunsSession', id: string, source: SessionSource, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, model: string | null, tokenUsage: { inputTokens: number, outputTokens: number } | null };

type SessionListItem_FactorySession_Fragment = { __typename: 'FactorySession', id: string, source: SessionSource, title: string | null, state: SessionState, upstreamStatus: string, createdAt: string, model: string | null, tokenUsage: { inputTokens: number, outputTokens: number } | null };

export type SessionListItemFragment =
  | SessionListItem_EverrunsSession_Fragment
  | SessionListItem_FactorySession_Fragment
;

export type WatchSessionSubscriptionVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type WatchSessionSubscription = { sessionEvents:
    | { __typename: 'MessageAddedEvent', cursor: string, at: string, upstreamType: string, message: { id: string, role: MessageRole, text: string } }
    | { __typename: 'MessageDeltaEvent', delta: string, cursor: string, at: string, upstreamType: string }
    | { __typename: 'OtherEvent', cursor: string, at: string, upstreamType: string }
    | { __typename: 'SessionStateChangedEvent', state: SessionState, upstreamStatus: string, cursor: string, at: string, upstreamType: string }
    | { __typename: 'ToolCallCompletedEvent', cursor: string, at: string, upstreamType: string }
    | { __typename: 'ToolCallStartedEvent', cursor: string, at: string, upstreamType: string }
    | { __typename: 'TurnEndedEvent', outcome: TurnOutcome, error: string | null, cursor: string, at: string, upstreamType: string }
    | { __typename: 'TurnStartedEvent', cursor: string, at: string, upstreamType: string }
   };

export const MutationErrorFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MutationErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fieldErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UpstreamError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}}]}}]}}]} as unknown as DocumentNode<MutationErrorFieldsFragment, unknown>;
export const SessionCommonFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionCommon"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sourceId"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamStatus"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"tokenUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cacheReadTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cacheCreationTokens"}},{"kind":"Field","name":{"kind":"Name","value":"thinkingTokens"}}]}}]}}]} as unknown as DocumentNode<SessionCommonFragment, unknown>;
export const FactorySessionDetailFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FactorySessionDetail"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FactorySession"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"computerId"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"tagDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reasoningEffort"}},{"kind":"Field","name":{"kind":"Name","value":"interactionMode"}},{"kind":"Field","name":{"kind":"Name","value":"autonomyLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enabledToolIds"}},{"kind":"Field","name":{"kind":"Name","value":"disabledToolIds"}}]}}]}}]} as unknown as DocumentNode<FactorySessionDetailFragment, unknown>;
export const EverrunsSessionDetailFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EverrunsSessionDetail"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EverrunsSession"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organizationId"}},{"kind":"Field","name":{"kind":"Name","value":"agentId"}},{"kind":"Field","name":{"kind":"Name","value":"preview"}},{"kind":"Field","name":{"kind":"Name","value":"outputPreview"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"capabilities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ref"}},{"kind":"Field","name":{"kind":"Name","value":"config"}}]}}]}}]} as unknown as DocumentNode<EverrunsSessionDetailFragment, unknown>;
export const MessageItemFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamRole"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}},{"kind":"Field","name":{"kind":"Name","value":"parts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TextPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"text"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolCallPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"toolCallId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolResultPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"toolCallId"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ImagePart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"mediaType"}},{"kind":"Field","name":{"kind":"Name","value":"imageId"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"OtherPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"raw"}}]}}]}}]}}]} as unknown as DocumentNode<MessageItemFragment, unknown>;
export const SessionListItemFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionListItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamStatus"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"tokenUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}}]}}]}}]} as unknown as DocumentNode<SessionListItemFragment, unknown>;
export const CreateEverrunsSessionDocument = {"__meta__":{"hash":"sha256:a88ab946bb8b2ee6417d7276cec6eb0224331ba4a6b0b5133167d80a7390d580"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateEverrunsSession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateEverrunsSessionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createEverrunsSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EverrunsSessionPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"session"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MutationErrorFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MutationErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fieldErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UpstreamError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}}]}}]}}]} as unknown as DocumentNode<CreateEverrunsSessionMutation, CreateEverrunsSessionMutationVariables>;
export const CreateFactorySessionDocument = {"__meta__":{"hash":"sha256:5227eb24e6e2b4d01941a4f155ab535a4efbf64f38d38643a43c3bb9c805b880"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateFactorySession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateFactorySessionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createFactorySession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CreateFactorySessionPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"session"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"computerId"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MutationErrorFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MutationErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fieldErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UpstreamError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}}]}}]}}]} as unknown as DocumentNode<CreateFactorySessionMutation, CreateFactorySessionMutationVariables>;
export const SendMessageDocument = {"__meta__":{"hash":"sha256:47fb50aea63c0562ea73be4d0ca5335499367eec51fade7f9f5f17d9bda792bb"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SendMessage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sessionId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"text"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sendMessage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"sessionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sessionId"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"text"},"value":{"kind":"Variable","name":{"kind":"Name","value":"text"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SendMessagePayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sentMessage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MessageItem"}}]}},{"kind":"Field","name":{"kind":"Name","value":"session"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MutationErrorFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamRole"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}},{"kind":"Field","name":{"kind":"Name","value":"parts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TextPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"text"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolCallPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"toolCallId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolResultPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"toolCallId"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ImagePart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"mediaType"}},{"kind":"Field","name":{"kind":"Name","value":"imageId"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"OtherPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"raw"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MutationErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fieldErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UpstreamError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}}]}}]}}]} as unknown as DocumentNode<SendMessageMutation, SendMessageMutationVariables>;
export const InterruptSessionDocument = {"__meta__":{"hash":"sha256:62ae3938b78d3e8e9e84b0b068a53d8055791fbc4fdf25a3695496edbbe82165"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"InterruptSession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sessionId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"interruptSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"sessionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sessionId"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InterruptSessionPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"session"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MutationErrorFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MutationErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fieldErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UpstreamError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}}]}}]}}]} as unknown as DocumentNode<InterruptSessionMutation, InterruptSessionMutationVariables>;
export const SessionDetailDocument = {"__meta__":{"hash":"sha256:224dffde03556d52406f04e243c298830a5e6a23e45f1608f118f8f96c83edbc"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SessionDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"messages"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"before"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionCommon"}},{"kind":"Field","name":{"kind":"Name","value":"messages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"messages"}}},{"kind":"Argument","name":{"kind":"Name","value":"before"},"value":{"kind":"Variable","name":{"kind":"Name","value":"before"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MessageItem"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}}]}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FactorySession"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FactorySessionDetail"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EverrunsSession"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"EverrunsSessionDetail"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionCommon"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sourceId"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamStatus"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"tokenUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cacheReadTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cacheCreationTokens"}},{"kind":"Field","name":{"kind":"Name","value":"thinkingTokens"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamRole"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}},{"kind":"Field","name":{"kind":"Name","value":"parts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TextPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"text"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolCallPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"toolCallId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolResultPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"toolCallId"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ImagePart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"mediaType"}},{"kind":"Field","name":{"kind":"Name","value":"imageId"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"OtherPart"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"raw"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FactorySessionDetail"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FactorySession"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"computerId"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"tagDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reasoningEffort"}},{"kind":"Field","name":{"kind":"Name","value":"interactionMode"}},{"kind":"Field","name":{"kind":"Name","value":"autonomyLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enabledToolIds"}},{"kind":"Field","name":{"kind":"Name","value":"disabledToolIds"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EverrunsSessionDetail"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EverrunsSession"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organizationId"}},{"kind":"Field","name":{"kind":"Name","value":"agentId"}},{"kind":"Field","name":{"kind":"Name","value":"preview"}},{"kind":"Field","name":{"kind":"Name","value":"outputPreview"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"capabilities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ref"}},{"kind":"Field","name":{"kind":"Name","value":"config"}}]}}]}}]} as unknown as DocumentNode<SessionDetailQuery, SessionDetailQueryVariables>;
export const SessionListDocument = {"__meta__":{"hash":"sha256:60b4a466a1998ff33782b0a70104e4ea272e22270d398bd2973653b9fc059bba"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SessionList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"SessionFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sessions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionListItem"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unavailableSources"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionListItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamStatus"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"tokenUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}}]}}]}}]} as unknown as DocumentNode<SessionListQuery, SessionListQueryVariables>;
export const WatchSessionDocument = {"__meta__":{"hash":"sha256:7211f56941cadb20c2958a1117730d5d31d840e481c746d63ad83c9d75e1fc04"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"WatchSession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sessionEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"sessionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamType"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MessageAddedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MessageDeltaEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"delta"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TurnEndedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SessionStateChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamStatus"}}]}}]}}]}}]} as unknown as DocumentNode<WatchSessionSubscription, WatchSessionSubscriptionVariables>;
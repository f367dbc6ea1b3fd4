// Relay examples, compiled by relay-compiler against schema.graphql (test/relay.test.ts).
// A frontend imports `graphql` from 'react-relay'; the compiler only reads the tagged templates.
declare function graphql(strings: TemplateStringsArray): unknown;

/** Infinite scroll over the merged feed: usePaginationFragment(SessionFeed_query). */
export const SessionFeedFragment = graphql`
  fragment SessionFeed_query on Query
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }, filter: { type: "SessionFilter" })
  @refetchable(queryName: "SessionFeedPaginationQuery") {
    sessions(first: $count, after: $cursor, filter: $filter) @connection(key: "SessionFeed_sessions", filters: ["filter"]) {
      edges {
        node {
          id
          ...SessionRow_session
        }
      }
      unavailableSources
    }
  }
`;

/** Each source's own list, paged the Relay way (one @connection per refetchable fragment). */
export const FactoryListFragment = graphql`
  fragment SessionFeed_factory on Query
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }, computerId: { type: "String" })
  @refetchable(queryName: "FactorySessionsPaginationQuery") {
    factorySessions(first: $count, after: $cursor, computerId: $computerId) @connection(key: "SessionFeed_factorySessions") {
      edges { node { id ...SessionRow_session } }
    }
  }
`;

export const EverrunsListFragment = graphql`
  fragment SessionFeed_everruns on Query
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }, agentId: { type: "ID" })
  @refetchable(queryName: "EverrunsSessionsPaginationQuery") {
    everrunsSessions(first: $count, after: $cursor, agentId: $agentId) @connection(key: "SessionFeed_everrunsSessions") {
      totalCount
      edges { node { id ...SessionRow_session } }
    }
  }
`;

/** One row; refetchable by itself through `node`, since every Session is a Node. */
export const SessionRowFragment = graphql`
  fragment SessionRow_session on Session @refetchable(queryName: "SessionRowRefetchQuery") {
    id
    title
    state
    source
    createdAt
    model
  }
`;

/** A conversation, newest messages first loaded, older ones on demand: usePaginationFragment(SessionMessages_session). */
export const SessionMessagesFragment = graphql`
  fragment SessionMessages_session on Session
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" })
  @refetchable(queryName: "SessionMessagesPaginationQuery") {
    messages(last: $count, before: $cursor) @connection(key: "SessionMessages_messages") {
      edges {
        node {
          id
          role
          text
          createdAt
          isError
          parts {
            __typename
            ... on ToolCallPart { name arguments }
            ... on ToolResultPart { isError }
            ... on OtherPart { type raw }
          }
        }
      }
    }
  }
`;

/**
 * A detail page. `node` returns a Node, which may not be a Session, so Relay 21 wants the
 * Session fragment spread with @alias (an inline `... on Session { ...SessionRow_session }`
 * does not compile): `data.node.session` is null for anything else.
 */
export const SessionDetailQuery = graphql`
  query SessionFeedDetailQuery($id: ID!) {
    node(id: $id) {
      ...SessionRow_session @alias(as: "session")
      ...SessionMessages_session @alias(as: "conversation")
      ... on FactorySession {
        computerId
        messageCount
      }
      ... on EverrunsSession {
        agentId
        preview
      }
    }
  }
`;

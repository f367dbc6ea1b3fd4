/** The benchmark's GraphQL selections (the list-page fields), shared by run.ts and ab.ts. */

export const LIST_FIELDS = 'sourceId title upstreamStatus createdAt updatedAt model tokenUsage { inputTokens outputTokens }';
export const FACTORY = `factorySessions(first: $first) { edges { node { ${LIST_FIELDS} computerId messageCount } } }`;
export const EVERRUNS = `everrunsSessions(first: $first) { edges { node { ${LIST_FIELDS} agentId } } }`;
/** The detail page: one session with its first 50 messages (cases mf and me). */
export const DETAIL = `query M($id: ID!) { node(id: $id) { ... on Session { title state messages(first: 50) { edges { node { id role upstreamRole text createdAt isError } } pageInfo { hasNextPage endCursor } } } } }`;

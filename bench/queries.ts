/** The benchmark's GraphQL selections (the list-page fields), shared by run.ts and ab.ts. */

export const LIST_FIELDS = 'sourceId title upstreamStatus createdAt updatedAt model tokenUsage { inputTokens outputTokens }';
export const FACTORY = `factorySessions(first: $first) { edges { node { ${LIST_FIELDS} computerId messageCount } } }`;
export const EVERRUNS = `everrunsSessions(first: $first) { edges { node { ${LIST_FIELDS} agentId } } }`;

import { createServer } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createSchema, createYoga } from 'graphql-yoga';
import { everrunsDetail, everrunsPage, factoryDetail, factoryPage, type Json } from './floor-work.js';

/**
 * The ceiling: the floor's own work (bench/floor-work.ts) served by Yoga, configured as the
 * gateway configures it (graphql-jit, no landing page, no body-size stream, no Yoga logging),
 * with none of the gateway's plugins, sources, loaders or validation. Its ratio to the floor is
 * the most a gateway on this request path can read; the gateway's distance below it is the cost
 * of its own code. For `npm run bench:ab` (entry `ceiling`); cases t, b, bv, c, mf and me.
 */

const typeDefs = /* GraphQL */ `
  interface Node {
    id: ID!
  }
  interface Session {
    title: String
    state: String!
    messages(first: Int): MessageConnection
  }
  type FactorySession implements Node & Session {
    id: ID!
    title: String
    state: String!
    messages(first: Int): MessageConnection
  }
  type EverrunsSession implements Node & Session {
    id: ID!
    title: String
    state: String!
    messages(first: Int): MessageConnection
  }
  type Message {
    id: ID!
    role: String!
    upstreamRole: String!
    text: String!
    createdAt: String!
    isError: Boolean!
  }
  type MessageEdge {
    node: Message!
  }
  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
  type MessageConnection {
    edges: [MessageEdge!]!
    pageInfo: PageInfo!
  }
  type TokenUsage {
    inputTokens: Float!
    outputTokens: Float!
  }
  type ListedSession {
    sourceId: String!
    title: String
    upstreamStatus: String!
    createdAt: String!
    updatedAt: String!
    model: String
    tokenUsage: TokenUsage
    computerId: String
    messageCount: Int
    agentId: String
  }
  type SessionEdge {
    node: ListedSession!
  }
  type SessionConnection {
    edges: [SessionEdge!]!
  }
  type Query {
    node(id: ID!): Node
    factorySessions(first: Int): SessionConnection
    everrunsSessions(first: Int): SessionConnection
  }
`;

/** The session type a global id (base64 of `Type:id`) names. */
const typeOf = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[0];

const schema = createSchema({
  typeDefs,
  resolvers: {
    Node: { __resolveType: (value: Json) => value.__typename },
    Session: { __resolveType: (value: Json) => value.__typename },
    Query: {
      node: async (_root: unknown, { id }: { id: string }) =>
        typeOf(id) === 'FactorySession'
          ? { __typename: 'FactorySession', ...(await factoryDetail(id)) }
          : { __typename: 'EverrunsSession', ...(await everrunsDetail(id)) },
      factorySessions: (_root: unknown, { first }: { first?: number | null }) => factoryPage(first ?? 50),
      everrunsSessions: (_root: unknown, { first }: { first?: number | null }) => everrunsPage(first ?? 50),
    },
  },
});

const yoga = createYoga({
  schema,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
  maxRequestBodySize: false,
  logging: false,
  maskedErrors: { isDev: false },
  plugins: [useGraphQlJit()],
});

const server = createServer(yoga);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stderr.write(`ceiling at http://127.0.0.1:${port}/graphql\n`);
});

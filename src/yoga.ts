import type { IncomingMessage, ServerResponse } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type DocumentNode, type ExecutionResult, GraphQLError, Kind } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';
import { createContext, type GraphQLContext } from './context.js';
import { createNodeListener, type GatewayServerContext } from './fast-path.js';
import { graphiqlAsset, renderLocalGraphiQL } from './graphiql.js';
import { log } from './log.js';
import { createObservability } from './plugins/observability.js';
import { requestGuards } from './plugins/request-guards.js';
import { exposeError, located, normalizeError, rootCause } from './schema/errors.js';
import { schema, subgraphSchema } from './schema/index.js';
import { createUpstreams, type UpstreamSet } from './upstreams.js';

/** A gateway: the Yoga instance (a fetch handler and a Node request listener) and its pools. */
export interface Gateway {
  readonly yoga: YogaServerInstance<GatewayServerContext, GraphQLContext>;
  /** The Node request listener to serve: Yoga, with a fast path for JSON POSTs (src/fast-path.ts). */
  readonly listener: (request: IncomingMessage, response: ServerResponse) => void;
  /** Prometheus metrics of this gateway (also served at /metrics). */
  readonly metrics: Registry;
  /** Closes the upstream connection pools. */
  close(): Promise<void>;
}

const GRAPHQL_ENDPOINT = '/graphql';

/** What GraphiQL opens with: works in demo mode as it stands. */
export const GRAPHIQL_DEFAULT_QUERY = `# sessiongraph: Factory and Everruns sessions in one graph.
query RecentSessions {
  factorySessions(first: 5) {
    edges { node { id title state upstreamStatus createdAt model computerId } }
    pageInfo { hasNextPage endCursor }
  }
  everrunsSessions(first: 5) {
    totalCount
    edges { node { id title state upstreamStatus createdAt agentId tokenUsage { inputTokens outputTokens } } }
  }
}
`;

/** Creates the gateway for a configuration; sources that are not configured answer coded errors. */
export function createGateway(config: GatewayConfig): Gateway {
  let http: UpstreamSet | null = null;
  const observability = createObservability(() => ({
    FACTORY: http?.factoryHttp?.breaker.state ?? 'off',
    EVERRUNS: http?.everrunsHttp?.breaker.state ?? 'off',
  }));
  http = createUpstreams(config, observability.hooks);
  const { factoryHttp, everrunsHttp, upstreams } = http;

  // Unexpected errors are always masked (no stack or upstream detail), and logged here instead.
  const maskUnexpected = (error: unknown, message: string): Error => {
    const exposed = exposeError(rootCause(error));
    if (exposed) return located(error, exposed.message, exposed.extensions);
    // Yoga's own request errors (bad JSON, bad method...) are safe as they are.
    if (error instanceof GraphQLError && !error.originalError) return error;
    log('error', 'unexpected error in a resolver', { error: describe(error) });
    return maskError(error, message, false);
  };

  const yoga = createYoga<GatewayServerContext, GraphQLContext>({
    schema: config.subgraph ? subgraphSchema() : schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    landingPage: false,
    // requestGuards enforces maxBodyBytes without Yoga's per-request stream wrapper.
    maxRequestBodySize: false,
    logging: false,
    graphiql: config.graphiql ? { title: 'sessiongraph', defaultQuery: GRAPHIQL_DEFAULT_QUERY } : false,
    renderGraphiQL: renderLocalGraphiQL,
    context: ({ request, head }) => createContext(upstreams, config, head ?? request),
    plugins: [
      // Compiled execution: the resolvers are the same, the per-field overhead of graphql-js is not.
      ...(config.jit ? [useGraphQlJit({}, { enableIf: ({ document }) => operationCount(document) === 1 })] : []),
      observability.plugin,
      ...requestGuards(config),
      {
        // GraphiQL's scripts and styles, from this server rather than a CDN.
        onRequest: ({ url, endResponse, fetchAPI }: GraphiqlRequest) => {
          if (!config.graphiql) return;
          // Browsers ask for a favicon on every GraphiQL visit; answer it instead of a 404.
          if (url.pathname === '/favicon.ico') return endResponse(new fetchAPI.Response(null, { status: 204 }));
          const asset = graphiqlAsset(url.pathname);
          if (asset) {
            endResponse(
              new fetchAPI.Response(new Uint8Array(asset.body), {
                headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400' },
              }),
            );
          }
        },
      },
      {
        // Appends the errors of fields that answered partially (see `reportPartialFailure`).
        onExecute: ({ args }: { args: { contextValue: GraphQLContext } }) => ({
          onExecuteDone: ({ result, setResult }: ExecuteDone) => {
            if (Symbol.asyncIterator in result) return;
            const extra = args.contextValue.partialErrors;
            // graphql-jit's errors are not graphql-js GraphQLErrors: Yoga would take them for crashes.
            const errors = [...(result.errors ?? []).map(normalizeError), ...extra];
            if (errors.length > 0) setResult({ ...result, errors });
          },
        }),
      },
    ],
    maskedErrors: { isDev: false, maskError: maskUnexpected },
  });

  return {
    yoga,
    listener: createNodeListener({
      yoga,
      endpoint: GRAPHQL_ENDPOINT,
      limits: config.limits,
      begin: observability.begin,
      finish: observability.finish,
      maskError: maskUnexpected,
    }),
    metrics: observability.registry,
    close: async () => {
      await Promise.all([factoryHttp?.close(), everrunsHttp?.close()]);
    },
  };
}

/**
 * The plugin caches one compiled operation per document, whatever `operationName` picked it:
 * a document of several operations would run the first one compiled. graphql-js runs those.
 */
function operationCount(document: DocumentNode): number {
  let count = 0;
  for (const definition of document.definitions) if (definition.kind === Kind.OPERATION_DEFINITION) count += 1;
  return count;
}

function describe(error: unknown): string {
  const original = rootCause(error);
  return original instanceof Error ? `${original.name}: ${original.message}` : String(original);
}

interface ExecuteDone {
  readonly result: ExecutionResult | AsyncIterable<ExecutionResult>;
  readonly setResult: (result: ExecutionResult) => void;
}

interface GraphiqlRequest {
  readonly url: URL;
  readonly endResponse: (response: Response) => void;
  readonly fetchAPI: { readonly Response: typeof Response };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type DocumentNode, type ExecutionResult, GraphQLError, Kind } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';
import { createContext, type GraphQLContext, type RequestHead } from './context.js';
import { createNodeListener, type GatewayServerContext } from './fast-path.js';
import { graphiqlAsset, renderLocalGraphiQL } from './graphiql.js';
import { log } from './log.js';
import { createObservability } from './plugins/observability.js';
import { overNodeLimit } from './plugins/query-limits.js';
import { requestGuards } from './plugins/request-guards.js';
import { EXECUTION_HOOKS, executionHooks, PreparedOperations } from './prepared.js';
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
  /** Prepared operations (src/prepared.ts), or null when the plugins are not the ones they replay. */
  readonly prepared: PreparedOperations | null;
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
  // The same masking for the fast path and prepared operations, which put errors in results.
  const maskAsGraphQLError = (error: unknown, message: string): GraphQLError =>
    asGraphQLError(maskUnexpected(error, message));

  const served = config.subgraph ? subgraphSchema() : schema;
  // Yoga's context option; prepared operations (src/prepared.ts) build their context with it too.
  const contextFactory = ({ request, head }: { request?: RequestHead; head?: RequestHead }): GraphQLContext => {
    const from = head ?? request;
    if (!from) throw new Error('a GraphQL request without its HTTP request');
    return createContext(upstreams, config, from);
  };

  // The whole plugin list as envelop runs it (Yoga's own plugins around ours), for `executionHooks`.
  let registered: readonly unknown[] = [];
  const listPlugins = {
    onPluginInit({ plugins }: { plugins: readonly unknown[] }) {
      registered = plugins;
    },
  };

  const yoga = createYoga<GatewayServerContext, GraphQLContext>({
    schema: served,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    landingPage: false,
    // requestGuards enforces maxBodyBytes without Yoga's per-request stream wrapper.
    maxRequestBodySize: config.limits.maxBodyBytes,
    logging: false,
    graphiql: config.graphiql ? { title: 'sessiongraph', defaultQuery: GRAPHIQL_DEFAULT_QUERY } : false,
    renderGraphiQL: renderLocalGraphiQL,
    context: contextFactory,
    plugins: [
      listPlugins,
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
            const changed = withPartialErrors(result, args.contextValue);
            if (changed) setResult(changed);
          },
        }),
      },
    ],
    maskedErrors: { isDev: false, maskError: maskUnexpected },
  });

  // Prepared operations skip envelop for documents it has validated, only while the plugins
  // are the ones they were written for (with graphql-jit; src/prepared.ts).
  const prepared =
    config.jit && executionHooks(registered) === EXECUTION_HOOKS
      ? new PreparedOperations({
          schema: served,
          observe: observability.observeExecution,
          refuse: (args) => overNodeLimit(args, config.limits.maxNodes),
          withPartialErrors,
          mask: maskAsGraphQLError,
        })
      : null;

  return {
    yoga,
    prepared,
    listener: createNodeListener({
      yoga,
      endpoint: GRAPHQL_ENDPOINT,
      limits: config.limits,
      begin: observability.begin,
      finish: observability.finish,
      maskError: maskAsGraphQLError,
      prepared,
      context: contextFactory,
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

/**
 * A result with the errors of fields that answered partially (see `reportPartialFailure`)
 * appended, or null when there is nothing to change.
 */
function withPartialErrors(result: ExecutionResult, context: GraphQLContext): ExecutionResult | null {
  // graphql-jit's errors are not graphql-js GraphQLErrors: Yoga would take them for crashes.
  const errors = [...(result.errors ?? []).map(normalizeError), ...context.partialErrors];
  return errors.length > 0 ? { ...result, errors } : null;
}

/** Yoga's masking answers GraphQL errors; the type says Error. */
function asGraphQLError(error: Error): GraphQLError {
  return error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error });
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

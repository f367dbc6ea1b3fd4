import { IncomingMessage, ServerResponse } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { type DocumentNode, GraphQLError, Kind, type SelectionSetNode, subscribe } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaInitialContext, type YogaServerInstance } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';
import { createContext, type GraphQLContext, SocketOperation, type Transport } from './context.js';
import { CursorCodec } from './cursor.js';
import { GRAPHIQL_DEFAULT_QUERY, graphiqlAsset, renderLocalGraphiQL } from './graphiql.js';
import { LiveHub } from './live/hub.js';
import { log } from './log.js';
import { createObservability, type SocketOperationRecord } from './plugins/observability.js';
import { usePartialErrors } from './plugins/partial-errors.js';
import { PersistedDocuments, usePersistedDocuments } from './plugins/persisted-documents.js';
import { NOT_ACCEPTABLE, requestGuards } from './plugins/request-guards.js';
import type { Tracing } from './plugins/tracing.js';
import { exposeError, located, rootCause } from './schema/errors.js';
import { schema, subgraphSchema } from './schema/index.js';
import { createUpstreams, type Upstreams } from './upstreams.js';

/** The gateway's Yoga: a Fetch handler and, as it stands, the Node request listener to serve. */
export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** A gateway: its Yoga instance, its metrics and its upstream pools. */
export interface Gateway {
  /** Every request of every transport goes through this instance and its plugins. */
  readonly yoga: GatewayYoga;
  /** Prometheus metrics of this gateway (also served at /metrics). */
  readonly metrics: Registry;
  /** Subscriptions' shared upstream work. */
  readonly live: LiveHub;
  /** Trusted documents: the WebSocket transport resolves document ids through it. */
  readonly documents: PersistedDocuments;
  /** Whether a browser page of this origin may call (CORS_ORIGINS); `host` is the request's own. */
  allowsOrigin(origin: string | undefined, host: string | undefined): boolean;
  /** The largest WebSocket message taken (MAX_BODY_BYTES, as for an HTTP body). */
  readonly maxMessageBytes: number;
  /** Starts the accounting (metrics, log line) of one WebSocket operation. */
  socketOperation(): SocketOperationRecord;
  /** OpenTelemetry tracing; null when `OTEL_EXPORTER_OTLP_ENDPOINT` is unset (nothing is added). */
  readonly tracing: Tracing | null;
  /** Completes open subscriptions, closes the upstream connection pools and exports buffered spans. */
  close(): Promise<void>;
}

/** Yoga's message for a masked error (its `maskedErrors.errorMessage` default). */
const UNEXPECTED_ERROR = 'Unexpected error.';

/** The path GraphQL (and GraphiQL) is served at. */
export const GRAPHQL_ENDPOINT = '/graphql';

/**
 * Creates the gateway for a configuration, with tracing when it is configured: the tracing code
 * (OpenTelemetry's SDK and exporter) is loaded only then, so an untraced process never holds it.
 */
export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  if (!config.tracing) return createGateway(config);
  const { createTracing } = await import('./plugins/tracing.js');
  return createGateway(config, createTracing(config.tracing, GRAPHQL_ENDPOINT));
}

/**
 * Creates the gateway for a configuration; sources that are not configured answer coded errors.
 * `tracing` is what `startGateway` loads when `config.tracing` is set.
 * @throws Error when the configuration asks for tracing and none is given
 */
export function createGateway(config: GatewayConfig, tracing: Tracing | null = null): Gateway {
  if (config.tracing && !tracing) throw new Error('tracing is configured: create the gateway with startGateway');
  let upstreams: Upstreams | null = null;
  const observability = createObservability(() => upstreams?.health() ?? {}, GRAPHQL_ENDPOINT);
  const created = createUpstreams(
    config,
    tracing ? { ...observability.hooks, tracer: tracing.upstream } : observability.hooks,
  );
  upstreams = created;
  const documents = PersistedDocuments.load(
    config.persistedDocuments.mode,
    config.persistedDocuments.path,
    observability.persistedDocument,
  );
  const live = new LiveHub(
    {
      ...config.live,
      callTimeoutMs: config.resilience.requestDeadlineMs,
      retriesPerCall: config.resilience.retriesPerRequest,
      ...(tracing ? { detach: tracing.detach } : {}),
    },
    observability.live,
  );
  const served = config.subgraph ? subgraphSchema() : schema;

  // Unexpected errors are always masked (no stack or upstream detail), and logged here instead.
  const maskUnexpected = (error: unknown, message: string): Error => {
    const exposed = exposeError(rootCause(error));
    if (exposed) return located(error, exposed.message, exposed.extensions);
    // Yoga's own request errors and our coded GraphQLErrors (bad input, limits) are safe as they are.
    if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
      return error;
    }
    log('error', 'unexpected error in a resolver', { error: describe(error) });
    return maskError(error, message, false);
  };

  const cursors = new CursorCodec(config.cursorSecret);
  const yoga: GatewayYoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema: tracing ? tracing.schema(served) : served,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    landingPage: false,
    // requestGuards' useBodyLimit instead: Yoga's option streams every body through a counter.
    maxRequestBodySize: false,
    logging: false,
    // GraphiQL subscribes with a GET (SSE): the CSRF header lets CSRF prevention accept it.
    graphiql: config.graphiql
      ? {
          title: 'sessiongraph',
          defaultQuery: GRAPHIQL_DEFAULT_QUERY,
          additionalHeaders: { 'x-graphql-yoga-csrf': 'graphiql' },
        }
      : false,
    renderGraphiQL: renderLocalGraphiQL,
    // Requests without a key header use the configured keys: only listed origins may call cross-site.
    cors: corsOptions(config.corsOrigins),
    context: (initial) => {
      const ws = initial.ws;
      if (ws instanceof SocketOperation) return createContext(created, config, ws.head, live, ws.transport, cursors);
      return createContext(
        created,
        config,
        initial.request,
        live,
        httpTransport(initial.req, initial.res, initial.request),
        cursors,
      );
    },
    plugins: [
      // Compiled execution: the resolvers are the same, the per-field overhead of graphql-js is not.
      ...(config.jit ? [useGraphQlJit({}, { enableIf: ({ document }) => jitServes(document) })] : []),
      // @defer and @stream, answered incrementally (multipart/mixed or SSE); graphql-js runs those.
      useDeferStream(),
      usePlainSubscribe(),
      useStreamsNeedAccept(),
      observability.plugin,
      ...requestGuards(config),
      ...usePersistedDocuments(documents),
      ...(config.graphiql ? [useLocalGraphiqlAssets()] : []),
      usePartialErrors((error) => maskUnexpected(error, UNEXPECTED_ERROR)),
      // After the guards and the partial errors: the log line has the codes they answer with.
      observability.outcome,
      // Last: the execute span wraps jit's execution and sees the partial errors appended above.
      ...(tracing?.plugins ?? []),
    ],
    maskedErrors: { isDev: false, maskError: maskUnexpected },
  });

  return {
    yoga,
    live,
    documents,
    allowsOrigin: (origin, host) => originAllowed(config.corsOrigins, origin, host),
    maxMessageBytes: config.limits.maxBodyBytes,
    socketOperation: observability.socketOperation,
    metrics: observability.registry,
    tracing,
    close: async () => {
      live.close();
      await created.close();
      await tracing?.close();
    },
  };
}

/** Yoga's CORS option: none when no origin is listed (same-origin pages need none). */
function corsOptions(origins: readonly string[]): false | { origin: string[]; credentials: boolean } {
  return origins.length === 0 ? false : { origin: [...origins], credentials: true };
}

/** No Origin (not a browser), the page's own origin, or a listed one (`*`: any). */
export function originAllowed(
  origins: readonly string[],
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (origin === undefined || origins.includes('*') || origins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** An HTTP request's connection (its socket under Node's listener) and what is queued to it. */
function httpTransport(req: unknown, res: unknown, request: object): Transport {
  const connection = req instanceof IncomingMessage ? req.socket : request;
  return {
    connection,
    unsentBytes: () => (res instanceof ServerResponse ? res.writableLength : 0),
  };
}

/** GraphiQL's scripts and styles from this server rather than a CDN, compressed as the browser accepts. */
function useLocalGraphiqlAssets(): Plugin {
  const assets = new WeakSet<Response>();
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      // Browsers ask for a favicon on every GraphiQL visit; answer it instead of a 404.
      if (url.pathname === '/favicon.ico') return endResponse(new fetchAPI.Response(null, { status: 204 }));
      const asset = graphiqlAsset(url.pathname, request.headers.get('accept-encoding'));
      if (!asset) return;
      const headers: Record<string, string> = {
        'content-type': asset.contentType,
        'cache-control': 'public, max-age=86400',
        vary: 'accept-encoding',
      };
      if (asset.encoding !== 'identity') headers['content-encoding'] = asset.encoding;
      return asset.body.then((body) => {
        const response = new fetchAPI.Response(body, { headers });
        assets.add(response);
        endResponse(response);
      });
    },
    onResponse({ response }) {
      if (!assets.has(response)) return;
      // CORS answers a request with an Origin with `vary: Origin`, replacing ours: a cache needs both.
      const vary = response.headers.get('vary');
      if (!vary?.toLowerCase().includes('accept-encoding')) {
        response.headers.set('vary', vary ? `${vary}, accept-encoding` : 'accept-encoding');
      }
    },
  };
}

/**
 * Subscriptions without @defer or @stream run on graphql-js's own `subscribe`: it maps each
 * event to one execution, without the flattening of incremental payloads Yoga's executor adds.
 * A request graphql-js refuses before any resolver ran (bad variables, no root field) goes to
 * Yoga's executor instead, which answers it with its codes and HTTP status.
 */
function usePlainSubscribe(): Plugin {
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      if (incremental(args.document)) return;
      setSubscribeFn(async (plain) => {
        let result: Awaited<ReturnType<typeof subscribe>>;
        try {
          result = await subscribe(plain);
        } catch {
          // graphql-js throws only before the subscribe resolver runs (its errors come back located).
          return subscribeFn(plain);
        }
        if (Symbol.asyncIterator in result) return result;
        return result.errors?.some((error) => error.path !== undefined) ? result : subscribeFn(plain);
      });
    },
  };
}

/** Media ranges of `Accept` that a stream (multipart/mixed or text/event-stream) can answer. */
const STREAM_RANGES = new Set(['*/*', 'multipart/*', 'multipart/mixed', 'text/*', 'text/event-stream']);

/**
 * Refuses a streamed operation over HTTP whose `Accept` no stream can answer, before it runs:
 * Yoga picks the answer's format after execution, when a mutation has already been sent
 * upstream and a subscription has already started its upstream work.
 */
function useStreamsNeedAccept(): Plugin<GraphQLContext> {
  const refuse = (args: { readonly document: DocumentNode; readonly contextValue: YogaInitialContext & object }) => {
    // A WebSocket operation streams whatever its head says; only HTTP negotiates the answer.
    if (!streamed(args.document) || ('ws' in args.contextValue && args.contextValue.ws instanceof SocketOperation)) {
      return null;
    }
    const accept = args.contextValue.request?.headers.get('accept') ?? null;
    if (accept === null) return null;
    const ranges = accept.split(',').map((range) => (range.split(';')[0] ?? '').trim().toLowerCase());
    if (ranges.some((range) => STREAM_RANGES.has(range))) return null;
    return new GraphQLError(NOT_ACCEPTABLE.message, {
      extensions: { code: NOT_ACCEPTABLE.code, http: { status: 406 } },
    });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = refuse(args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = refuse(args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}

/** What the plugins ask of a document, worked out once per document (Yoga's parse cache reuses them). */
interface DocumentTraits {
  /** graphql-jit runs it. */
  readonly jit: boolean;
  /** It answers as a stream: a subscription, or `@defer`/`@stream`. */
  readonly streamed: boolean;
}

const traits = new WeakMap<DocumentNode, DocumentTraits>();

/**
 * The plugin caches one compiled operation per document, whatever `operationName` picked it:
 * a document of several operations would run the first one compiled; and graphql-jit's
 * subscribe does not pass arguments to `subscribe` resolvers. graphql-js runs those, and
 * documents with `@defer` or `@stream` (graphql-jit runs them whole, in one payload).
 */
function traitsOf(document: DocumentNode): DocumentTraits {
  let known = traits.get(document);
  if (known === undefined) {
    let operations = 0;
    let subscription = false;
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      operations += 1;
      if (definition.operation === 'subscription') subscription = true;
    }
    const deferred = incremental(document);
    known = { jit: operations === 1 && !subscription && !deferred, streamed: subscription || deferred };
    traits.set(document, known);
  }
  return known;
}

const jitServes = (document: DocumentNode): boolean => traitsOf(document).jit;
const streamed = (document: DocumentNode): boolean => traitsOf(document).streamed;

/** Whether any selection of a document (fragments included) carries `@defer` or `@stream`. */
function incremental(document: DocumentNode): boolean {
  const pending: SelectionSetNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      pending.push(definition.selectionSet);
    }
  }
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      for (const directive of selection.directives ?? []) {
        const name = directive.name.value;
        if (name === 'defer' || name === 'stream') return true;
      }
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
  return false;
}

function describe(error: unknown): string {
  const original = rootCause(error);
  return original instanceof Error ? `${original.name}: ${original.message}` : String(original);
}

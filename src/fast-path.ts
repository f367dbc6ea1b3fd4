import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';
import { type ExecutionResult, type GraphQLError, getOperationAST } from 'graphql';
import { processRegularResult, type YogaServerInstance } from 'graphql-yoga';
import type { GatewayConfig } from './config.js';
import type { GraphQLContext, RequestHead } from './context.js';
import type { PreparedOperations } from './prepared.js';
import { CallCancel } from './sources/http.js';

/** The server context of the gateway's Yoga: the fast path passes its view of the request. */
export interface GatewayServerContext {
  readonly head?: RequestHead;
}

type GatewayYoga = YogaServerInstance<GatewayServerContext, GraphQLContext>;

/** The media types of Yoga's processor for single results, in its order. */
const REGULAR_TYPES = ['application/graphql-response+json', 'application/json'] as const;
type RegularType = (typeof REGULAR_TYPES)[number];

const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);

/** A request body Yoga would take as one operation's parameters, as it stands. */
interface Params {
  readonly query: string;
  readonly variables?: Record<string, unknown> | null;
  readonly operationName?: string | null;
  readonly extensions?: Record<string, unknown> | null;
}

/**
 * The media type Yoga would answer a single result with for this Accept header, or null when
 * Yoga would not use its regular processor. Yoga walks its processors (SSE, multipart, then
 * regular) and, for each, the requested types in reverse order: the last match wins, so the
 * regular processor wins whenever one of its types matches, with the last of them.
 */
export function regularMediaType(accept: string | undefined): RegularType | null {
  const key = accept ?? '';
  const known = mediaTypes.get(key);
  if (known !== undefined) return known;
  const chosen = negotiate(accept);
  // Clients send few distinct Accept headers; the bound keeps odd ones from growing the map.
  if (mediaTypes.size >= 256) mediaTypes.clear();
  mediaTypes.set(key, chosen);
  return chosen;
}

/** Remembered answers of `negotiate`: it splits and scans the header, ~4 µs a request at one connection. */
const mediaTypes = new Map<string, RegularType | null>();

function negotiate(accept: string | undefined): RegularType | null {
  let chosen: RegularType | null = null;
  const requested = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',').reverse();
  for (const entry of requested) {
    const [type = '', ...params] = entry.split(';');
    if ((params.find((param) => param.includes('charset=')) ?? 'charset=utf-8') !== 'charset=utf-8') continue;
    const [pre, suf] = type.split('/');
    for (const candidate of REGULAR_TYPES) {
      const [candidatePre, candidateSuf] = candidate.split('/');
      if ((pre === '*' || pre === candidatePre) && (suf === '*' || suf === candidateSuf)) chosen = candidate;
    }
  }
  return chosen;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body as Yoga's JSON parser and parameter checks would accept it, or null (Yoga answers). */
function paramsOf(text: string): Params | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(body)) return null;
  for (const key in body) if (body[key] != null && !PARAM_NAMES.has(key)) return null;
  const { query, variables, operationName, extensions } = body;
  if (typeof query !== 'string') return null;
  if (variables != null && !isObject(variables)) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (extensions != null && !isObject(extensions)) return null;
  return { query, variables, operationName, extensions };
}

function headerOf(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.join(', ');
}

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === 'application/json') return true;
  const normalized = value.replace(/\s/g, '').toLowerCase();
  return normalized === 'application/json' || normalized === 'application/json;charset=utf-8';
}

export interface FastPathOptions {
  readonly yoga: GatewayYoga;
  readonly endpoint: string;
  readonly limits: GatewayConfig['limits'];
  /** Starts and ends a request's log line and metrics (the observability plugin's, outside Yoga's hooks). */
  readonly begin: (serverContext: object) => void;
  readonly finish: (serverContext: object, status: number, via: 'fast-path') => void;
  /** Yoga's error masking, for an error thrown past validation (Yoga's own handler is internal). */
  readonly maskError: (error: unknown, message: string) => GraphQLError;
  /** Documents envelop has validated, run without it (src/prepared.ts); null: always envelop. */
  readonly prepared: PreparedOperations | null;
  /** Yoga's context option, for prepared operations. */
  readonly context: (serverContext: { readonly head: RequestHead }) => GraphQLContext;
}

/**
 * The gateway's Node request listener. A JSON POST to the endpoint whose operation parses and
 * validates runs through Yoga's envelop (the same plugins: parse and validation caches, query
 * limits, graphql-jit, error masking, partial errors, the request record), or, when envelop has
 * validated the same document before, as a prepared operation (src/prepared.ts: the same steps
 * without envelop), and Yoga's own result processor, but not through Yoga's Fetch-API layer: no
 * Request and Headers objects, body stream, request-parser and hook chains per request. That
 * layer cost ~0.06-0.07 ms of CPU per request at one connection, against 0.07 ms for a whole
 * bare `node:http` answer (tmp measurement, README). Anything else, and any request the fast
 * path is not sure to answer as Yoga would (an Origin header, another content type or Accept,
 * a body Yoga would refuse, a parse or validation error), goes to Yoga unchanged;
 * test/fast-path.test.ts compares the two answers request by request.
 */
export function createNodeListener(
  options: FastPathOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { yoga, limits } = options;

  const toYoga = (request: IncomingMessage, response: ServerResponse, body: string): void => {
    // The body has been read: Yoga gets a Fetch-API request with it, linked to the client.
    const headers = new yoga.fetchAPI.Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.append(name, value);
      else if (value !== undefined) for (const item of value) headers.append(name, item);
    }
    const controller = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) controller.abort();
    });
    const url = `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
    const fetchRequest = new yoga.fetchAPI.Request(url, {
      method: request.method,
      headers,
      body,
      signal: controller.signal,
    });
    Promise.resolve(yoga.handleRequest(fetchRequest, {}))
      .then((answer) => sendNodeResponse(answer, response, request, true))
      .catch(() => response.destroy());
  };

  const serve = async (request: IncomingMessage, response: ServerResponse, body: string, type: RegularType) => {
    const params = paramsOf(body);
    if (params === null || Buffer.byteLength(params.query) > limits.maxDocumentBytes) {
      return toYoga(request, response, body);
    }
    const cancel = new CallCancel();
    response.once('close', () => {
      if (!response.writableFinished) cancel.abort();
    });
    const head = {
      method: 'POST',
      headers: { get: (name: string) => headerOf(request, name.toLowerCase()) },
      signal: cancel,
    };
    // `request` too: Yoga's envelop plugins look for one to know the operation came over HTTP
    // (usePreventMutationViaGET gives parse errors their code and 400 status only then).
    const serverContext = { head, request: head, params };
    // Before envelop sees the context, as Yoga's onRequest would (a request handed to Yoga
    // below is begun again on Yoga's own context; this record is then dropped unlogged).
    options.begin(serverContext);
    const prepared = options.prepared?.get(params.query, params.operationName);
    if (prepared && options.prepared) {
      let result: Parameters<typeof processRegularResult>[0];
      try {
        // As Yoga's context hook does: the server context, extended with the gateway's.
        const contextValue = Object.assign(serverContext, options.context(serverContext));
        result = await options.prepared.execute(prepared, contextValue, params.variables, params.operationName);
      } catch (error) {
        result = { errors: [options.maskError(error, 'Unexpected error.')] } satisfies ExecutionResult;
      }
      return answer(request, response, serverContext, result, type);
    }
    const enveloped = yoga.getEnveloped(serverContext);
    let document: ReturnType<typeof enveloped.parse>;
    try {
      document = enveloped.parse(params.query);
    } catch {
      return toYoga(request, response, body);
    }
    if (enveloped.validate(enveloped.schema, document).length > 0) return toYoga(request, response, body);
    const operation = getOperationAST(document, params.operationName);
    if (!operation || operation.operation === 'subscription') return toYoga(request, response, body);
    options.prepared?.remember(params.query, document, operation);

    let result: Parameters<typeof processRegularResult>[0];
    try {
      const contextValue = await enveloped.contextFactory();
      result = await enveloped.execute({
        schema: enveloped.schema,
        document,
        contextValue,
        variableValues: params.variables,
        operationName: params.operationName,
      });
    } catch (error) {
      result = { errors: [options.maskError(error, 'Unexpected error.')] } satisfies ExecutionResult;
    }
    return answer(request, response, serverContext, result, type);
  };

  /** Writes a result as Yoga's processor for single results would. */
  const answer = async (
    request: IncomingMessage,
    response: ServerResponse,
    serverContext: object,
    result: Parameters<typeof processRegularResult>[0],
    type: RegularType,
  ): Promise<void> => {
    // Node writes the answer on the next tick (res.end corks the socket until then); the metrics
    // and the log line are queued after that write, so the client does not wait for them
    // (~10 µs a request at one connection).
    const text = plainAnswer(result);
    if (text !== null) {
      response.writeHead(200, { 'Content-Type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
      response.end(text);
      process.nextTick(() => options.finish(serverContext, 200, 'fast-path'));
      return;
    }
    const processed = processRegularResult(result, yoga.fetchAPI, type);
    const sent = sendNodeResponse(processed, response, request, true);
    process.nextTick(() => options.finish(serverContext, processed.status, 'fast-path'));
    await sent;
  };

  return (request, response) => {
    const type = regularMediaType(request.headers.accept);
    const length = Number(request.headers['content-length']);
    if (
      request.method !== 'POST' ||
      request.url !== options.endpoint ||
      type === null ||
      !isJsonContentType(request.headers['content-type']) ||
      // A browser's request (CORS headers), a compressed or unsized body: Yoga's.
      request.headers.origin !== undefined ||
      request.headers['content-encoding'] !== undefined ||
      !(length >= 0 && length <= limits.maxBodyBytes)
    ) {
      yoga.requestListener(request, response);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0]?.toString('utf8') ?? '') : Buffer.concat(chunks).toString('utf8');
      serve(request, response, body, type).catch(() => response.destroy());
    });
  };
}

/**
 * The answer text of a result with data and nothing else, or null. For such a result Yoga's
 * `processRegularResult` answers 200 with its media type and the result's own serialisation
 * (errors and `extensions.http` are what it would adjust). The fast path writes that directly,
 * without Yoga's Response, Headers and body buffer (~15 KB less garbage per list page).
 * Anything else goes through Yoga's processor; test/fast-path.test.ts compares the answers.
 */
function plainAnswer(result: Parameters<typeof processRegularResult>[0]): string | null {
  if (Array.isArray(result) || Symbol.asyncIterator in result) return null;
  if (result.errors !== undefined || result.extensions !== undefined) return null;
  return (result.stringify ?? JSON.stringify)(result);
}

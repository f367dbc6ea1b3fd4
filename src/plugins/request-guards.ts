import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayConfig } from '../config.js';
import { KEY_HEADERS } from '../context.js';
import { armorLimits, useQueryLimits } from './query-limits.js';

/** Header any non-browser client may send to pass CSRF prevention on GET requests. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  403: 'CSRF_HEADER_REQUIRED',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'REQUEST_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const STATUS_MESSAGES: Readonly<Record<number, string>> = {
  403: `Refused as a possible cross-site request: send Content-Type: application/json, or add a "${CSRF_HEADER}" header (any value) to GET requests.`,
  415: 'Unsupported Content-Type: send the request as application/json (POST), or the query in the URL (GET).',
};

/** A request-level error with a code, a status and a message a person can act on. */
function requestError(status: number, message: string, extensions: Record<string, unknown> = {}): Response {
  const body = JSON.stringify({
    errors: [{ message, extensions: { code: STATUS_CODES[status] ?? 'BAD_REQUEST', ...extensions } }],
  });
  return new Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

function bodyTooLarge(max: number): GraphQLError {
  return new GraphQLError(`Request body of more than ${max} bytes exceeds the limit of ${max} (maxBodyBytes).`, {
    extensions: { code: 'REQUEST_TOO_LARGE', limit: 'maxBodyBytes', max, http: { status: 413 } },
  });
}

interface FetchApi {
  readonly Request: typeof Request;
  readonly TransformStream: typeof TransformStream;
}

/** The same request with a body that fails once more than `max` bytes have arrived. */
function limitStream(request: Request, max: number, fetchAPI: FetchApi): Request {
  let received = 0;
  // A native stream cannot pipe into the ponyfill's TransformStream (graphql-yoga#4583).
  const Transform = request.body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
  const counted = request.body?.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > max) controller.error(bodyTooLarge(max));
        else controller.enqueue(chunk);
      },
    }),
  );
  const init: RequestInit & { duplex: 'half' } = {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: counted ?? null,
    duplex: 'half',
  };
  return new fetchAPI.Request(request.url, init);
}

interface RequestHook {
  readonly request: Request;
  readonly endResponse: (response: Response) => void;
}

interface RequestParseHook {
  readonly request: Request;
  readonly requestParser?: (request: Request) => unknown;
  readonly setRequestParser: (parser: (request: Request) => unknown) => void;
  readonly fetchAPI: FetchApi;
}

interface ResponseHook {
  readonly response: Response;
  readonly setResponse: (response: Response) => void;
}

/**
 * Guards in front of execution: graphql-armor's depth, alias, token and directive limits, our
 * query limits (document size, root fields, sessions asked for), body size, CSRF prevention
 * (Yoga's plugin; our key headers also count as the custom header), introspection when
 * switched off, and coded errors for requests Yoga refuses with a bare status (415, 403).
 */
export function requestGuards(config: GatewayConfig): object[] {
  const { limits } = config;
  const plugins: object[] = [
    ...armorLimits(limits),
    useQueryLimits(limits),
    {
      onRequest({ request, endResponse }: RequestHook) {
        const length = Number(request.headers.get('content-length') ?? '0');
        if (length > limits.maxBodyBytes) {
          endResponse(
            requestError(
              413,
              `Request body of ${length} bytes exceeds the limit of ${limits.maxBodyBytes} (maxBodyBytes).`,
              {
                limit: 'maxBodyBytes',
                max: limits.maxBodyBytes,
              },
            ),
          );
        }
      },
      // Node's HTTP parser never reads past a declared Content-Length, so only a body without
      // one (chunked) is counted as it streams. Yoga's own limit (switched off in yoga.ts) pipes
      // every body through a TransformStream, which cost 3-4% of a list request's CPU.
      onRequestParse({ request, requestParser, setRequestParser, fetchAPI }: RequestParseHook) {
        if (request.headers.has('content-length') || request.body === null || !requestParser) return;
        setRequestParser((incoming) => requestParser(limitStream(incoming, limits.maxBodyBytes, fetchAPI)));
      },
      async onResponse({ response, setResponse }: ResponseHook) {
        const message = STATUS_MESSAGES[response.status];
        if (!message) return;
        const text = await response.clone().text();
        if (text.length === 0 || response.status === 403) setResponse(requestError(response.status, message));
      },
    },
  ];
  if (!config.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    } satisfies Plugin);
  }
  if (config.csrfPrevention) {
    plugins.push(useCSRFPrevention({ requestHeaders: [CSRF_HEADER, KEY_HEADERS.factory, KEY_HEADERS.everruns] }));
  }
  return plugins;
}

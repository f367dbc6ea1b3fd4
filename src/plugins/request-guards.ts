import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayConfig } from '../config.js';
import { allSources } from '../sources/registry.js';
import { armorLimits, useQueryLimits } from './query-limits.js';

/** Header any non-browser client may send to pass CSRF prevention on GET requests. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** CSRF prevention's refusal: its code and advice. */
const CSRF_REFUSAL = {
  code: 'CSRF_HEADER_REQUIRED',
  message: `Refused as a possible cross-site request: send Content-Type: application/json, or add a "${CSRF_HEADER}" header (any value) to GET requests.`,
};

/** Codes and advice for the statuses Yoga answers with an empty body, and CSRF's 403. */
/** The refusal of a result no media type in `Accept` can carry (HTTP 406). */
export const NOT_ACCEPTABLE = {
  code: 'NOT_ACCEPTABLE',
  message:
    'No media type in Accept can carry this result: an operation is answered as application/json or application/graphql-response+json, a subscription or one with @defer or @stream as multipart/mixed or text/event-stream.',
} as const;

const STATUS_ERRORS: Readonly<Record<number, { readonly code: string; readonly message: string }>> = {
  403: CSRF_REFUSAL,
  406: NOT_ACCEPTABLE,
  415: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Content-Type: send the request as application/json (POST), or the query in the URL (GET).',
  },
};

function bodyTooLarge(max: number, size?: number): GraphQLError {
  const what = size === undefined ? `Request body of more than ${max} bytes` : `Request body of ${size} bytes`;
  return new GraphQLError(`${what} exceeds the limit of ${max} (maxBodyBytes): send at most ${max} bytes.`, {
    extensions: { code: 'REQUEST_TOO_LARGE', limit: 'maxBodyBytes', max, http: { status: 413 } },
  });
}

/**
 * Refuses a request body over `maxBodyBytes` with a coded 413. Yoga's `maxRequestBodySize` pipes
 * every body through a counting stream; Node's parser never reads past a declared Content-Length,
 * so only a body without one (chunked) is counted here as it streams.
 */
export function useBodyLimit(maxBodyBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const length = Number(request.headers.get('content-length') ?? '0');
      if (!(length > maxBodyBytes)) return;
      const { message } = bodyTooLarge(maxBodyBytes, length);
      const extensions = { code: 'REQUEST_TOO_LARGE', limit: 'maxBodyBytes', max: maxBodyBytes };
      const body = JSON.stringify({ errors: [{ message, extensions }] });
      endResponse(
        new fetchAPI.Response(body, { status: 413, headers: { 'content-type': 'application/json; charset=utf-8' } }),
      );
    },
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.headers.has('content-length') || request.body === null || !requestParser) return;
      setRequestParser(async (incoming) => {
        const counted = countedBody(incoming, maxBodyBytes, fetchAPI);
        try {
          return await requestParser(counted.request);
        } catch (error) {
          // A parser may wrap the stream's error in its own (Yoga's multipart one answers 400).
          if (counted.exceeded()) throw bodyTooLarge(maxBodyBytes);
          throw error;
        }
      });
    },
  };
}

/** The same request with a body that fails once more than `max` bytes have arrived. */
function countedBody(
  request: Request,
  max: number,
  fetchAPI: { readonly Request: typeof Request; readonly TransformStream: typeof TransformStream },
): { readonly request: Request; exceeded(): boolean } {
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
  return { request: new fetchAPI.Request(request.url, init), exceeded: () => received > max };
}

/** Gives Yoga's bare 406 and 415 a coded JSON body with advice, and its CSRF 403 one whatever the Accept. */
/**
 * A GET whose `variables` or `extensions` is not JSON gets 400 BAD_REQUEST, as a POST with a
 * malformed body does: Yoga's GET parser lets the SyntaxError through, which answered 500.
 */
function useGetParamsChecked(): Plugin {
  return {
    onRequestParse({ request, url }) {
      if (request.method !== 'GET') return;
      for (const name of ['variables', 'extensions']) {
        const text = url.searchParams.get(name);
        if (!text) continue;
        try {
          JSON.parse(text);
        } catch {
          throw new GraphQLError(`The "${name}" parameter is not valid JSON: send it URL-encoded, as JSON text.`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      }
    },
  };
}

function useCodedStatuses(): Plugin {
  return {
    // Not `async`: most responses need nothing, and Yoga then waits on no promise.
    onResponse({ response, setResponse, fetchAPI }) {
      const known = STATUS_ERRORS[response.status];
      if (!known) return;
      return response
        .clone()
        .text()
        .then((text) => {
          if (text.length > 0 && response.status !== 403) return;
          const body = JSON.stringify({ errors: [{ message: known.message, extensions: { code: known.code } }] });
          setResponse(
            new fetchAPI.Response(body, {
              status: response.status,
              headers: { 'content-type': 'application/json; charset=utf-8' },
            }),
          );
        });
    },
  };
}

/**
 * Yoga's CSRF prevention, refusing with a coded error and advice rather than its uncoded one, so
 * that the refusal's code is in the result as well as in the body.
 */
function useCodedCsrfPrevention(requestHeaders: string[]): Plugin {
  const { onRequestParse } = useCSRFPrevention({ requestHeaders });
  return {
    onRequestParse(payload) {
      try {
        return onRequestParse?.(payload);
      } catch {
        throw new GraphQLError(CSRF_REFUSAL.message, {
          extensions: { code: CSRF_REFUSAL.code, http: { status: 403 } },
        });
      }
    },
  };
}

/**
 * Guards in front of execution: graphql-armor's depth, alias, token and directive limits, our
 * query limits (document size, root fields, sessions asked for), the coded body-size refusal,
 * CSRF prevention (Yoga's plugin; our key headers also count as the custom header),
 * introspection when switched off, and coded errors for requests Yoga refuses with a bare
 * status (406, 415, 403).
 */
export function requestGuards(config: GatewayConfig): Plugin[] {
  const { limits } = config;
  const plugins: Plugin[] = [
    ...armorLimits(limits),
    useQueryLimits(limits),
    useBodyLimit(limits.maxBodyBytes),
    useGetParamsChecked(),
    useCodedStatuses(),
  ];
  if (!config.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  if (config.csrfPrevention) {
    plugins.push(useCodedCsrfPrevention([CSRF_HEADER, ...allSources().map((source) => source.keyHeader)]));
  }
  return plugins;
}

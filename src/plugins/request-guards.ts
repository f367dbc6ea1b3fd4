import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { type ExecutionResult, GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationRule } from 'graphql';
import type { GatewayConfig } from '../config.js';
import { KEY_HEADERS } from '../context.js';
import { limitError, limitRules, nodesRequested } from './query-limits.js';

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

interface RequestHook {
  readonly request: Request;
  readonly endResponse: (response: Response) => void;
}

interface ResponseHook {
  readonly response: Response;
  readonly setResponse: (response: Response) => void;
}

interface ValidateHook {
  readonly addValidationRule: (rule: ValidationRule) => void;
}

interface ParamsHook {
  readonly params: { readonly query?: string };
}

interface ExecuteHook {
  readonly args: {
    readonly schema: Parameters<typeof nodesRequested>[0];
    readonly document: Parameters<typeof nodesRequested>[1];
    readonly operationName?: string | null;
    readonly variableValues?: Readonly<Record<string, unknown>> | null;
  };
  readonly setResultAndStopExecution: (result: ExecutionResult) => void;
}

/**
 * Guards in front of execution: body and document size, depth, aliases, root fields, the
 * number of sessions asked for, CSRF prevention (Yoga's plugin; our key headers also count as
 * the custom header), introspection when switched off, and coded errors for requests Yoga
 * refuses with a bare status (415, 403).
 */
export function requestGuards(config: GatewayConfig): object[] {
  const { limits } = config;
  const plugins: object[] = [
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
      async onResponse({ response, setResponse }: ResponseHook) {
        const message = STATUS_MESSAGES[response.status];
        if (!message) return;
        const text = await response.clone().text();
        if (text.length === 0 || response.status === 403) setResponse(requestError(response.status, message));
      },
      onParams({ params }: ParamsHook) {
        const size = Buffer.byteLength(params.query ?? '');
        if (size > limits.maxDocumentBytes) {
          throw new GraphQLError(
            `Query document of ${size} bytes exceeds the limit of ${limits.maxDocumentBytes} (maxDocumentBytes).`,
            {
              extensions: {
                code: 'LIMIT_EXCEEDED',
                limit: 'maxDocumentBytes',
                max: limits.maxDocumentBytes,
                http: { status: 413 },
              },
            },
          );
        }
      },
      onValidate({ addValidationRule }: ValidateHook) {
        for (const rule of limitRules(limits)) addValidationRule(rule);
        if (!config.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      },
      onExecute({ args, setResultAndStopExecution }: ExecuteHook) {
        const operation = args.document.definitions.find(
          (definition) =>
            definition.kind === 'OperationDefinition' &&
            (!args.operationName || definition.name?.value === args.operationName),
        );
        if (!operation || operation.kind !== 'OperationDefinition') return;
        const nodes = nodesRequested(args.schema, args.document, operation, args.variableValues ?? {});
        if (nodes > limits.maxNodes) {
          setResultAndStopExecution({ errors: [limitError('maxNodes', limits.maxNodes, nodes, 'Sessions requested')] });
        }
      },
    },
  ];
  if (config.csrfPrevention) {
    plugins.push(useCSRFPrevention({ requestHeaders: [CSRF_HEADER, KEY_HEADERS.factory, KEY_HEADERS.everruns] }));
  }
  return plugins;
}

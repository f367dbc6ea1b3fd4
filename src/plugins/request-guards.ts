import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayConfig } from '../config.js';
import { allSources } from '../sources/registry.js';
import { armorLimits, useQueryLimits } from './query-limits.js';

/** Header any non-browser client may send to pass CSRF prevention on GET requests. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** Codes and advice for the statuses Yoga answers with an empty or uncoded body. */
const STATUS_ERRORS: Readonly<Record<number, { readonly code: string; readonly message: string }>> = {
  403: {
    code: 'CSRF_HEADER_REQUIRED',
    message: `Refused as a possible cross-site request: send Content-Type: application/json, or add a "${CSRF_HEADER}" header (any value) to GET requests.`,
  },
  415: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Content-Type: send the request as application/json (POST), or the query in the URL (GET).',
  },
};

/** The code Yoga's `maxRequestBodySize` gives its refusal. */
const YOGA_BODY_TOO_LARGE = 'REQUEST_ENTITY_TOO_LARGE';

/**
 * Yoga's `maxRequestBodySize` refuses a body over the limit, declared or streamed, with its own
 * code and message; this answers the 413 the README documents instead.
 */
export function useCodedBodyLimit(maxBodyBytes: number): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      if (!result.errors?.some((error) => error.extensions?.code === YOGA_BODY_TOO_LARGE)) return;
      const message = `Request body exceeds the limit of ${maxBodyBytes} (maxBodyBytes): send at most ${maxBodyBytes} bytes.`;
      setResult({
        errors: [
          new GraphQLError(message, {
            extensions: { code: 'REQUEST_TOO_LARGE', limit: 'maxBodyBytes', max: maxBodyBytes, http: { status: 413 } },
          }),
        ],
      });
    },
  };
}

/** Gives Yoga's bare 415 and its CSRF 403 a coded JSON body with advice. */
function useCodedStatuses(): Plugin {
  return {
    async onResponse({ response, setResponse, fetchAPI }) {
      const known = STATUS_ERRORS[response.status];
      if (!known) return;
      const text = await response.clone().text();
      if (text.length > 0 && response.status !== 403) return;
      const body = JSON.stringify({ errors: [{ message: known.message, extensions: { code: known.code } }] });
      setResponse(
        new fetchAPI.Response(body, {
          status: response.status,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        }),
      );
    },
  };
}

/**
 * Guards in front of execution: graphql-armor's depth, alias, token and directive limits, our
 * query limits (document size, root fields, sessions asked for), the coded body-size refusal,
 * CSRF prevention (Yoga's plugin; our key headers also count as the custom header),
 * introspection when switched off, and coded errors for requests Yoga refuses with a bare
 * status (415, 403). The body limit itself is Yoga's `maxRequestBodySize` option.
 */
export function requestGuards(config: GatewayConfig): Plugin[] {
  const { limits } = config;
  const plugins: Plugin[] = [
    ...armorLimits(limits),
    useQueryLimits(limits),
    useCodedBodyLimit(limits.maxBodyBytes),
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
    plugins.push(
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER, ...allSources().map((source) => source.keyHeader)] }),
    );
  }
  return plugins;
}

import { createHash } from 'node:crypto';
import { SOURCE_LABEL, type SourceName, UpstreamError } from './errors.js';
import type { CallContext, CancelSignal, RequestBudget } from './http.js';

/** One source's client as a GraphQL request may use it: with that request's key and signal. */
export interface SourceAccess<Client> {
  readonly source: SourceName;
  /**
   * The client and the call context for this request.
   * @throws UpstreamError `SOURCE_NOT_CONFIGURED` when the source is off, `UNAUTHENTICATED` without a key
   */
  use(): { readonly client: Client; readonly call: CallContext };
}

const hashKey = (apiKey: string) => createHash('sha256').update(apiKey).digest('base64url');

/**
 * Credentials of configured keys, hashed once per process rather than once per request (0.5%
 * of a list request's profile). The configuration holds these keys for the process's life
 * anyway; keys sent in request headers are hashed per request and never kept.
 */
const configuredCredentials = new Map<string, string>();
function configuredCredential(apiKey: string): string {
  let credential = configuredCredentials.get(apiKey);
  if (credential === undefined) {
    credential = hashKey(apiKey);
    configuredCredentials.set(apiKey, credential);
  }
  return credential;
}

/** Binds a source's client (null when it is off) to one request's key and signal. */
export function sourceAccess<Client>(
  source: SourceName,
  client: Client | null,
  apiKey: string | null,
  keyIsConfigured: boolean,
  signal: CancelSignal,
  budget: RequestBudget,
  keyHeader: string,
  keyVariable: string,
): SourceAccess<Client> {
  const label = SOURCE_LABEL[source];
  // Once per request and source, not per upstream call (a `nodes` call can make dozens).
  let credential: string | undefined;
  return {
    source,
    use() {
      if (client === null) {
        throw new UpstreamError(
          source,
          'SOURCE_NOT_CONFIGURED',
          `${label} is not configured on this gateway (set ${keyVariable.replace('API_KEY', 'BASE_URL')}).`,
        );
      }
      if (apiKey === null) {
        throw new UpstreamError(
          source,
          'UNAUTHENTICATED',
          `No ${label} API key: send the ${keyHeader} header or set ${keyVariable}.`,
        );
      }
      credential ??= keyIsConfigured ? configuredCredential(apiKey) : hashKey(apiKey);
      return { client, call: { apiKey, credential, signal, budget } };
    },
  };
}

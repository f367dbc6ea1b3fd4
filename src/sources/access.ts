import { createHash } from 'node:crypto';
import { type SourceName, UpstreamError } from './errors.js';
import type { CallContext, CancelSignal, RequestBudget, UpstreamHttp } from './http.js';

/** What a request's access to a source needs to know about it. */
export interface AccessedSource {
  readonly name: SourceName;
  readonly label: string;
  readonly keyHeader: string;
  readonly env: { readonly baseUrl: string; readonly apiKey: string };
}

const hashKey = (apiKey: string) => createHash('sha256').update(apiKey).digest('base64url');

// The configuration holds its keys for the process's life anyway: hash each once, not per request.
const configuredCredentials = new Map<string, string>();
function configuredCredential(apiKey: string): string {
  let credential = configuredCredentials.get(apiKey);
  if (credential === undefined) {
    credential = hashKey(apiKey);
    configuredCredentials.set(apiKey, credential);
  }
  return credential;
}

/** One source's upstream as a GraphQL request may use it: with that request's key and signal. */
export class SourceAccess {
  // Once per request and source, not per upstream call (a `nodes` call can make dozens).
  private credential: string | undefined;

  constructor(
    readonly source: AccessedSource,
    private readonly http: UpstreamHttp | null,
    private readonly apiKey: string | null,
    private readonly keyIsConfigured: boolean,
    private readonly signal: CancelSignal,
    private readonly budget: RequestBudget,
  ) {}

  /**
   * The upstream's HTTP layer and the call context for this request.
   * @throws UpstreamError `SOURCE_NOT_CONFIGURED` when the source is off, `UNAUTHENTICATED` without a key
   */
  use(): { readonly http: UpstreamHttp; readonly call: CallContext } {
    const { name, label, keyHeader, env } = this.source;
    if (this.http === null) {
      throw new UpstreamError(
        name,
        'SOURCE_NOT_CONFIGURED',
        `${label} is not configured on this gateway (set ${env.baseUrl}).`,
      );
    }
    if (this.apiKey === null) {
      throw new UpstreamError(
        name,
        'UNAUTHENTICATED',
        `No ${label} API key: send the ${keyHeader} header or set ${env.apiKey}.`,
      );
    }
    this.credential ??= this.keyIsConfigured ? configuredCredential(this.apiKey) : hashKey(this.apiKey);
    const call: CallContext = {
      apiKey: this.apiKey,
      credential: this.credential,
      signal: this.signal,
      budget: this.budget,
    };
    return { http: this.http, call };
  }
}

/**
 * A source's typed client, one per upstream HTTP layer (made on first use), and `use`: the
 * client and call context for one request's access.
 */
export function clientsOf<Client>(create: (http: UpstreamHttp) => Client) {
  const clients = new WeakMap<UpstreamHttp, Client>();
  const clientOf = (http: UpstreamHttp): Client => {
    let client = clients.get(http);
    if (client === undefined) {
      client = create(http);
      clients.set(http, client);
    }
    return client;
  };
  return {
    clientOf,
    /** @throws UpstreamError `SOURCE_NOT_CONFIGURED` or `UNAUTHENTICATED` */
    use(access: SourceAccess): { readonly client: Client; readonly call: CallContext } {
      const { http, call } = access.use();
      return { client: clientOf(http), call };
    },
  };
}

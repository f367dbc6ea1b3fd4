import { Pool } from 'undici';
import { errorForStatus, RequestAbortedError, SOURCE_LABEL, type SourceName, UpstreamError } from './errors.js';

/** What every upstream call needs from the GraphQL request that causes it. */
export interface CallContext {
  /** The credential for this source (configured, or from the request's header). */
  readonly apiKey: string;
  /** Aborted when the GraphQL client goes away. */
  readonly signal: AbortSignal;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, starting with `/`; callers encode path segments. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  /** The route name reported to observers, e.g. `GET /v1/sessions/:id`. */
  readonly route: string;
}

export interface HttpAnswer {
  readonly status: number;
  /** Parsed JSON body; `undefined` for an empty body. */
  readonly body: unknown;
}

/** One finished upstream call, for logs and metrics. Never carries keys, URLs or bodies. */
export interface UpstreamCallInfo {
  readonly source: SourceName;
  readonly route: string;
  readonly status: number | 'error';
  readonly durationMs: number;
}

export interface UpstreamHttpOptions {
  readonly source: SourceName;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly connections: number;
  /** Builds the Authorization header value from a key (the two upstreams differ). */
  readonly authorization: (apiKey: string) => string;
  readonly onCall?: (info: UpstreamCallInfo) => void;
}

/**
 * The shared HTTP layer of one upstream: a keep-alive undici pool, a timeout on
 * every call, the client's abort passed through, and every failure mapped to an
 * {@link UpstreamError} that is safe to show (no URL, header, body or key).
 */
export class UpstreamHttp {
  readonly source: SourceName;
  private readonly pool: Pool;
  private readonly prefix: string;
  private readonly options: UpstreamHttpOptions;

  constructor(options: UpstreamHttpOptions) {
    const url = new URL(options.baseUrl);
    this.source = options.source;
    this.options = options;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      // Timeouts are enforced per call below; undici's own would surface as opaque errors.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /**
   * Sends one request and returns the parsed 2xx answer.
   * @throws UpstreamError for non-2xx statuses, timeouts, network failures and non-JSON bodies
   * @throws RequestAbortedError when the caller's signal aborts
   */
  async send(call: CallContext, request: HttpRequest): Promise<HttpAnswer> {
    if (call.signal.aborted) throw new RequestAbortedError();
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    const onClientAbort = () => controller.abort();
    call.signal.addEventListener('abort', onClientAbort, { once: true });
    let status: number | 'error' = 'error';
    try {
      const headers: Record<string, string> = {
        authorization: this.options.authorization(call.apiKey),
        accept: 'application/json',
      };
      let body: string | undefined;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers['content-type'] = 'application/json';
      }
      const response = await this.pool.request({
        method: request.method,
        path: this.prefix + request.path + queryString(request.query),
        headers,
        body,
        signal: controller.signal,
      });
      status = response.statusCode;
      if (status < 200 || status >= 300) {
        await response.body.dump();
        throw errorForStatus(this.source, status, retryAfterMs(response.headers['retry-after']));
      }
      const text = await response.body.text();
      if (text.length === 0) return { status, body: undefined };
      try {
        return { status, body: JSON.parse(text) };
      } catch {
        throw this.unavailable('sent a malformed answer', status, request.method !== 'GET');
      }
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      // A write that was sent but not answered may or may not have taken effect.
      const unknown = request.method !== 'GET';
      if (timedOut) {
        throw this.unavailable(`did not answer within ${this.options.timeoutMs} ms`, null, unknown);
      }
      if (call.signal.aborted) throw new RequestAbortedError();
      throw this.unavailable('could not be reached', null, unknown);
    } finally {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onClientAbort);
      this.options.onCall?.({
        source: this.source,
        route: request.route,
        status,
        durationMs: performance.now() - started,
      });
    }
  }

  /** Closes the pool's connections. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private unavailable(what: string, status: number | null, outcomeUnknown = false): UpstreamError {
    const label = SOURCE_LABEL[this.source];
    const message = outcomeUnknown
      ? `${label} ${what}; the outcome of this change is unknown: read the data back before trying again.`
      : `${label} ${what}.`;
    return new UpstreamError(this.source, 'UPSTREAM_UNAVAILABLE', message, status, null, outcomeUnknown);
  }
}

function queryString(query: HttpRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text.length > 0 ? `?${text}` : '';
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

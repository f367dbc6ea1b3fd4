/** The registry name of the upstream a session, call or error belongs to (`SourceModule.name`). */
export type SourceName = string;

/** An upstream as lower layers name it: its registry name and its name for people. */
export interface SourceId {
  /** What `extensions.source` and the `SessionSource` enum say. */
  readonly name: SourceName;
  /** What messages say: the platform's name. */
  readonly label: string;
}

/** The codes an upstream failure maps to (DESIGN.md "Upstream clients"). */
export type UpstreamErrorCode =
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'SOURCE_NOT_CONFIGURED';

/**
 * A failure talking to one upstream. Carries only what is safe to show a client:
 * never the URL, the headers, the body or the key. The schema layer turns it into
 * a GraphQL error with `extensions.code` and `extensions.source`.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly source: SourceName,
    readonly code: UpstreamErrorCode,
    message: string,
    readonly upstreamStatus: number | null = null,
    /** Milliseconds the upstream asked us to wait (429/503 Retry-After), if any. */
    readonly retryAfterMs: number | null = null,
    /** A write whose effect is unknown: it may have happened (timeout, reset, unreadable 2xx answer). */
    readonly outcomeUnknown = false,
  ) {
    super(message);
  }

  /** For failures without a status (network): whether another try may help. */
  retryable = false;
}

/** An upstream's refusal of one field of a request body, told apart by its status and error message. */
export interface FieldRejection {
  readonly status: number;
  /** Matches the upstream's error message (the body's `error` or `detail`, or its plain text). */
  readonly message: RegExp;
  /** The request body's field it names, e.g. `agent_id`. */
  readonly field: string;
}

/** The upstream refused one field of a request (an agent it does not know, say): `field` names it. */
export class UpstreamFieldError extends UpstreamError {
  constructor(
    source: SourceId,
    status: number,
    readonly field: string,
  ) {
    super(source.name, 'BAD_USER_INPUT', `${source.label} rejected the request's ${field} (HTTP ${status}).`, status);
  }
}

/** Thrown when the GraphQL client went away: not an upstream fault, nothing to report. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
  constructor() {
    super('The request was cancelled by the client.');
  }
}

const STATUS_CODES: Record<number, UpstreamErrorCode> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'BAD_USER_INPUT',
  422: 'BAD_USER_INPUT',
  429: 'UPSTREAM_RATE_LIMITED',
};

const STATUS_MESSAGES: Record<UpstreamErrorCode, string> = {
  BAD_USER_INPUT: 'rejected the request as invalid',
  UNAUTHENTICATED: 'rejected the API key (check the key for this source)',
  FORBIDDEN: 'refused access (the key lacks the required role, or sessions are not enabled for its organisation)',
  NOT_FOUND: 'has no such resource',
  UPSTREAM_RATE_LIMITED: 'is rate limiting this key; try again later',
  UPSTREAM_UNAVAILABLE: 'is unavailable',
  SOURCE_NOT_CONFIGURED: 'is not configured',
};

/** Maps an upstream HTTP status to the error a client sees. */
export function errorForStatus(source: SourceId, status: number, retryAfterMs: number | null): UpstreamError {
  const code = STATUS_CODES[status] ?? 'UPSTREAM_UNAVAILABLE';
  return new UpstreamError(
    source.name,
    code,
    `${source.label} ${STATUS_MESSAGES[code]} (HTTP ${status}).`,
    status,
    retryAfterMs,
  );
}

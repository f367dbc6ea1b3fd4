import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FaultRule, Switchboard } from './switchboard.js';
import type { Tenant } from './world.js';

/** What an emulated endpoint answers. */
export interface Answer {
  readonly status: number;
  /** JSON body; absent for an empty body. */
  readonly json?: unknown;
  /** Plain-text body (used for Everruns' malformed-request answers). */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Streams the body instead (Everruns' `/sse`): called once the head is written, it owns `res` from then on. */
  readonly stream?: (res: ServerResponse) => void;
}

export interface RouteMatch {
  /** Route name for counters and faults, e.g. `GET /v1/sessions/:id`. */
  readonly route: string;
  readonly id?: string;
  readonly action?: string;
  /** The message id of a route under `.../messages/:messageId`. */
  readonly messageId?: string;
}

/** Something whose `version` goes up whenever the world changes outside an HTTP write (a turn's timers). */
export interface WorldVersion {
  readonly version: number;
}

export interface EmulatedRequest {
  readonly match: RouteMatch;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly tenant: Tenant;
}

/** One upstream's behaviour; the plumbing (counters, faults, sockets) is shared. */
export interface UpstreamEmulation {
  route(method: string, pathname: string): RouteMatch | null;
  /** The API key in the request's Authorization header, in this upstream's accepted forms. */
  apiKey(authorization: string | undefined): string | null;
  /** Answers for a key that is absent, unknown or lacks the role; null when it is a tenant's. */
  tenant(apiKey: string | null): Tenant | Answer;
  handle(request: EmulatedRequest): Answer;
  /** The upstream's error answer for a status (problem body, `{error}`, or no body). */
  error(status: number, message: string): Answer;
  /** The session objects inside an answer, for faults that rewrite them. */
  sessionsIn(json: unknown): Record<string, unknown>[];
}

/** A running emulated upstream. */
export interface RunningUpstream {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves one emulated upstream on 127.0.0.1 at `port` (0 for an ephemeral port). Cached GET
 * answers are dropped on any write to this upstream and whenever `world.version` moves.
 */
export async function serveUpstream(
  emulation: UpstreamEmulation,
  switchboard: Switchboard,
  port = 0,
  world: WorldVersion = { version: 0 },
): Promise<RunningUpstream> {
  // One per upstream: any write to it drops the whole cache (simple and safe).
  const answerCache = new AnswerCache(world);
  const server = createServer((req, res) => {
    handle(emulation, switchboard, answerCache, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  emulation: UpstreamEmulation,
  switchboard: Switchboard,
  answerCache: AnswerCache,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = req.method ?? 'GET';
  const raw = await readBody(req);
  const match = emulation.route(method, url.pathname);
  if (!match) {
    send(res, emulation.error(404, 'Not found'));
    return;
  }
  const finished = switchboard.begin(match.route);
  res.once('close', finished);
  const apiKey = emulation.apiKey(req.headers.authorization);
  const tenantOrAnswer = emulation.tenant(apiKey);
  const tenant = 'status' in tenantOrAnswer ? null : tenantOrAnswer;
  const refusal = 'status' in tenantOrAnswer ? tenantOrAnswer : null;
  const fault = switchboard.record(
    {
      route: match.route,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      at: performance.timeOrigin + performance.now(),
      tenant: tenant?.name ?? null,
      headerNames: Object.keys(req.headers),
      ...(typeof req.headers.traceparent === 'string' ? { traceparent: req.headers.traceparent } : {}),
    },
    apiKey,
  );
  if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault?.hang) return; // The socket stays open; closeAllConnections() ends it.
  if (fault?.status !== undefined) {
    send(res, faultAnswer(emulation, fault));
    return;
  }
  if (fault?.malformed) {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"sessions": [{"sessionId": "trunc');
    return;
  }
  if (refusal || !tenant) {
    send(res, refusal ?? emulation.error(401, 'Unauthorized'));
    return;
  }
  let body: unknown;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw);
    } catch {
      send(res, emulation.error(400, 'Request body is not valid JSON'));
      return;
    }
  }
  // Serialized GET answers are reused until the world changes: the emulator must not be the
  // bottleneck of a benchmark. Faulted requests never use or fill the cache. From the lookup
  // to the store nothing awaits, so no timer can change the world in between.
  const cacheKey = method === 'GET' && !fault ? `${tenant.name} ${req.url}` : null;
  const cached = cacheKey ? answerCache.get(cacheKey) : undefined;
  if (cached) {
    res.writeHead(cached.status, cached.headers).end(cached.payload);
    return;
  }
  if (method !== 'GET') answerCache.clear();
  let answer = emulation.handle({ match, query: url.searchParams, body, tenant });
  if (fault && answer.json !== undefined) answer = rewrite(emulation, fault, answer);
  const sent = send(res, answer);
  if (cacheKey && answer.status === 200 && !answer.stream) answerCache.set(cacheKey, sent);
}

interface SentAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly payload: string | undefined;
}

/** Serialized GET answers of the world as it was at one version. */
class AnswerCache {
  private readonly answers = new Map<string, SentAnswer>();
  private version: number;

  constructor(private readonly world: WorldVersion) {
    this.version = world.version;
  }

  get(key: string): SentAnswer | undefined {
    this.sync();
    return this.answers.get(key);
  }

  set(key: string, answer: SentAnswer): void {
    this.sync();
    if (this.answers.size > 5_000) this.answers.clear();
    this.answers.set(key, answer);
  }

  clear(): void {
    this.answers.clear();
  }

  private sync(): void {
    if (this.world.version === this.version) return;
    this.answers.clear();
    this.version = this.world.version;
  }
}

function faultAnswer(emulation: UpstreamEmulation, fault: FaultRule): Answer {
  const status = fault.status ?? 500;
  const base =
    fault.body === undefined
      ? emulation.error(status, `Injected fault ${status}`)
      : fault.body === null
        ? { status }
        : { status, text: fault.body };
  return { ...base, headers: { ...base.headers, ...fault.headers } };
}

function rewrite(emulation: UpstreamEmulation, fault: FaultRule, answer: Answer): Answer {
  const json: unknown = structuredClone(answer.json);
  const sessions = emulation.sessionsIn(json);
  for (const session of sessions) {
    if (fault.unknownStatus !== undefined) session.status = fault.unknownStatus;
    if (fault.extraField) session.x_emulator_extra = { nested: [1, 2, 3], note: 'a field no client knows' };
  }
  const first = sessions[0];
  if (fault.dropField !== undefined && first) delete first[fault.dropField];
  if (fault.setField !== undefined && first) first[fault.setField.name] = structuredClone(fault.setField.value);
  return { ...answer, json };
}

function send(res: ServerResponse, answer: Answer): SentAnswer {
  const headers: Record<string, string> = { ...answer.headers };
  let payload: string | undefined;
  if (answer.json !== undefined) {
    payload = JSON.stringify(answer.json);
    headers['content-type'] ??= 'application/json';
  } else if (answer.text !== undefined) {
    payload = answer.text;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  }
  res.writeHead(answer.status, headers);
  if (answer.stream) answer.stream(res);
  else res.end(payload);
  return { status: answer.status, headers, payload };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GraphQLContext } from '../context.js';
import type { LiveMetrics } from '../live/hub.js';
import { log } from '../log.js';
import { errorCode } from '../schema/errors.js';
import type { SourceName } from '../sources/errors.js';
import type { UpstreamCallInfo } from '../sources/http.js';
import type { BreakerState } from '../sources/resilience.js';
import type { SourceHealth } from '../upstreams.js';
import { metricsText, shareMetrics } from '../workers.js';
import type { PersistedOutcome } from './persisted-documents.js';

class RequestRecord {
  readonly started = performance.now();
  operation = 'anonymous';
  context: GraphQLContext | null = null;
  readonly codes: string[] = [];
  /** An incremental result (@defer, @stream) still streaming: the log line waits for its end. */
  streaming = false;
  /** The status of a response whose line waits for its stream to end. */
  status: number | null = null;
}

/**
 * A request's accounting (its metrics and log line) waits until the answers in hand are written:
 * a client never waits on its own bookkeeping. One `setImmediate` runs the whole batch after this
 * turn's I/O, and a scrape of /metrics runs what is still waiting first.
 */
class AfterAnswers {
  private pending: (() => void)[] = [];

  add(work: () => void): void {
    if (this.pending.push(work) === 1) setImmediate(() => this.run());
  }

  run(): void {
    const batch = this.pending;
    this.pending = [];
    for (const work of batch) work();
  }
}

/** A GraphQL request's log line. */
type RequestLine = {
  readonly operation: string;
  readonly status: number;
  readonly durationMs: number;
  readonly upstreamCalls: number;
  readonly retries: number;
  readonly errors: readonly string[];
};

/** A WebSocket operation's accounting: made as it starts, its results' codes added, written as it ends. */
export interface SocketOperationRecord {
  /** The operation's name, once its document is parsed. */
  named(name: string | null | undefined): void;
  /** The context its upstream calls are counted on (graphql-ws types it `unknown`). */
  attach(context: unknown): void;
  /** A result (or refusal) sent to the client: its errors' codes. */
  result(result: unknown): void;
  /** Counts it and writes its line, once. */
  end(): void;
}

/** Our context, as createContext makes it (Yoga's and graphql-ws's types leave it open). */
function isGatewayContext(value: unknown): value is GraphQLContext {
  return typeof value === 'object' && value !== null && 'budget' in value && 'sources' in value && 'renew' in value;
}

/** The status a WebSocket operation is logged with: that of the upgraded connection that carried it. */
const SOCKET_STATUS = 101;

const MAX_OPERATION_LABELS = 50;
const MAX_CODE_LABELS = 50;
const RECORD = Symbol('sessiongraph.requestRecord');

/** The error codes of an execution result (or of each of a batch's), appended to `codes`. */
function addCodes(result: unknown, codes: string[]): void {
  if (Array.isArray(result)) {
    for (const item of result) addCodes(item, codes);
    return;
  }
  if (typeof result !== 'object' || result === null || !('errors' in result) || !Array.isArray(result.errors)) return;
  for (const error of result.errors) codes.push(errorCode(error));
}

/** A property of a parsed JSON value, or undefined when the value is not an object. */
const property = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;

/** The codes of a JSON error body (`{"errors":[{"extensions":{"code"}}]}`); none for any other body. */
function bodyCodes(text: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = property(body, 'errors');
  return (Array.isArray(errors) ? errors : [])
    .map((error) => property(property(error, 'extensions'), 'code'))
    .filter((code) => typeof code === 'string');
}

/**
 * Logs (one JSON line per GraphQL request), Prometheus metrics and health endpoints.
 * Nothing here sees a key or a body: the log line has the operation name, status, duration,
 * upstream call and retry counts, and error codes (refusals before execution included).
 * Requests to other paths than `endpoint` (GraphiQL's assets, a favicon) are not GraphQL
 * requests: neither logged nor counted.
 */
export function createObservability(health: () => Record<SourceName, SourceHealth>, endpoint: string) {
  const registry = new Registry();
  const later = new AfterAnswers();
  const requests = new Counter({
    name: 'sessiongraph_requests_total',
    help: 'GraphQL requests by operation name and HTTP status.',
    labelNames: ['operation', 'status'],
    registers: [registry],
  });
  const requestErrors = new Counter({
    name: 'sessiongraph_request_errors_total',
    help: 'GraphQL requests answered with an error, by its code (a request counts once for each code it carries).',
    labelNames: ['code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'sessiongraph_request_duration_seconds',
    help: 'GraphQL request duration by operation name.',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const upstreamCalls = new Counter({
    name: 'sessiongraph_upstream_calls_total',
    help: 'Upstream calls (attempts) by source, route and status (HTTP status, timeout, network, aborted, circuit-open).',
    labelNames: ['source', 'route', 'status'],
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'sessiongraph_upstream_call_duration_seconds',
    help: 'Upstream call duration by source and route.',
    labelNames: ['source', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'sessiongraph_upstream_retries_total',
    help: 'Upstream retries by source and route.',
    labelNames: ['source', 'route'],
    registers: [registry],
  });
  new Gauge({
    name: 'sessiongraph_circuit_state',
    help: 'Circuit breaker per source: 0 closed, 1 half-open, 2 open (absent when the source is off).',
    labelNames: ['source'],
    registers: [registry],
    // Merged over workers (WORKERS > 1), the worst state wins.
    aggregator: 'max',
    collect() {
      this.reset();
      for (const [source, state] of Object.entries(health())) {
        if (state !== 'off') this.set({ source }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
      }
    },
  });

  shareMetrics(registry);

  const seenOperations = new Set<string>();
  // Operation names are client input: cap the label's cardinality.
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
    if (!seenOperations.has(name)) {
      if (seenOperations.size >= MAX_OPERATION_LABELS) return 'other';
      seenOperations.add(name);
    }
    return name;
  };

  const seenCodes = new Set<string>();
  // Codes are ours and the libraries' fixed words; the cap is a safety net for the label all the same.
  const codeLabel = (code: string): string => {
    if (seenCodes.has(code)) return code;
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(code) || seenCodes.size >= MAX_CODE_LABELS) return 'OTHER';
    seenCodes.add(code);
    return code;
  };

  // The record rides on Yoga's per-request server context (operations of a batch see it through
  // their context's prototype). A WeakMap keyed by the request was slower: V8's scavenger kept
  // every entry's value (the request's whole context and data) alive until the next full GC.
  const recordOf = (carrier: unknown): RequestRecord | undefined => {
    if (typeof carrier !== 'object' || carrier === null || !(RECORD in carrier)) return undefined;
    const record = carrier[RECORD];
    return record instanceof RequestRecord ? record : undefined;
  };

  const ready = () => {
    const sources = health();
    const on = Object.values(sources).filter((state) => state !== 'off');
    return { ok: on.length > 0 && on.some((state) => state !== 'open'), sources };
  };

  const json = (body: unknown, status: number) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

  /**
   * Counts a finished request and writes its log line. The line is read now, so what waits holds
   * the line alone, not the request's context and the data its loaders hold.
   */
  const finish = (record: RequestRecord, status: number) => {
    const seconds = (performance.now() - record.started) / 1000;
    const line: RequestLine = {
      operation: record.operation,
      status,
      durationMs: Math.round(seconds * 10_000) / 10,
      upstreamCalls: record.context?.budget.upstreamCalls ?? 0,
      retries: record.context?.budget.retries ?? 0,
      errors: record.codes,
    };
    record.context = null;
    later.add(() => account(line, seconds));
  };
  const account = (line: RequestLine, seconds: number) => {
    requests.inc({ operation: line.operation, status: String(line.status) });
    for (const code of new Set(line.errors)) requestErrors.inc({ code: codeLabel(code) });
    duration.observe({ operation: line.operation }, seconds);
    log('info', 'request', line);
  };

  const plugin: Plugin<GraphQLContext> = {
    // Not `async`: on the GraphQL path it returns nothing, and Yoga then skips a promise per request.
    onRequest({ url, endResponse, serverContext }) {
      switch (url.pathname) {
        case '/healthz':
          return endResponse(json({ status: 'ok' }, 200));
        case '/readyz': {
          const state = ready();
          return endResponse(
            json({ status: state.ok ? 'ready' : 'not ready', sources: state.sources }, state.ok ? 200 : 503),
          );
        }
        case '/metrics':
          later.run();
          return metricsText(registry).then((text) =>
            endResponse(new Response(text, { status: 200, headers: { 'content-type': registry.contentType } })),
          );
        case endpoint:
        case `${endpoint}/`:
          Object.defineProperty(serverContext, RECORD, { value: new RequestRecord() });
      }
    },
    onExecute({ args }) {
      const record = recordOf(args.contextValue);
      if (!record) return;
      record.operation = operationLabel(getOperationAST(args.document, args.operationName)?.name?.value);
      record.context = args.contextValue;
    },
  };

  /**
   * The request's outcome: its errors' codes and the log line. After the guards and the partial
   * errors in the plugin list, so that it sees the errors they add and the bodies they code.
   */
  const outcome: Plugin<GraphQLContext> = {
    onExecute({ args }) {
      const record = recordOf(args.contextValue);
      if (!record) return;
      return {
        onExecuteDone({ result }) {
          // A single result's codes are read in onResultProcess, with those of refused requests.
          if (!(Symbol.asyncIterator in result)) return;
          record.streaming = true;
          return {
            onNext({ result: payload }) {
              addCodes(payload, record.codes);
              const increments = 'incremental' in payload ? (payload.incremental ?? []) : [];
              for (const increment of increments) addCodes(increment, record.codes);
            },
            onEnd() {
              record.streaming = false;
              if (record.status !== null) finish(record, record.status);
            },
          };
        },
      };
    },
    // Every result but a stream's: executed, refused by validation or a limit, or failed before (CSRF, documents).
    onResultProcess({ result, serverContext }) {
      const record = recordOf(serverContext);
      if (record && !(Symbol.asyncIterator in result)) addCodes(result, record.codes);
    },
    onResponse({ response, serverContext }) {
      const record = recordOf(serverContext);
      if (!record) return;
      // A refusal answered before any result (413, 406, 415): the codes are in the body the guards wrote.
      if (record.codes.length === 0 && response.status >= 400) {
        return response
          .clone()
          .text()
          .then((text) => {
            record.codes.push(...bodyCodes(text));
            finish(record, response.status);
          });
      }
      // An incremental response is logged when its last payload is sent (or the client leaves);
      // one refused without a body (406) never streams.
      if (record.streaming && response.body !== null) record.status = response.status;
      else finish(record, response.status);
      return undefined;
    },
  };

  const subscriptionsOpen = new Gauge({
    name: 'sessiongraph_subscriptions_open',
    help: 'Open sessionEvents subscriptions, by source.',
    labelNames: ['source'],
    registers: [registry],
  });
  const liveUpstreams = new Gauge({
    name: 'sessiongraph_live_upstreams_open',
    help: 'Shared upstream streams and pollers serving subscriptions, by source and kind (stream, poller).',
    labelNames: ['source', 'kind'],
    registers: [registry],
  });
  const liveReconnects = new Counter({
    name: 'sessiongraph_live_reconnects_total',
    help: 'Upstream streams and pollers resumed, by source and whether it was planned (an upstream cycle).',
    labelNames: ['source', 'planned'],
    registers: [registry],
  });
  const liveDelivered = new Counter({
    name: 'sessiongraph_live_events_delivered_total',
    help: 'Events handed to subscribers, by source.',
    labelNames: ['source'],
    registers: [registry],
  });
  const tooSlow = new Counter({
    name: 'sessiongraph_subscribers_too_slow_total',
    help: 'Subscribers ended with SUBSCRIBER_TOO_SLOW, by source.',
    labelNames: ['source'],
    registers: [registry],
  });
  const persisted = new Counter({
    name: 'sessiongraph_persisted_documents_total',
    help: 'Documents by how they came: manifest, apq, registered, text (sent as text), refused, not_found.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const persistedDocument = (outcome: PersistedOutcome) => persisted.inc({ outcome });
  const live: LiveMetrics = {
    subscriptions: (source, delta) => subscriptionsOpen.inc({ source }, delta),
    upstreams: (source, kind, delta) => liveUpstreams.inc({ source, kind }, delta),
    reconnected: (source, planned) => liveReconnects.inc({ source, planned: String(planned) }),
    delivered: (source, count) => liveDelivered.inc({ source }, count),
    tooSlow: (source) => tooSlow.inc({ source }),
  };

  const hooks = {
    // At once, not after the answer: deferred work mid-request left some processes GC-bound (docs/performance.md).
    onCall(info: UpstreamCallInfo) {
      upstreamCalls.inc({ source: info.source, route: info.route, status: String(info.status) });
      if (info.status !== 'circuit-open')
        upstreamDuration.observe({ source: info.source, route: info.route }, info.durationMs / 1000);
    },
    onRetry(info: { source: SourceName; route: string }) {
      retries.inc({ source: info.source, route: info.route });
    },
    onBreakerChange(source: SourceName, state: BreakerState) {
      log(state === 'closed' ? 'info' : 'warn', `circuit ${state}`, { source });
    },
  };

  // WebSocket operations pass none of Yoga's HTTP request hooks: the transport reports each here.
  const socketOperation = (): SocketOperationRecord => {
    const record = new RequestRecord();
    let ended = false;
    return {
      named: (name) => {
        record.operation = operationLabel(name);
      },
      attach: (context) => {
        if (isGatewayContext(context)) record.context = context;
      },
      result: (result) => addCodes(result, record.codes),
      end: () => {
        if (ended) return;
        ended = true;
        finish(record, SOCKET_STATUS);
      },
    };
  };

  return { registry, plugin, outcome, hooks, ready, live, persistedDocument, socketOperation };
}

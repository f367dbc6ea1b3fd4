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

const MAX_OPERATION_LABELS = 50;
const RECORD = Symbol('sessiongraph.requestRecord');

/**
 * Logs (one JSON line per GraphQL request), Prometheus metrics and health endpoints.
 * Nothing here sees a key or a body: the log line has the operation name, status, duration,
 * upstream call and retry counts, and error codes.
 */
export function createObservability(health: () => Record<SourceName, SourceHealth>) {
  const registry = new Registry();
  const requests = new Counter({
    name: 'sessiongraph_requests_total',
    help: 'GraphQL requests by operation name and HTTP status.',
    labelNames: ['operation', 'status'],
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

  /** Counts a finished request and writes its log line. */
  const finish = (record: RequestRecord, status: number) => {
    const seconds = (performance.now() - record.started) / 1000;
    requests.inc({ operation: record.operation, status: String(status) });
    duration.observe({ operation: record.operation }, seconds);
    log('info', 'request', {
      operation: record.operation,
      status,
      durationMs: Math.round(seconds * 10_000) / 10,
      upstreamCalls: record.context?.budget.upstreamCalls ?? 0,
      retries: record.context?.budget.retries ?? 0,
      errors: record.codes,
    });
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
          return metricsText(registry).then((text) =>
            endResponse(new Response(text, { status: 200, headers: { 'content-type': registry.contentType } })),
          );
        default:
          Object.defineProperty(serverContext, RECORD, { value: new RequestRecord() });
      }
    },
    onExecute({ args }) {
      const record = recordOf(args.contextValue);
      if (!record) return;
      record.operation = operationLabel(getOperationAST(args.document, args.operationName)?.name?.value);
      record.context = args.contextValue;
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result)) {
            for (const error of result.errors ?? []) record.codes.push(errorCode(error));
            return;
          }
          record.streaming = true;
          return {
            onNext({ result: payload }) {
              for (const error of payload.errors ?? []) record.codes.push(errorCode(error));
              const increments = 'incremental' in payload ? (payload.incremental ?? []) : [];
              for (const increment of increments) {
                for (const error of increment.errors ?? []) record.codes.push(errorCode(error));
              }
            },
            onEnd() {
              record.streaming = false;
              if (record.status !== null) finish(record, record.status);
            },
          };
        },
      };
    },
    onResponse({ response, serverContext }) {
      const record = recordOf(serverContext);
      if (!record) return;
      // An incremental response is logged when its last payload is sent (or the client leaves);
      // one refused without a body (406) never streams.
      if (record.streaming && response.body !== null) record.status = response.status;
      else finish(record, response.status);
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

  return { registry, plugin, hooks, ready, live, persistedDocument };
}

import { getCurrentOtelContext, otelContextMap, setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  DiagLogLevel,
  defaultTextMapSetter,
  diag,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  type ExportResult,
  isTracingSuppressed,
  suppressTracing,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { TracingConfig } from '../config.js';
import { type RequestHead, SocketOperation } from '../context.js';
import { log } from '../log.js';
import { errorCode } from '../schema/errors.js';
import { RequestAbortedError, UpstreamError } from '../sources/errors.js';
import type { UpstreamCallInfo, UpstreamCallStart, UpstreamSpan, UpstreamTracer } from '../sources/http.js';

/** What a gateway traces with; made only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. */
export interface Tracing {
  /** Our HTTP, parse and validate spans, then `@envelop/opentelemetry`'s execute and subscribe spans. */
  readonly plugins: readonly [Plugin, ReturnType<typeof useOpenTelemetry>];
  /** The schema with a span for each resolver that calls an upstream (a copy: the original stays untraced). */
  schema(schema: GraphQLSchema): GraphQLSchema;
  /** Upstream calls' spans and `traceparent`, for UpstreamHttp. */
  readonly upstream: UpstreamTracer;
  /** Runs work that serves no one operation (the live hub's shared streams and pollers) untraced. */
  detach<T>(start: () => T): T;
  /** Exports the spans still buffered and stops; never rejects. */
  close(): Promise<void>;
}

/** The resolver running in an async context; its span is started only if it calls an upstream. */
class PendingResolver {
  span: Span | null = null;
  done = false;
  constructor(
    readonly name: string,
    readonly attributes: Attributes,
    readonly parent: Context,
    readonly started: number,
  ) {}
}

const RESOLVER = createContextKey('sessiongraph.resolver');
const propagator = new W3CTraceContextPropagator();

const fetchHeaders: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};
// The W3C propagator only looks names up; a WebSocket operation's head cannot list them.
const headHeaders: TextMapGetter<RequestHead['headers']> = {
  keys: () => [],
  get: (headers, key) => headers.get(key) ?? undefined,
};

let processWide = false;

/** The context manager (spans follow async calls) and OTel's own error log: one per process. */
function registerProcessWide(): void {
  if (processWide) return;
  processWide = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const warn = (message: string) => log('warn', `tracing: ${message}`);
  const quiet = () => undefined;
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
}

/**
 * OpenTelemetry tracing: spans for each request (HTTP, parse, validate, execute or subscribe),
 * for each resolver that calls an upstream, and for each upstream call, exported over OTLP/HTTP
 * (JSON). A client's `traceparent` is the parent; each upstream call sends its own. No span
 * attribute holds a key, a header value, a document, variables or a body.
 */
export function createTracing(config: TracingConfig, graphqlPath: string): Tracing {
  registerProcessWide();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new AllowedAttributes(new OTLPTraceExporter({ url: `${config.endpoint}/v1/traces` }))),
    ],
  });
  const tracer = provider.getTracer('sessiongraph');
  return {
    plugins: [
      useRequestSpans(tracer, graphqlPath),
      // Execute and subscribe spans; whatever it records beyond their names is dropped at export.
      useOpenTelemetry(
        { resolvers: false, document: false, variables: false, result: false },
        provider,
        SpanKind.INTERNAL,
      ),
    ],
    schema: withResolverSpans,
    upstream: upstreamTracer(tracer),
    detach: (start) => context.with(suppressTracing(ROOT_CONTEXT), start),
    // An unreachable collector loses the last spans; it never fails the shutdown.
    close: () =>
      provider.shutdown().catch((error: unknown) => {
        log('warn', 'tracing: spans buffered at shutdown were not exported', {
          error: error instanceof Error ? error.message : String(error),
        });
      }),
  };
}

/** The HTTP request's span (the client's `traceparent` its parent), and parse and validate spans under it. */
function useRequestSpans(tracer: Tracer, graphqlPath: string): Plugin {
  const open = new WeakMap<Request, Span>();
  const phase = (name: string, wrapped: () => void) => {
    const active = context.active();
    // A WebSocket operation has no request span: its execute or subscribe span stands alone.
    if (!trace.getSpan(active)?.isRecording()) return wrapped();
    const span = tracer.startSpan(name, {}, active);
    try {
      context.with(trace.setSpan(active, span), wrapped);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', errorCode(error));
      throw error;
    } finally {
      span.end();
    }
  };
  return {
    instrumentation: {
      async request({ request }, wrapped) {
        if (new URL(request.url).pathname !== graphqlPath) return wrapped();
        const parent = propagator.extract(ROOT_CONTEXT, request.headers, fetchHeaders);
        const span = tracer.startSpan(
          `${request.method} ${graphqlPath}`,
          {
            kind: SpanKind.SERVER,
            attributes: { 'http.request.method': request.method, 'http.route': graphqlPath, 'url.path': graphqlPath },
          },
          parent,
        );
        open.set(request, span);
        try {
          await context.with(trace.setSpan(parent, span), wrapped);
        } finally {
          // Ended by onResponse unless the request failed before an answer.
          if (open.delete(request)) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
          }
        }
      },
      parse: (_payload, wrapped) => phase('graphql.parse', wrapped),
      validate: (_payload, wrapped) => phase('graphql.validate', wrapped),
    },
    onValidate:
      () =>
      ({ valid }) => {
        if (valid) return;
        const span = trace.getActiveSpan();
        span?.setStatus({ code: SpanStatusCode.ERROR });
        span?.setAttribute('error.type', 'GRAPHQL_VALIDATION_FAILED');
      },
    onExecute: ({ args }) => {
      adoptSocketParent(args.contextValue);
      return {
        onExecuteDone: ({ result }) => {
          if (Symbol.asyncIterator in result || !result.errors?.length) return;
          // The codes stand in for the errors envelop records, which the export drops (they quote the document).
          const codes = [...new Set(result.errors.map(errorCode))];
          trace.getSpan(getCurrentOtelContext(args.contextValue))?.setAttribute('graphql.error.codes', codes);
        },
      };
    },
    onSubscribe: ({ args }) => adoptSocketParent(args.contextValue),
    onResponse({ request, response }) {
      const span = open.get(request);
      if (!span) return;
      open.delete(request);
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/** A WebSocket operation's parent: the `traceparent` of its connection parameters or upgrade request. */
function adoptSocketParent(contextValue: object): void {
  if (otelContextMap.has(contextValue) || !('ws' in contextValue)) return;
  const operation = contextValue.ws;
  if (!(operation instanceof SocketOperation)) return;
  setCurrentOtelContext(contextValue, propagator.extract(ROOT_CONTEXT, operation.head.headers, headHeaders));
}

/**
 * A copy of the schema whose resolvers (all but Pothos' exposed properties) run in a context
 * naming them: an upstream call made under one starts the resolver's span, backdated to when it
 * began, so only resolvers that call an upstream have spans.
 */
function withResolverSpans(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const resolve = field.resolve;
      if (!resolve || field.extensions?.pothosExposedField !== undefined) return field;
      const name = `${typeName}.${fieldName}`;
      const attributes = { 'graphql.field.name': fieldName, 'graphql.field.parent_type': typeName };
      return { ...field, resolve: traced(resolve, name, attributes) };
    },
  });
}

function traced(
  resolve: GraphQLFieldResolver<unknown, unknown>,
  name: string,
  attributes: Attributes,
): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, contextValue, info) => {
    const parent = context.active();
    if (!trace.getSpan(parent)?.isRecording()) return resolve(source, args, contextValue, info);
    const pending = new PendingResolver(name, attributes, parent, performance.now());
    const settle = (error?: unknown) => {
      pending.done = true;
      if (!pending.span) return;
      if (error !== undefined) {
        pending.span.setStatus({ code: SpanStatusCode.ERROR });
        pending.span.setAttribute('error.type', errorType(error));
      }
      pending.span.end(performance.now());
    };
    let result: unknown;
    try {
      result = context.with(parent.setValue(RESOLVER, pending), resolve, undefined, source, args, contextValue, info);
    } catch (error) {
      settle(error);
      throw error;
    }
    if (!(result instanceof Promise)) {
      settle();
      return result;
    }
    return result.then(
      (value: unknown) => {
        settle();
        return value;
      },
      (error: unknown) => {
        settle(error);
        throw error;
      },
    );
  };
}

/** Spans of upstream calls, children of the resolver (or operation) that made them. */
function upstreamTracer(tracer: Tracer): UpstreamTracer {
  const callParent = (active: Context): Context => {
    const pending = active.getValue(RESOLVER);
    if (!(pending instanceof PendingResolver)) return active;
    if (!pending.span && !pending.done) {
      pending.span = tracer.startSpan(
        pending.name,
        { attributes: pending.attributes, startTime: pending.started },
        pending.parent,
      );
    }
    return pending.span ? trace.setSpan(pending.parent, pending.span) : pending.parent;
  };
  const startSpan = (call: Omit<UpstreamCallStart, 'breaker'>, attributes: Attributes) => {
    const active = context.active();
    if (isTracingSuppressed(active)) return undefined;
    const parent = callParent(active);
    const span = tracer.startSpan(
      call.route,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': call.method,
          'url.template': call.route.slice(call.route.indexOf(' ') + 1),
          'sessiongraph.source': call.source,
          ...attributes,
        },
      },
      parent,
    );
    return { span, context: trace.setSpan(parent, span) };
  };
  return {
    start(call) {
      const started = startSpan(call, { 'sessiongraph.breaker': call.breaker });
      return started && new UpstreamCallSpan(started.span, started.context);
    },
    joined(call) {
      const started = startSpan(call, { 'sessiongraph.coalesced': true });
      if (!started) return undefined;
      const { span } = started;
      return {
        end(error) {
          if (error !== undefined) failed(span, error);
          span.end();
        },
      };
    },
  };
}

/** One upstream call (its attempts and retries) as a client span. */
class UpstreamCallSpan implements UpstreamSpan {
  private status: UpstreamCallInfo['status'] | null = null;
  private retries = 0;

  constructor(
    private readonly span: Span,
    private readonly context: Context,
  ) {}

  inject(headers: Record<string, string>): void {
    propagator.inject(this.context, headers, defaultTextMapSetter);
  }

  attempted(status: UpstreamCallInfo['status']): void {
    this.status = status;
  }

  retrying(delayMs: number): void {
    this.retries += 1;
    this.span.addEvent('retry', {
      'sessiongraph.retry.after': String(this.status),
      'sessiongraph.retry.delay_ms': delayMs,
    });
  }

  end(error?: unknown): void {
    const { span, status } = this;
    span.setAttribute('sessiongraph.retries', this.retries);
    if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
    if (status !== null && (typeof status !== 'number' || status >= 400))
      span.setAttribute('error.type', String(status));
    if (error !== undefined) failed(span, error);
    span.end();
  }
}

function failed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorType(error) });
}

/** A failure's code (never its message, which may quote upstream text). */
function errorType(error: unknown): string {
  if (error instanceof UpstreamError) return error.code;
  if (error instanceof RequestAbortedError) return 'REQUEST_ABORTED';
  return errorCode(error);
}

/** Every attribute a span or event may export; any other (a document, variables, an error's JSON) is dropped. */
const ALLOWED = new Set([
  'http.request.method',
  'http.route',
  'url.path',
  'url.template',
  'http.response.status_code',
  'error.type',
  'exception.type',
  'graphql.execute.operationName',
  'graphql.execute.operationType',
  'graphql.error.codes',
  'graphql.field.name',
  'graphql.field.parent_type',
  'sessiongraph.source',
  'sessiongraph.breaker',
  'sessiongraph.retries',
  'sessiongraph.coalesced',
  'sessiongraph.retry.after',
  'sessiongraph.retry.delay_ms',
]);

function allowed(attributes: Attributes | undefined): Attributes {
  const kept: Attributes = {};
  for (const key in attributes) if (ALLOWED.has(key)) kept[key] = attributes[key];
  return kept;
}

/**
 * Exports spans with allowed attributes only: `@envelop/opentelemetry` records the document of a
 * subscription and the errors' JSON (their paths quote the query) whatever its options say.
 */
class AllowedAttributes implements SpanExporter {
  constructor(private readonly next: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.next.export(
      spans.map((span) => ({
        name: span.name,
        kind: span.kind,
        spanContext: () => span.spanContext(),
        parentSpanContext: span.parentSpanContext,
        startTime: span.startTime,
        endTime: span.endTime,
        status: span.status,
        attributes: allowed(span.attributes),
        links: span.links.map((link) => ({ ...link, attributes: allowed(link.attributes) })),
        events: span.events.map((event) => ({ ...event, attributes: allowed(event.attributes) })),
        duration: span.duration,
        ended: span.ended,
        resource: span.resource,
        instrumentationScope: span.instrumentationScope,
        droppedAttributesCount: span.droppedAttributesCount,
        droppedEventsCount: span.droppedEventsCount,
        droppedLinksCount: span.droppedLinksCount,
      })),
      done,
    );
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve();
  }
}

import type { GraphQLError } from 'graphql';
import type { GatewayConfig } from './config.js';
import type { CursorCodec } from './cursor.js';
import type { LiveHub } from './live/hub.js';
import { MessageLoader } from './loaders/message-loader.js';
import { SessionLoader } from './loaders/session-loader.js';
import { SourceAccess } from './sources/access.js';
import type { SourceName } from './sources/errors.js';
import { type CancelSignal, type RequestBudget, RequestCancel } from './sources/http.js';
import { type SourceModule, sourceNamed } from './sources/registry.js';
import type { Upstreams } from './upstreams.js';

/** One registered source as one GraphQL request uses it. */
export interface RequestSource {
  readonly module: SourceModule;
  /** The upstream with this request's key and signal. */
  readonly access: SourceAccess;
  /** This request's sessions of the source by upstream id. */
  readonly sessions: SessionLoader;
  /** This request's conversations of the source; null when the source has none. */
  readonly messages: MessageLoader | null;
}

/** Everything a resolver may use. Built per request; nothing in it outlives the request. */
export interface GraphQLContext {
  /** Aborted when the client goes away. */
  readonly signal: CancelSignal;
  /** Every registered source, by name, set up on first use. */
  readonly sources: RequestSources;
  /** Deadline, retry allowance and call counts shared by the request's upstream calls. */
  readonly budget: RequestBudget;
  /** Errors of fields that still answered (a failed source in the merged feed); appended to `errors`. */
  readonly partialErrors: GraphQLError[];
  /** The process's shared live activity (subscriptions). */
  readonly live: LiveHub;
  /** The client connection the operation came on. */
  readonly transport: Transport;
  /** Signs the cursors this request issues and checks the ones it is given. */
  readonly cursors: CursorCodec;
  /**
   * Gives the context a fresh deadline, budget and loaders: a subscription resolves each event
   * as if it were a request of its own (loaders per event, not per stream).
   */
  renew(): void;
}

/**
 * What an operation that did not come as an HTTP request (a WebSocket's) hands Yoga's context
 * function instead: its headers and a signal that aborts when its connection closes, and its transport.
 */
export class SocketOperation {
  constructor(
    readonly head: RequestHead,
    readonly transport: Transport,
  ) {}
}

/** The client connection an operation came on, as subscriptions need it. */
export interface Transport {
  /** Identifies the connection (a socket), for per-connection limits. */
  readonly connection: object;
  /** Bytes written for this client that it has not read yet. */
  unsentBytes(): number;
}

/** What a request's context needs from its HTTP request (Yoga's Fetch-API Request fits). */
export interface RequestHead {
  readonly headers: { get(name: string): string | null };
  /** Aborts when the client goes away. */
  readonly signal: CancelSignal;
}

function headerKey(request: RequestHead, name: string): string | null {
  const value = request.headers.get(name)?.trim();
  return value ? value : null;
}

/** Builds one request's context: its keys, its signal and fresh loaders. */
export function createContext(
  upstreams: Upstreams,
  config: GatewayConfig,
  request: RequestHead,
  live: LiveHub,
  transport: Transport,
  cursors: CursorCodec,
): GraphQLContext {
  const signal = new RequestCancel(request.signal);
  const scope = () => {
    const budget: RequestBudget = {
      deadline: Date.now() + config.resilience.requestDeadlineMs,
      retriesLeft: config.resilience.retriesPerRequest,
      upstreamCalls: 0,
      retries: 0,
    };
    const sources = new RequestSources((module) => {
      const header = headerKey(request, module.keyHeader);
      const access = new SourceAccess(
        module,
        upstreams.http.get(module.name) ?? null,
        header ?? config.sources[module.name]?.apiKey ?? null,
        header === null,
        signal,
        budget,
      );
      const sessions = new SessionLoader((id) => {
        const { http, call } = access.use();
        return module.getSession(http, call, id);
      }, config.loaderConcurrency);
      const messages = module.conversation
        ? new MessageLoader(module.conversation, () => access.use(), config.loaderConcurrency)
        : null;
      return { module, access, sessions, messages };
    });
    return { budget, sources };
  };
  return {
    signal,
    ...scope(),
    partialErrors: [],
    live,
    transport,
    cursors,
    // `this`: Yoga copies these fields into the context it passes resolvers, so renew that one.
    renew(this: { budget: RequestBudget; sources: RequestSources }) {
      Object.assign(this, scope());
    },
  };
}

/**
 * A request's sources, each set up (key, loaders) when first used: a subscription renews them
 * per event, and most events use none.
 */
export class RequestSources {
  private readonly made = new Map<SourceName, RequestSource>();

  constructor(private readonly make: (module: SourceModule) => RequestSource) {}

  get(name: SourceName): RequestSource | undefined {
    let source = this.made.get(name);
    if (source) return source;
    const module = sourceNamed(name);
    if (!module) return undefined;
    source = this.make(module);
    this.made.set(name, source);
    return source;
  }
}

/**
 * The request's view of a registered source.
 * @throws Error when no source of that name is registered (a programming error)
 */
export function sourceOf(context: GraphQLContext, name: SourceName): RequestSource {
  const source = context.sources.get(name);
  if (!source) throw new Error(`no source named ${name} is registered`);
  return source;
}

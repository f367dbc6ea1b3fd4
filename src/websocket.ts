import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, getOperationAST } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { type RequestHead, SocketOperation } from './context.js';
import type { SocketOperationRecord } from './plugins/observability.js';
import { CallCancel, type CancelSignal, RequestCancel } from './sources/http.js';
import { type Gateway, GRAPHQL_ENDPOINT } from './yoga.js';

/** Aborted when its socket closes: one listener per socket, however many operations it carries. */
const socketSignals = new WeakMap<WebSocket, CallCancel>();

function signalOf(socket: WebSocket): CallCancel {
  let signal = socketSignals.get(socket);
  if (!signal) {
    const made = new CallCancel();
    socket.once('close', () => made.abort());
    socketSignals.set(socket, made);
    signal = made;
  }
  return signal;
}

/** An operation running on a socket: its cancellation and its accounting. */
interface Running {
  readonly cancel: RequestCancel;
  readonly record: SocketOperationRecord;
}

/** The operations running on each socket, by their graphql-ws id. */
const running = new WeakMap<WebSocket, Map<string, Running>>();

function startOperation(socket: WebSocket, id: string, record: SocketOperationRecord): Running {
  let operations = running.get(socket);
  if (!operations) {
    operations = new Map();
    running.set(socket, operations);
  }
  const operation = { cancel: new RequestCancel(signalOf(socket)), record };
  operations.set(id, operation);
  return operation;
}

function endOperation(socket: WebSocket, id: string): void {
  const operations = running.get(socket);
  const operation = operations?.get(id);
  operations?.delete(id);
  operation?.cancel.end();
  operation?.record.end();
}

function headOf(request: IncomingMessage, params: Readonly<Record<string, unknown>> | undefined, signal: CancelSignal) {
  const fromParams = new Map<string, string>();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'string') fromParams.set(name.toLowerCase(), value);
  }
  const head: RequestHead = {
    headers: {
      get(name) {
        const lower = name.toLowerCase();
        const value = fromParams.get(lower) ?? request.headers[lower];
        return typeof value === 'string' ? value : null;
      },
    },
    signal,
  };
  return head;
}

/**
 * GraphQL over WebSocket (graphql-ws, `graphql-transport-ws`) on the HTTP server's GraphQL
 * path, following Yoga's documented recipe: each operation runs through `yoga.getEnveloped`,
 * so the same plugins, context and schema serve it as over HTTP. graphql-ws pings every 12 s.
 */
export function serveWebSockets(server: Server, gateway: Gateway): WebSocketServer {
  const sockets = new WebSocketServer({
    server,
    path: GRAPHQL_ENDPOINT,
    maxPayload: gateway.maxMessageBytes,
    // Browsers do not preflight WebSockets: a page of another site is refused here, as CORS refuses it over HTTP.
    verifyClient: ({ origin, req }, done) =>
      gateway.allowsOrigin(origin || undefined, req.headers.host)
        ? done(true)
        : done(false, 403, 'This origin may not call this gateway (CORS_ORIGINS).'),
  });
  const { yoga } = gateway;
  type Enveloped = ReturnType<typeof yoga.getEnveloped>;
  // graphql-ws hands `execute`/`subscribe` only the args; the operation's enveloped functions ride along here.
  const operations = new WeakMap<object, Enveloped>();
  const enveloped = (contextValue: unknown): Enveloped => {
    const found = typeof contextValue === 'object' && contextValue !== null ? operations.get(contextValue) : undefined;
    if (!found) throw new Error('an operation without its enveloped context');
    return found;
  };
  useServer(
    {
      // Every operation ends in one of these two (graphql-ws completes even after an abrupt close).
      onComplete: (ctx, id) => endOperation(ctx.extra.socket, id),
      onError: (ctx, id, _payload, errors) => {
        running.get(ctx.extra.socket)?.get(id)?.record.result({ errors });
        endOperation(ctx.extra.socket, id);
      },
      // Returns nothing: graphql-ws then sends the result as it is.
      onNext: (ctx, id, _payload, _args, result) => {
        running.get(ctx.extra.socket)?.get(id)?.record.result(result);
      },
      execute: (args) => enveloped(args.contextValue).execute(args),
      subscribe: (args) => enveloped(args.contextValue).subscribe(args),
      onSubscribe: async (ctx, id, params) => {
        const socket = ctx.extra.socket;
        const { cancel, record } = startOperation(socket, id, gateway.socketOperation());
        record.named(params.operationName);
        const operation = new SocketOperation(headOf(ctx.extra.request, ctx.connectionParams, cancel), {
          connection: socket,
          unsentBytes: () => socket.bufferedAmount,
        });
        const envelope = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket, params, ws: operation });
        let document: ReturnType<Enveloped['parse']>;
        try {
          // Yoga's `onParams` (persisted documents) does not run for WebSocket operations: the same store does here.
          document = envelope.parse(gateway.documents.resolve(params, params.operationName));
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The document could not be parsed.')];
        }
        record.named(getOperationAST(document, params.operationName)?.name?.value ?? params.operationName);
        const errors = envelope.validate(envelope.schema, document);
        if (errors.length > 0) return errors;
        const contextValue = await envelope.contextFactory();
        record.attach(contextValue);
        operations.set(contextValue, envelope);
        return {
          schema: envelope.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
        };
      },
    },
    sockets,
  );
  return sockets;
}

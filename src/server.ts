import { createServer, type Server } from 'node:http';
import type { WebSocketServer } from 'ws';
import { serveWebSockets } from './websocket.js';
import { type Gateway, GRAPHQL_ENDPOINT } from './yoga.js';

const webSockets = new WeakMap<Server, WebSocketServer>();

/**
 * Closes a server's WebSockets (code 1001, going away; `terminate` for ones that must go now):
 * upgraded sockets are not the HTTP server's to close, and would keep `server.close` waiting.
 */
export function closeWebSockets(server: Server, terminate = false): void {
  const sockets = webSockets.get(server);
  if (!sockets) return;
  for (const client of sockets.clients) {
    if (terminate) client.terminate();
    else client.close(1001, 'server shutting down');
  }
  sockets.close();
}

/** A gateway listening on a socket. */
export interface Listening {
  readonly server: Server;
  /** The GraphQL endpoint's URL, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
}

/**
 * Serves a gateway with Yoga's own Node listener, and GraphQL over WebSocket on the same path
 * and port: every operation takes the one path through Yoga and its plugins. Port 0 picks an
 * ephemeral port.
 */
export async function listen(gateway: Gateway, port: number, host: string): Promise<Listening> {
  const server = createServer(gateway.yoga);
  webSockets.set(server, serveWebSockets(server, gateway));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { server, url: `http://${shownHost}:${bound}${GRAPHQL_ENDPOINT}` };
}

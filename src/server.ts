import { createServer, type Server } from 'node:http';
import { type Gateway, GRAPHQL_ENDPOINT } from './yoga.js';

/** A gateway listening on a socket. */
export interface Listening {
  readonly server: Server;
  /** The GraphQL endpoint's URL, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
}

/**
 * Serves a gateway with Yoga's own Node listener: every request takes the one path through
 * Yoga and its plugins. Port 0 picks an ephemeral port.
 */
export async function listen(gateway: Gateway, port: number, host: string): Promise<Listening> {
  const server = createServer(gateway.yoga);
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

import { createServer } from 'node:http';
import { everrunsDetail, everrunsNodes, everrunsPage, factoryDetail, factoryPage, type Json } from './floor-work.js';

/**
 * The floor: what one Node process must do at the least for the benchmark's POSTs, with no
 * GraphQL: the work of bench/floor-work.ts behind a plain node:http server, serialised in the
 * shape the gateway sends.
 */
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', async () => {
    try {
      const request = JSON.parse(body) as { variables?: { first?: number; ids?: string[]; id?: string } };
      const first = request.variables?.first ?? 50;
      let data: Json;
      switch (req.headers['x-bench-case']) {
        case 'c':
        case 'f': {
          const [f, e] = await Promise.all([factoryPage(first), everrunsPage(first)]);
          data = { factorySessions: f, everrunsSessions: e };
          break;
        }
        case 't':
          data = { __typename: 'Query' };
          break;
        case 'e':
          data = { nodes: await everrunsNodes(request.variables?.ids ?? []) };
          break;
        case 'mf':
          data = { node: await factoryDetail(request.variables?.id ?? '') };
          break;
        case 'me':
          data = { node: await everrunsDetail(request.variables?.id ?? '') };
          break;
        default:
          data = { factorySessions: await factoryPage(first) };
      }
      const payload = JSON.stringify({ data });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(payload);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stderr.write(`floor at http://127.0.0.1:${port}/graphql\n`);
});

import { createServer } from 'node:http';
import { parse } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { schema } from '../src/schema/index.js';
import { CallCancel } from '../src/sources/http.js';
import { createUpstreams } from '../src/upstreams.js';

/**
 * A diagnostic target (`BENCH_PIPELINE=1`), not a server to use: the gateway's own work per
 * request (its context, loaders, upstream clients with pools, retries and breakers, zod, the
 * resolvers, compiled by graphql-jit as the gateway compiles them, and `JSON.stringify`)
 * behind a bare `node:http` server, without Yoga, envelop, the gateway's plugins (logs,
 * metrics, limits, error masking) or its fast path. Between it and the gateway is what the
 * GraphQL server layer costs; between it and the floor, what the schema and sources cost.
 */
const config = loadConfig(process.env).gateway;
const { upstreams } = createUpstreams(config);
const compiled = new Map<string, CompiledQuery>();

function compiledFor(query: string): CompiledQuery {
  let entry = compiled.get(query);
  if (!entry) {
    const result = compileQuery(schema, parse(query));
    if (!isCompiledQuery(result)) throw new Error('the query does not compile');
    entry = result;
    compiled.set(query, entry);
  }
  return entry;
}

interface Body {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

function bodyOf(text: string): Body {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || !('query' in value) || typeof value.query !== 'string') {
    throw new Error('expected {"query": "..."}');
  }
  const variables = 'variables' in value && typeof value.variables === 'object' ? value.variables : null;
  return { query: value.query, variables: { ...variables } };
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', async () => {
    try {
      const body = bodyOf(Buffer.concat(chunks).toString('utf8'));
      const signal = new CallCancel();
      const head = { headers: { get: () => null }, signal };
      const result = await compiledFor(body.query).query(undefined, createContext(upstreams, config, head), body.variables);
      const payload = JSON.stringify(result);
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(payload);
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stderr.write(`pipeline at http://127.0.0.1:${port}/graphql\n`);
});

import { createServer } from 'node:http';
import { Pool } from 'undici';

/**
 * The floor: what one Node process must do at the least for the benchmark's POSTs, with no
 * GraphQL. For each case it fetches the same upstream page(s) with the same HTTP client
 * (undici Pool.request, same pool size), parses them, maps exactly the selected fields and
 * serialises the answer in the shape the gateway sends.
 */
const factory = new Pool(process.env.FACTORY_BASE_URL ?? '', { connections: 32, keepAliveTimeout: 30_000 });
const everruns = new Pool(process.env.EVERRUNS_BASE_URL ?? '', { connections: 32, keepAliveTimeout: 30_000 });
const factoryAuth = `Bearer ${process.env.FACTORY_API_KEY ?? ''}`;
const everrunsAuth = `ApiKey ${process.env.EVERRUNS_API_KEY ?? ''}`;

type Json = Record<string, unknown>;

async function get(pool: Pool, authorization: string, path: string): Promise<Json> {
  const response = await pool.request({ method: 'GET', path, headers: { authorization, accept: 'application/json' } });
  return JSON.parse(await response.body.text());
}

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();

function usage(u: unknown, input: string, output: string) {
  if (typeof u !== 'object' || u === null) return null;
  const record = u as Json;
  return { inputTokens: record[input], outputTokens: record[output] };
}

async function factoryPage(first: number) {
  const page = await get(factory, factoryAuth, `/api/v0/sessions?limit=${first}`);
  const sessions = page.sessions as Json[];
  return {
    edges: sessions.map((s) => {
      const settings = (s.sessionSettings ?? {}) as Json;
      return {
        node: {
          sourceId: s.sessionId,
          title: s.title ?? null,
          upstreamStatus: s.status,
          createdAt: iso(s.createdAt),
          updatedAt: iso(s.updatedAt),
          model: settings.model ?? null,
          tokenUsage: usage(settings.tokenUsage, 'inputTokens', 'outputTokens'),
          computerId: s.computerId ?? null,
          messageCount: s.messageCount,
        },
      };
    }),
  };
}

async function everrunsPage(first: number) {
  const page = await get(everruns, everrunsAuth, `/v1/sessions?offset=0&limit=${first}`);
  const sessions = page.data as Json[];
  return {
    edges: sessions.map((s) => ({
      node: {
        sourceId: s.id,
        title: s.title ?? null,
        upstreamStatus: s.status,
        createdAt: s.created_at,
        updatedAt: s.updated_at,
        model: s.model_id ?? null,
        tokenUsage: usage(s.usage, 'input_tokens', 'output_tokens'),
        agentId: s.agent_id,
      },
    })),
  };
}

async function everrunsNodes(ids: string[]) {
  const unique = [...new Set(ids)];
  const loaded = new Map(
    await Promise.all(unique.map(async (id) => [id, await get(everruns, everrunsAuth, `/v1/sessions/${id}`)] as const)),
  );
  return ids.map((id) => {
    const s = loaded.get(id) ?? {};
    return { sourceId: s.id, title: s.title ?? null, upstreamStatus: s.status, createdAt: s.created_at };
  });
}

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', async () => {
    try {
      const request = JSON.parse(body) as { variables?: { first?: number; ids?: string[] } };
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

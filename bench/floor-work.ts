import { Pool } from 'undici';
import { CursorCodec, DEFAULT_CURSOR_SECRET, scopeDigest } from '../src/cursor.js';

/**
 * The floor's work for each case: fetch the same upstream page(s) as the gateway with the same
 * HTTP client (undici Pool.request, same pool size), parse them and map exactly the selected
 * fields into the shape of the gateway's `data`. bench/floor.ts serves it from plain node:http,
 * bench/ceiling.ts from Yoga.
 */
const factory = new Pool(process.env.FACTORY_BASE_URL ?? '', { connections: 32, keepAliveTimeout: 30_000 });
const everruns = new Pool(process.env.EVERRUNS_BASE_URL ?? '', { connections: 32, keepAliveTimeout: 30_000 });
const factoryAuth = `Bearer ${process.env.FACTORY_API_KEY ?? ''}`;
const everrunsAuth = `ApiKey ${process.env.EVERRUNS_API_KEY ?? ''}`;

export type Json = Record<string, unknown>;

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

export async function factoryPage(first: number) {
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

export async function everrunsPage(first: number) {
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

export async function everrunsNodes(ids: string[]) {
  const unique = [...new Set(ids)];
  const loaded = new Map(
    await Promise.all(unique.map(async (id) => [id, await get(everruns, everrunsAuth, `/v1/sessions/${id}`)] as const)),
  );
  return ids.map((id) => {
    const s = loaded.get(id) ?? {};
    return { sourceId: s.id, title: s.title ?? null, upstreamStatus: s.status, createdAt: s.created_at };
  });
}

// The detail page (cases mf, me): the session and its messages, fetched in parallel.
const FACTORY_STATES: Record<string, string> = { pending: 'PENDING', running: 'RUNNING', idle: 'IDLE' };
const EVERRUNS_STATES: Record<string, string> = {
  started: 'PENDING',
  active: 'RUNNING',
  waiting_for_tool_results: 'RUNNING',
  idle: 'IDLE',
  paused: 'PAUSED',
};
const FACTORY_ROLES: Record<string, string> = { user: 'USER', assistant: 'AGENT', tool: 'TOOL', system: 'SYSTEM' };
const EVERRUNS_ROLES: Record<string, string> = { user: 'USER', agent: 'AGENT', tool_result: 'TOOL', system: 'SYSTEM' };
const tableWord = (table: Record<string, string>, word: unknown) =>
  typeof word === 'string' && Object.hasOwn(table, word) ? table[word] : 'UNKNOWN';

/** The text parts joined with "\n", as Message.text serves them. */
function textOf(content: Json[]): string {
  let text = '';
  let first = true;
  for (const part of content) {
    if (part.type !== 'text' || typeof part.text !== 'string') continue;
    text = first ? part.text : `${text}\n${part.text}`;
    first = false;
  }
  return text;
}

/** The session id inside a session's global id (base64 of `Type:id`). */
const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1] ?? '';
const messageId = (source: string, sessionId: string, id: unknown) =>
  Buffer.from(`Message:${source}:${sessionId}:${id}`).toString('base64');
/** What the gateway's `endCursor` holds (src/schema/message.ts): session, position and message, signed. */
const cursors = new CursorCodec(DEFAULT_CURSOR_SECRET);
const endCursor = (kind: string, sessionId: string, last: Json | undefined, cursor: unknown, offset: number, micros: number) =>
  last
    ? cursors.encode('messages', [scopeDigest([kind, sessionId]), null, typeof cursor === 'string' ? cursor : null, offset, micros, String(last.id)])
    : null;

export async function factoryDetail(globalId: string) {
  const id = rawId(globalId);
  const path = `/api/v0/sessions/${encodeURIComponent(id)}`;
  const [session, page] = await Promise.all([get(factory, factoryAuth, path), get(factory, factoryAuth, `${path}/messages?limit=50`)]);
  const messages = page.messages as Json[];
  const pagination = page.pagination as Json;
  const last = messages[messages.length - 1];
  return {
    title: session.title ?? null,
    state: tableWord(FACTORY_STATES, session.status),
    messages: {
      edges: messages.map((m) => {
        const content = m.content as Json[];
        return {
          node: {
            id: messageId('FACTORY', id, m.id),
            role: tableWord(FACTORY_ROLES, m.role),
            upstreamRole: m.role,
            text: textOf(content),
            createdAt: iso(m.createdAt),
            isError:
              m.isError ??
              content.some((p) => p.type === 'tool_result' && (p.is_error === true || p.isError === true || typeof p.error === 'string')),
          },
        };
      }),
      pageInfo: {
        hasNextPage: pagination.hasMore === true,
        endCursor: endCursor('FACTORY', id, last, pagination.hasMore ? pagination.nextCursor : null, 0, Number(last?.createdAt) * 1000),
      },
    },
  };
}

/** Epoch microseconds of RFC 3339 UTC text (`...T12:03:53.863184Z`). */
const micros = (text: string) => Date.parse(text) * 1000 + Number((/\.\d{3}(\d{0,3})/.exec(text)?.[1] ?? '').padEnd(3, '0'));

export async function everrunsDetail(globalId: string) {
  const id = rawId(globalId);
  const path = `/v1/sessions/${encodeURIComponent(id)}`;
  const [session, list] = await Promise.all([get(everruns, everrunsAuth, path), get(everruns, everrunsAuth, `${path}/messages`)]);
  const all = list.data as Json[];
  const messages = all.slice(0, 50);
  const last = messages[messages.length - 1];
  return {
    title: session.title ?? null,
    state: tableWord(EVERRUNS_STATES, session.status),
    messages: {
      edges: messages.map((m) => {
        const content = m.content as Json[];
        return {
          node: {
            id: messageId('EVERRUNS', id, m.id),
            role: tableWord(EVERRUNS_ROLES, m.role),
            upstreamRole: m.role,
            text: textOf(content),
            createdAt: m.created_at,
            isError: content.some((p) => p.type === 'tool_result' && typeof p.error === 'string'),
          },
        };
      }),
      pageInfo: {
        hasNextPage: all.length > messages.length,
        endCursor: endCursor('EVERRUNS', id, last, null, messages.length - 1, micros(String(last?.created_at))),
      },
    },
  };
}

import type { Random } from './random.js';
import { type Answer, type EmulatedRequest, isRecord, type RouteMatch, type UpstreamEmulation } from './server.js';
import { DEMO_KEYS, type FactorySessionJson, sortFactory, type Tenant } from './world.js';

/**
 * Factory Public API v0, as ../shared/upstream/README.md describes it: `limit` is a string
 * (1-100), cursors are opaque keysets, errors are problem bodies, times are Unix ms.
 */
export function factoryEmulation(tenants: Map<string, Tenant>, random: Random): UpstreamEmulation {
  const byKey = new Map([...tenants.values()].map((tenant) => [tenant.factoryKey, tenant]));
  return {
    route(method, pathname) {
      if (pathname === '/api/v0/sessions') {
        if (method === 'GET') return { route: 'GET /api/v0/sessions' };
        if (method === 'POST') return { route: 'POST /api/v0/sessions' };
        return null;
      }
      const match = /^\/api\/v0\/sessions\/([^/]+)$/.exec(pathname);
      if (match?.[1] && (method === 'GET' || method === 'PATCH' || method === 'DELETE')) {
        return { route: `${method} /api/v0/sessions/:id`, id: decodeURIComponent(match[1]) };
      }
      return null;
    },

    apiKey(authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      return match?.[1] ?? null;
    },

    tenant(apiKey) {
      if (apiKey === DEMO_KEYS.memberFactory) {
        return problem(403, 'Only organization managers and owners can use the Public API');
      }
      return (apiKey && byKey.get(apiKey)) || problem(401, 'Invalid or missing API key');
    },

    handle(request) {
      switch (request.match.route) {
        case 'GET /api/v0/sessions':
          return list(request);
        case 'POST /api/v0/sessions':
          return create(request);
        default:
          return one(request, request.match);
      }
    },

    error: problem,

    sessionsIn(json) {
      if (!isRecord(json)) return [];
      if (Array.isArray(json.sessions)) return json.sessions.filter(isRecord);
      return 'sessionId' in json ? [json] : [];
    },
  };

  function list({ query, tenant }: EmulatedRequest): Answer {
    const limitText = query.get('limit') ?? '20';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 100) {
      return problem(400, 'limit must be a string holding an integer between 1 and 100');
    }
    const limit = Number(limitText);
    const computerId = query.get('computerId');
    let sessions = tenant.factorySessions;
    if (computerId) sessions = sessions.filter((session) => session.computerId === computerId);
    let start = 0;
    const cursor = query.get('cursor');
    if (cursor) {
      const key = decodeCursor(cursor);
      if (!key) return problem(400, 'Invalid cursor');
      // Keyset: the first session strictly after the cursor's key in list order.
      start = sessions.findIndex((s) => s.createdAt < key.t || (s.createdAt === key.t && s.sessionId < key.id));
      if (start < 0) start = sessions.length;
    }
    const page = sessions.slice(start, start + limit);
    const last = page[page.length - 1];
    const hasMore = start + limit < sessions.length;
    return {
      status: 200,
      json: {
        sessions: page,
        pagination: { hasMore, nextCursor: hasMore && last ? encodeCursor(last) : null },
      },
    };
  }

  function one({ tenant }: EmulatedRequest, match: RouteMatch): Answer {
    const index = tenant.factorySessions.findIndex((session) => session.sessionId === match.id);
    const session = tenant.factorySessions[index];
    if (!session) return problem(404, 'Session not found');
    if (match.route.startsWith('DELETE')) {
      tenant.factorySessions.splice(index, 1);
      return { status: 204 };
    }
    return { status: 200, json: session };
  }

  function create({ body, tenant }: EmulatedRequest): Answer {
    if (!isRecord(body) || typeof body.computerId !== 'string' || body.computerId.length === 0) {
      return problem(400, 'computerId is required');
    }
    if (body.cwd !== undefined && (typeof body.cwd !== 'string' || body.cwd.length < 1 || body.cwd.length > 4096)) {
      return problem(400, 'cwd must be 1-4096 characters');
    }
    if (!tenant.computerIds.includes(body.computerId)) return problem(400, 'Unknown computer');
    const newest = tenant.factorySessions[0]?.createdAt ?? 0;
    const now = Math.max(Date.now(), newest + 1);
    const hex = random.hex(32);
    const session: FactorySessionJson = {
      sessionId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
      status: 'pending',
      messageCount: 0,
      createdAt: now,
      updatedAt: now,
      computerId: body.computerId,
      sessionSettings: isRecord(body.sessionSettings) ? body.sessionSettings : {},
    };
    tenant.factorySessions.push(session);
    sortFactory(tenant.factorySessions);
    return { status: 201, json: session };
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problem(status: number, detail: string): Answer {
  return { status, json: { detail, status, title: TITLES[status] ?? 'Error' } };
}

function encodeCursor(session: FactorySessionJson): string {
  return Buffer.from(JSON.stringify({ t: session.createdAt, id: session.sessionId })).toString('base64url');
}

function decodeCursor(cursor: string): { t: number; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isRecord(value) && typeof value.t === 'number' && typeof value.id === 'string')
      return { t: value.t, id: value.id };
  } catch {
    // fall through: not ours
  }
  return null;
}

import type { Random } from './random.js';
import { type Answer, type EmulatedRequest, isRecord, type RouteMatch, type UpstreamEmulation } from './server.js';
import { type EverrunsSessionJson, everrunsId, microsToEverrunsText, sortEverruns, type Tenant } from './world.js';

const SESSION_ID = /^session_[0-9a-f]{32}$/;
const AGENT_ID = /^agent_[0-9a-f]{32}$/;
const MODEL_ID = /^model_[0-9a-f]{32}$/;

/**
 * Everruns API v1, as ../shared/upstream/README.md describes it: offset paging with
 * `total`, `{"error"}` bodies or none at all, plain-text answers to malformed requests,
 * 32-hex ids, microsecond timestamps, optional fields absent rather than null.
 */
export function everrunsEmulation(tenants: Map<string, Tenant>, random: Random): UpstreamEmulation {
  const byKey = new Map([...tenants.values()].map((tenant) => [tenant.everrunsKey, tenant]));
  return {
    route(method, pathname) {
      if (pathname === '/v1/sessions') {
        if (method === 'GET') return { route: 'GET /v1/sessions' };
        if (method === 'POST') return { route: 'POST /v1/sessions' };
        return null;
      }
      const match = /^\/v1\/sessions\/([^/]+)(?:\/(cancel))?$/.exec(pathname);
      if (!match?.[1]) return null;
      const id = decodeURIComponent(match[1]);
      if (match[2] === 'cancel')
        return method === 'POST' ? { route: 'POST /v1/sessions/:id/cancel', id, action: 'cancel' } : null;
      if (method === 'GET' || method === 'PATCH' || method === 'DELETE')
        return { route: `${method} /v1/sessions/:id`, id };
      return null;
    },

    apiKey(authorization) {
      // A bearer token, a bare `evr_` key, or `ApiKey evr_...`.
      const match = /^(?:(?:Bearer|ApiKey)\s+)?(\S+)$/i.exec(authorization?.trim() ?? '');
      return match?.[1] ?? null;
    },

    tenant(apiKey) {
      return (apiKey && byKey.get(apiKey)) || { status: 401, json: { error: 'Unauthorized' } };
    },

    handle(request) {
      const { route } = request.match;
      if (route === 'GET /v1/sessions') return list(request);
      if (route === 'POST /v1/sessions') return create(request);
      return one(request, request.match);
    },

    error(status, message) {
      // Many Everruns errors carry no body at all.
      return status === 404 || status >= 500 ? { status } : { status, json: { error: message } };
    },

    sessionsIn(json) {
      if (!isRecord(json)) return [];
      if (Array.isArray(json.data)) return json.data.filter(isRecord);
      return 'id' in json && 'agent_id' in json ? [json] : [];
    },
  };

  function list({ query, tenant }: EmulatedRequest): Answer {
    const offset = intParam(query.get('offset'), 0);
    const limitParam = intParam(query.get('limit'), 20);
    if (offset === null || limitParam === null) return { status: 400, text: 'Failed to deserialize query string' };
    if (offset < 0 || limitParam < 1) return { status: 400, json: { error: 'offset must be >= 0 and limit >= 1' } };
    const limit = Math.min(limitParam, 100);
    const agentId = query.get('agent_id');
    const all = agentId ? tenant.everrunsSessions.filter((s) => s.json.agent_id === agentId) : tenant.everrunsSessions;
    return {
      status: 200,
      json: { data: all.slice(offset, offset + limit).map((s) => s.json), total: all.length, offset, limit },
    };
  }

  function one(request: EmulatedRequest, match: RouteMatch): Answer {
    const { tenant } = request;
    if (!match.id || !SESSION_ID.test(match.id)) return { status: 400, json: { error: 'Invalid session ID' } };
    const index = tenant.everrunsSessions.findIndex((s) => s.json.id === match.id);
    const stored = tenant.everrunsSessions[index];
    if (!stored) return { status: 404 };
    const session = stored.json;
    switch (match.route) {
      case 'DELETE /v1/sessions/:id':
        tenant.everrunsSessions.splice(index, 1);
        return { status: 204 };
      case 'PATCH /v1/sessions/:id': {
        const body = request.body;
        if (!isRecord(body)) return { status: 400, text: 'Failed to parse the request body as JSON' };
        if (typeof body.title === 'string') session.title = body.title;
        if (body.title === null) delete session.title;
        if (Array.isArray(body.tags)) session.tags = body.tags.filter((tag) => typeof tag === 'string');
        session.updated_at = microsToEverrunsText(Math.max(Date.now() * 1000, stored.micros + 1));
        return { status: 200, json: session };
      }
      case 'POST /v1/sessions/:id/cancel': {
        if (session.status === 'active' || session.status === 'waiting_for_tool_results') {
          session.status = 'idle';
          return { status: 200, json: { status: 'cancelled', message: 'Turn cancelled successfully' } };
        }
        return { status: 200, json: { status: 'no_op', message: 'No active turn to cancel' } };
      }
      default:
        return { status: 200, json: session };
    }
  }

  function create({ body, tenant }: EmulatedRequest): Answer {
    if (!isRecord(body)) return { status: 400, text: 'Failed to parse the request body as JSON' };
    const agentId = body.agent_id;
    if (typeof agentId !== 'string' || !AGENT_ID.test(agentId) || !tenant.agentIds.includes(agentId)) {
      return { status: 400, json: { error: 'Invalid agent ID' } };
    }
    if (body.model_id != null && (typeof body.model_id !== 'string' || !MODEL_ID.test(body.model_id))) {
      return { status: 400, json: { error: 'Invalid model ID' } };
    }
    const newest = tenant.everrunsSessions[0]?.micros ?? 0;
    const micros = Math.max(Date.now() * 1000 + random.int(0, 999), newest + 1);
    const session: EverrunsSessionJson = {
      id: everrunsId('session', Math.floor(micros / 1000), random),
      organization_id: tenant.organizationId,
      agent_id: agentId,
      status: 'started',
      created_at: microsToEverrunsText(micros),
      updated_at: microsToEverrunsText(micros),
      tags: Array.isArray(body.tags) ? body.tags.filter((tag) => typeof tag === 'string') : [],
    };
    if (typeof body.title === 'string') session.title = body.title;
    if (typeof body.model_id === 'string') session.model_id = body.model_id;
    if (Array.isArray(body.capabilities)) session.capabilities = body.capabilities.filter(isRecord);
    tenant.everrunsSessions.push({ micros, json: session });
    sortEverruns(tenant.everrunsSessions);
    return { status: 201, json: session };
  }
}

function intParam(text: string | null, fallback: number): number | null {
  if (text === null || text === '') return fallback;
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

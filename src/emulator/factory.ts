import type { Activity, TurnStep } from './activity.js';
import {
  type FactoryMessageJson,
  factoryCallId,
  factoryMessage,
  type MessageDraft,
  type TurnScript,
  turnScript,
} from './conversations.js';
import { uuidV4 } from './ids.js';
import type { Random } from './random.js';
import { type Answer, type EmulatedRequest, isRecord, type RouteMatch, type UpstreamEmulation } from './server.js';
import { DEMO_KEYS, type FactorySessionJson, sortFactory, type Tenant } from './world.js';

const MESSAGE_ROLES = ['user', 'assistant', 'tool'];
const SETTING_WORDS: Record<string, readonly string[]> = {
  interactionMode: ['auto', 'spec', 'agi'],
  autonomyLevel: ['off', 'low', 'medium', 'high'],
};

/**
 * Factory Public API v0, as ../shared/upstream/README.md describes it: `limit` is a string
 * (1-100), cursors are opaque keysets, errors are problem bodies, times are Unix ms.
 *
 * Conversations: `GET .../messages` lists oldest first (the README's reading: the pages do not
 * say) with the same string `limit` and an opaque keyset cursor on `createdAt`, which is
 * strictly increasing within a session; `POST .../messages` answers 200 `{messageId, status}`
 * and starts a simulated turn (`running` for a few hundred ms, then an assistant reply,
 * sometimes after a tool call and its result, and `idle`); a message sent during a turn waits
 * for it. `POST .../interrupt` stops a turn (`{status: 'interrupted'}`) and is idempotent
 * (`{status: <the session's status>}` otherwise). `DELETE` is a soft delete.
 */
export function factoryEmulation(tenants: Map<string, Tenant>, random: Random, activity: Activity): UpstreamEmulation {
  const byKey = new Map([...tenants.values()].map((tenant) => [tenant.factoryKey, tenant]));
  return {
    route(method, pathname) {
      if (pathname === '/api/v0/sessions') {
        if (method === 'GET') return { route: 'GET /api/v0/sessions' };
        if (method === 'POST') return { route: 'POST /api/v0/sessions' };
        return null;
      }
      const match = /^\/api\/v0\/sessions\/([^/]+)(?:\/(messages|interrupt)(?:\/([^/]+))?)?$/.exec(pathname);
      if (!match?.[1]) return null;
      const id = decode(match[1]);
      const [, , sub, messageId] = match;
      if (sub === undefined) {
        return method === 'GET' || method === 'PATCH' || method === 'DELETE'
          ? { route: `${method} /api/v0/sessions/:id`, id }
          : null;
      }
      if (sub === 'interrupt') {
        return method === 'POST' && messageId === undefined
          ? { route: 'POST /api/v0/sessions/:id/interrupt', id }
          : null;
      }
      if (messageId !== undefined) {
        return method === 'GET'
          ? { route: 'GET /api/v0/sessions/:id/messages/:messageId', id, messageId: decode(messageId) }
          : null;
      }
      return method === 'GET' || method === 'POST' ? { route: `${method} /api/v0/sessions/:id/messages`, id } : null;
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
      // Message answers (`{messages}`, a message, `{messageId, status}`, `{status}`) hold no session.
      if (!isRecord(json)) return [];
      if (Array.isArray(json.sessions)) return json.sessions.filter(isRecord);
      return 'sessionId' in json ? [json] : [];
    },
  };

  function list({ query, tenant }: EmulatedRequest): Answer {
    const limit = limitParam(query);
    if (typeof limit !== 'number') return limit;
    const computerId = query.get('computerId');
    let sessions = tenant.factorySessions;
    if (computerId) sessions = sessions.filter((session) => session.computerId === computerId);
    let start = 0;
    const cursor = query.get('cursor');
    if (cursor) {
      const key = decodeCursor(cursor);
      if (!key || key.k !== undefined) return problem(400, 'Invalid cursor');
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
        pagination: {
          hasMore,
          nextCursor: hasMore && last ? encodeCursor({ t: last.createdAt, id: last.sessionId }) : null,
        },
      },
    };
  }

  function one(request: EmulatedRequest, match: RouteMatch): Answer {
    const { tenant } = request;
    const index = tenant.factorySessions.findIndex((session) => session.sessionId === match.id);
    const session = tenant.factorySessions[index];
    if (!session) return problem(404, 'Session not found');
    switch (match.route) {
      case 'DELETE /api/v0/sessions/:id':
        // Soft delete: gone from reads and lists, kept aside (Factory can restore it for a while).
        activity.stop(turnKey(session));
        tenant.factorySessions.splice(index, 1);
        tenant.deletedFactorySessions.set(session.sessionId, session);
        return { status: 204 };
      case 'PATCH /api/v0/sessions/:id':
        return patch(session, request.body);
      case 'GET /api/v0/sessions/:id/messages':
        return messages(request, session);
      case 'GET /api/v0/sessions/:id/messages/:messageId': {
        const message = tenant.conversations.factory(session.sessionId).find((m) => m.id === match.messageId);
        return message ? { status: 200, json: message } : problem(404, 'Message not found');
      }
      case 'POST /api/v0/sessions/:id/messages':
        return post(request, session);
      case 'POST /api/v0/sessions/:id/interrupt':
        return interrupt(session);
      default:
        return { status: 200, json: session };
    }
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
    const session: FactorySessionJson = {
      sessionId: uuidV4(random),
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

  function patch(session: FactorySessionJson, body: unknown): Answer {
    if (!isRecord(body) || !isRecord(body.sessionSettings)) return problem(400, 'sessionSettings must be an object');
    const changes = body.sessionSettings;
    for (const [field, words] of Object.entries(SETTING_WORDS)) {
      const value = changes[field];
      if (value !== undefined && value !== null && !words.includes(value as string)) {
        return problem(400, `${field} must be one of ${words.join(', ')}`);
      }
    }
    // A shallow merge; null removes a setting (Factory leaves unset fields out).
    const settings = isRecord(session.sessionSettings) ? session.sessionSettings : {};
    for (const [field, value] of Object.entries(changes)) {
      if (value === null) delete settings[field];
      else settings[field] = value;
    }
    session.sessionSettings = settings;
    touch(session, Date.now());
    return { status: 200, json: session };
  }

  function messages({ query, tenant }: EmulatedRequest, session: FactorySessionJson): Answer {
    const limit = limitParam(query);
    if (typeof limit !== 'number') return limit;
    const role = query.get('role');
    if (role !== null && !MESSAGE_ROLES.includes(role)) {
      return problem(400, `role must be one of ${MESSAGE_ROLES.join(', ')}`);
    }
    let all = tenant.conversations.factory(session.sessionId);
    if (role !== null) all = all.filter((message) => message.role === role);
    let start = 0;
    const cursor = query.get('cursor');
    if (cursor) {
      const key = decodeCursor(cursor);
      if (!key || key.k !== 'm') return problem(400, 'Invalid cursor');
      // Keyset on createdAt, strictly increasing within a session: the first message after it.
      start = all.findIndex((message) => message.createdAt > key.t);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + limit);
    const last = page[page.length - 1];
    const hasMore = start + limit < all.length;
    return {
      status: 200,
      json: {
        messages: page,
        pagination: {
          hasMore,
          nextCursor: hasMore && last ? encodeCursor({ k: 'm', t: last.createdAt, id: last.id }) : null,
        },
      },
    };
  }

  function post({ body, tenant }: EmulatedRequest, session: FactorySessionJson): Answer {
    if (!isRecord(body) || typeof body.text !== 'string' || body.text.trim().length === 0) {
      return problem(400, 'text is required');
    }
    for (const field of ['images', 'files']) {
      if (body[field] !== undefined && !Array.isArray(body[field])) return problem(400, `${field} must be an array`);
    }
    const conversation = tenant.conversations.factory(session.sessionId);
    const message = append(session, conversation, { role: 'user', text: body.text });
    if (activity.running(turnKey(session))) activity.enqueue(turnKey(session), message.id);
    else startTurn(session, conversation);
    return { status: 200, json: { messageId: message.id, status: session.status } };
  }

  function interrupt(session: FactorySessionJson): Answer {
    // A seeded `running` session has no timers but a turn all the same: it stops too.
    if (activity.stop(turnKey(session)) || session.status === 'running') {
      session.status = 'idle';
      touch(session, Date.now());
      return { status: 200, json: { status: 'interrupted' } };
    }
    return { status: 200, json: { status: session.status } };
  }

  /**
   * A turn: `running` now; with a tool, an assistant message with a `tool_use` part at 30% of
   * its time and the `tool` result at 60%; at the end the reply, `idle`, `completedAt`, and the
   * usage added to `sessionSettings.tokenUsage` (and `inclusiveTokenUsage`, when present).
   */
  function startTurn(session: FactorySessionJson, conversation: FactoryMessageJson[]): void {
    const key = turnKey(session);
    const script = turnScript(activity.random, factoryCallId);
    const duration = activity.turnMs();
    session.status = 'running';
    delete session.completedAt;
    const steps: TurnStep[] = [];
    const { call } = script;
    if (call) {
      steps.push({
        atMs: duration * 0.3,
        run: () => append(session, conversation, { role: 'agent', text: script.intro, call }),
      });
      steps.push({
        atMs: duration * 0.6,
        run: () =>
          append(session, conversation, { role: 'tool', result: { call, output: script.output, error: false } }),
      });
    }
    steps.push({
      atMs: duration,
      run: () => {
        const reply = append(session, conversation, { role: 'agent', text: script.reply });
        session.status = 'idle';
        session.completedAt = reply.createdAt;
        addUsage(session, script, duration);
        if (activity.dequeue(key) !== undefined) startTurn(session, conversation);
      },
    });
    activity.run(key, steps);
  }

  function append(session: FactorySessionJson, conversation: FactoryMessageJson[], draft: MessageDraft) {
    const last = conversation[conversation.length - 1];
    const at = Math.max(Date.now(), (last?.createdAt ?? 0) + 1);
    const message = factoryMessage(draft, at, last?.id, random);
    conversation.push(message);
    session.messageCount = conversation.length;
    touch(session, at);
    return message;
  }
}

function turnKey(session: FactorySessionJson): string {
  return `factory:${session.sessionId}`;
}

/** Moves `updatedAt` to `at`, and always forward. */
function touch(session: FactorySessionJson, at: number): void {
  const previous = typeof session.updatedAt === 'number' ? session.updatedAt : 0;
  session.updatedAt = Math.max(at, previous + 1);
}

function addUsage(session: FactorySessionJson, script: TurnScript, durationMs: number): void {
  const settings = isRecord(session.sessionSettings) ? session.sessionSettings : {};
  session.sessionSettings = settings;
  for (const field of ['tokenUsage', 'inclusiveTokenUsage']) {
    const current = settings[field];
    if (!isRecord(current) && field === 'inclusiveTokenUsage') continue;
    const usage = isRecord(current)
      ? current
      : { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, thinkingTokens: 0 };
    usage.inputTokens = numberOr0(usage.inputTokens) + script.usage.input;
    usage.outputTokens = numberOr0(usage.outputTokens) + script.usage.output;
    settings[field] = usage;
  }
  settings.assistantActiveTimeMs = numberOr0(settings.assistantActiveTimeMs) + durationMs;
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Factory's string `limit`: "1"-"100", default "20"; otherwise a 400 problem. */
function limitParam(query: URLSearchParams): number | Answer {
  const text = query.get('limit') ?? '20';
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100) {
    return problem(400, 'limit must be a string holding an integer between 1 and 100');
  }
  return Number(text);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
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

/** A keyset: `k` is absent for sessions and `m` for messages, so one list's cursor fails on the other. */
interface CursorKey {
  readonly k?: 'm';
  readonly t: number;
  readonly id: string;
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): CursorKey | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isRecord(value) && typeof value.t === 'number' && typeof value.id === 'string') {
      return value.k === 'm' ? { k: 'm', t: value.t, id: value.id } : { t: value.t, id: value.id };
    }
  } catch {
    // fall through: not ours
  }
  return null;
}

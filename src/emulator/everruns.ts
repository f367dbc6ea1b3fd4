import type { Activity, TurnStep } from './activity.js';
import {
  type EverrunsMessageJson,
  everrunsCallId,
  everrunsMessage,
  type MessageDraft,
  textOf,
  toolCompletedData,
  turnScript,
} from './conversations.js';
import { EVERRUNS_EVENT_TYPES, type EventQuery, type EventStore, isEventId } from './events.js';
import { everrunsId, everrunsTextToMicros, microsToEverrunsText, nowMicros } from './ids.js';
import type { Random } from './random.js';
import { type Answer, type EmulatedRequest, isRecord, type RouteMatch, type UpstreamEmulation } from './server.js';
import type { EventStreams } from './sse.js';
import { DEMO_KEYS, type EverrunsSessionJson, type EverrunsStored, sortEverruns, type Tenant } from './world.js';

const SESSION_ID = /^session_[0-9a-f]{32}$/;
const AGENT_ID = /^agent_[0-9a-f]{32}$/;
const MODEL_ID = /^model_[0-9a-f]{32}$/;
const INPUT_PART_TYPES = ['text', 'image', 'image_file'];
const PREVIEW_CHARS = 200;

/**
 * Everruns API v1, as ../shared/upstream/README.md describes it: offset paging with
 * `total`, `{"error"}` bodies or none at all, plain-text answers to malformed requests,
 * 32-hex ids, microsecond timestamps, optional fields absent rather than null.
 *
 * Conversations: `GET .../messages` answers `{data}` (all of them, oldest first); `POST
 * .../messages` answers 201 with the created Message and starts a simulated turn, recorded as
 * events in `events` (see `startTurn`); a message sent during a turn waits for it. `GET
 * .../events?since_id=&types=&exclude=` reads the store and `GET .../sse` streams it (see
 * `EventStreams`), both checking the query with `eventQuery`. `cancel` stops a turn, records
 * `turn.cancelled`, adds the agent message saying so, then `session.idled`.
 */
export function everrunsEmulation(
  tenants: Map<string, Tenant>,
  random: Random,
  activity: Activity,
  events: EventStore,
  streams: EventStreams,
): UpstreamEmulation {
  const byKey = new Map([...tenants.values()].map((tenant) => [tenant.everrunsKey, tenant]));
  const acme = tenants.get('acme');
  if (acme) byKey.set(DEMO_KEYS.acmeSecondEverruns, acme);
  return {
    route(method, pathname) {
      if (pathname === '/v1/sessions') {
        if (method === 'GET') return { route: 'GET /v1/sessions' };
        if (method === 'POST') return { route: 'POST /v1/sessions' };
        return null;
      }
      const match = /^\/v1\/sessions\/([^/]+)(?:\/(cancel|messages|events|sse))?$/.exec(pathname);
      if (!match?.[1]) return null;
      const id = decode(match[1]);
      switch (match[2]) {
        case 'cancel':
          return method === 'POST' ? { route: 'POST /v1/sessions/:id/cancel', id, action: 'cancel' } : null;
        case 'messages':
          return method === 'GET' || method === 'POST' ? { route: `${method} /v1/sessions/:id/messages`, id } : null;
        case 'events':
          return method === 'GET' ? { route: 'GET /v1/sessions/:id/events', id } : null;
        case 'sse':
          return method === 'GET' ? { route: 'GET /v1/sessions/:id/sse', id } : null;
        default:
          return method === 'GET' || method === 'PATCH' || method === 'DELETE'
            ? { route: `${method} /v1/sessions/:id`, id }
            : null;
      }
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
      // `{data}` also wraps messages and events: only objects with an `agent_id` are sessions.
      if (!isRecord(json)) return [];
      const items = Array.isArray(json.data) ? json.data.filter(isRecord) : [json];
      return items.filter((item) => 'id' in item && 'agent_id' in item);
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
        activity.stop(turnKey(session));
        events.forget(session.id);
        tenant.everrunsSessions.splice(index, 1);
        return { status: 204 };
      case 'PATCH /v1/sessions/:id': {
        const body = request.body;
        if (!isRecord(body)) return { status: 400, text: 'Failed to parse the request body as JSON' };
        if (typeof body.title === 'string') session.title = body.title;
        if (body.title === null) delete session.title;
        if (Array.isArray(body.tags)) session.tags = body.tags.filter((tag) => typeof tag === 'string');
        touch(stored);
        return { status: 200, json: session };
      }
      case 'POST /v1/sessions/:id/cancel':
        return cancel(tenant, stored);
      case 'GET /v1/sessions/:id/messages':
        return { status: 200, json: { data: tenant.conversations.everruns(session.id) } };
      case 'POST /v1/sessions/:id/messages':
        return post(tenant, stored, request.body);
      case 'GET /v1/sessions/:id/events':
        return listEvents(session, request.query);
      case 'GET /v1/sessions/:id/sse':
        return streamEvents(session, request.query);
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
    const micros = Math.max(nowMicros(random), newest + 1);
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

  function listEvents(session: EverrunsSessionJson, query: URLSearchParams): Answer {
    const checked = eventQuery(query);
    if ('status' in checked) return checked;
    return { status: 200, json: { data: events.eventsAfter(session.id, checked) } };
  }

  function streamEvents(session: EverrunsSessionJson, query: URLSearchParams): Answer {
    const checked = eventQuery(query);
    if ('status' in checked) return checked;
    return streams.answer(session.id, checked);
  }

  function post(tenant: Tenant, stored: EverrunsStored, body: unknown): Answer {
    const input = inputMessage(body);
    if (typeof input === 'string') return { status: 400, json: { error: input } };
    const session = stored.json;
    const conversation = tenant.conversations.everruns(session.id);
    const message = append(stored, conversation, { role: 'user' }, input.content);
    if (input.controls) message.controls = input.controls;
    if (session.preview === undefined) session.preview = truncate(textOf(message.content));
    events.append(session.id, { type: 'input.message', data: { message }, context: { input_message_id: message.id } });
    if (activity.running(turnKey(session))) activity.enqueue(turnKey(session), message.id);
    else startTurn(tenant, stored, message);
    return { status: 201, json: message };
  }

  /**
   * A turn, recorded as events as it goes: `turn.started` and `session.activated` now (the
   * session `active`); with a tool, at 20% of its time the agent message with a `tool_call`
   * (`output.message.completed`, `tool.started`) and at 40% the `tool_result` message
   * (`tool.completed`); `output.message.started` at 50%, then `output.message.delta`s
   * (`delta`, `accumulated`) up to 90%; at the end the reply (`output.message.completed` with
   * usage), `turn.completed` (iterations, duration, usage), `session.idled` (the session's
   * usage so far) and the session `idle` with `output_preview`, `usage` and `finished_at`.
   */
  function startTurn(tenant: Tenant, stored: EverrunsStored, input: EverrunsMessageJson): void {
    const session = stored.json;
    const key = turnKey(session);
    const conversation = tenant.conversations.everruns(session.id);
    const script = turnScript(activity.random, everrunsCallId);
    const duration = activity.turnMs();
    const turnId = everrunsId('turn', Date.now(), random);
    const context = { turn_id: turnId, input_message_id: input.id };
    const record = (type: string, data: Record<string, unknown>) => events.append(session.id, { type, data, context });
    const ids = { turn_id: turnId, input_message_id: input.id };
    record('turn.started', { ...ids, input_content: textOf(input.content) });
    record('session.activated', ids);
    session.status = 'active';
    if (session.started_at === undefined) session.started_at = session.updated_at;
    delete session.finished_at;
    const steps: TurnStep[] = [];
    const { call } = script;
    if (call) {
      steps.push({
        atMs: duration * 0.2,
        run: () => {
          const message = append(stored, conversation, { role: 'agent', text: script.intro, call });
          record('output.message.completed', { message });
          record('tool.started', { tool_call: { id: call.id, name: call.kind.everruns, arguments: call.input } });
        },
      });
      steps.push({
        atMs: duration * 0.4,
        run: () => {
          const message = append(stored, conversation, {
            role: 'tool',
            result: { call, output: script.output, error: false },
          });
          for (const part of message.content) {
            record('tool.completed', toolCompletedData(part, call.kind.everruns, Math.round(duration * 0.2)));
          }
        },
      });
    }
    steps.push({ atMs: duration * 0.5, run: () => record('output.message.started', { turn_id: turnId }) });
    const chunks = chunksOf(script.reply, 3 + (script.reply.length % 3));
    let accumulated = '';
    chunks.forEach((delta, i) => {
      steps.push({
        atMs: duration * (0.5 + (0.4 * (i + 1)) / (chunks.length + 1)),
        run: () => {
          accumulated += delta;
          record('output.message.delta', { turn_id: turnId, delta, accumulated });
        },
      });
    });
    steps.push({
      atMs: duration,
      run: () => {
        const usage = { input_tokens: script.usage.input, output_tokens: script.usage.output };
        const message = append(stored, conversation, { role: 'agent', text: script.reply });
        record('output.message.completed', { message, usage });
        const iterations = call ? 2 : 1;
        record('turn.completed', {
          turn_id: turnId,
          iterations,
          duration_ms: duration,
          usage,
          input_content: textOf(input.content),
        });
        const total = addUsage(session, usage);
        record('session.idled', { turn_id: turnId, iterations, usage: total });
        session.status = 'idle';
        session.output_preview = truncate(script.reply);
        session.finished_at = session.updated_at;
        nextTurn(tenant, stored);
      },
    });
    activity.run(key, steps);
  }

  function nextTurn(tenant: Tenant, stored: EverrunsStored): void {
    const next = activity.dequeue(turnKey(stored.json));
    if (next === undefined) return;
    const message = tenant.conversations.everruns(stored.json.id).find((m) => m.id === next);
    if (message) startTurn(tenant, stored, message);
  }

  function cancel(tenant: Tenant, stored: EverrunsStored): Answer {
    const session = stored.json;
    const running = activity.stop(turnKey(session));
    // A seeded `active` session has no timers but an open turn all the same: it stops too.
    if (!running && session.status !== 'active' && session.status !== 'waiting_for_tool_results') {
      return { status: 200, json: { status: 'no_op', message: 'No active turn to cancel' } };
    }
    const turnId = events.openTurnId(session.id) ?? everrunsId('turn', Date.now(), random);
    const context = { turn_id: turnId };
    events.append(session.id, {
      type: 'turn.cancelled',
      data: { turn_id: turnId, reason: 'Cancelled by user' },
      context,
    });
    append(stored, tenant.conversations.everruns(session.id), { role: 'agent', text: 'The turn was cancelled.' });
    events.append(session.id, { type: 'session.idled', data: { turn_id: turnId }, context });
    session.status = 'idle';
    return { status: 200, json: { status: 'cancelled', message: 'Turn cancelled successfully' } };
  }

  function append(
    stored: EverrunsStored,
    conversation: EverrunsMessageJson[],
    draft: MessageDraft,
    content?: Record<string, unknown>[],
  ): EverrunsMessageJson {
    const last = conversation[conversation.length - 1];
    const lastMicros = last ? everrunsTextToMicros(last.created_at) : stored.micros;
    const micros = Math.max(nowMicros(random), (Number.isFinite(lastMicros) ? lastMicros : stored.micros) + 1);
    const message = everrunsMessage(draft, stored.json.id, (last?.sequence ?? 0) + 1, micros, random);
    if (content) message.content = content;
    conversation.push(message);
    touch(stored, micros);
    return message;
  }
}

/** The user message of a `POST .../messages` body, or why it is refused. */
function inputMessage(
  body: unknown,
): { content: Record<string, unknown>[]; controls?: Record<string, unknown> } | string {
  if (!isRecord(body) || !isRecord(body.message)) return 'message is required';
  const { content, role } = body.message;
  if (role !== undefined && role !== null && role !== 'user') return 'Only user messages can be created';
  if (!Array.isArray(content) || content.length === 0) return 'message.content must be a non-empty array';
  const parts: Record<string, unknown>[] = [];
  for (const part of content) {
    if (!isRecord(part) || typeof part.type !== 'string' || !INPUT_PART_TYPES.includes(part.type)) {
      return 'message.content parts must be text, image or image_file';
    }
    if (part.type === 'text' && typeof part.text !== 'string') return 'a text part needs text';
    parts.push(part);
  }
  if (body.controls !== undefined && body.controls !== null && !isRecord(body.controls)) {
    return 'controls must be an object';
  }
  if (isRecord(body.controls)) {
    const { model_id } = body.controls;
    if (model_id != null && (typeof model_id !== 'string' || !MODEL_ID.test(model_id))) return 'Invalid model ID';
    return { content: parts, controls: body.controls };
  }
  return { content: parts };
}

/**
 * The `since_id`, `types` and `exclude` (repeated keys) of `/events` and `/sse`, or the 400
 * the server gives for a malformed `since_id` or an unknown event type.
 */
function eventQuery(query: URLSearchParams): EventQuery | Answer {
  const sinceId = query.get('since_id') || null;
  if (sinceId !== null && !isEventId(sinceId)) {
    return { status: 400, text: 'Failed to deserialize query string: since_id: invalid event ID' };
  }
  const types = query.getAll('types');
  const exclude = query.getAll('exclude');
  const unknown = [...types, ...exclude].find((type) => !EVERRUNS_EVENT_TYPES.has(type));
  if (unknown !== undefined) return { status: 400, json: { error: `Unknown event type: ${unknown}` } };
  return { sinceId, types, exclude };
}

function turnKey(session: EverrunsSessionJson): string {
  return `everruns:${session.id}`;
}

/** Moves `updated_at` to `micros` (default now), and always forward. */
function touch(stored: EverrunsStored, micros = Date.now() * 1000): void {
  const previous = typeof stored.json.updated_at === 'string' ? everrunsTextToMicros(stored.json.updated_at) : 0;
  stored.json.updated_at = microsToEverrunsText(
    Math.max(micros, (Number.isFinite(previous) ? previous : 0) + 1, stored.micros + 1),
  );
}

/** Adds a turn's usage to the session's and returns the new total. */
function addUsage(session: EverrunsSessionJson, usage: { input_tokens: number; output_tokens: number }) {
  const current = isRecord(session.usage) ? session.usage : {};
  const total: Record<string, unknown> = {
    ...current,
    input_tokens: numberOr0(current.input_tokens) + usage.input_tokens,
    output_tokens: numberOr0(current.output_tokens) + usage.output_tokens,
  };
  session.usage = total;
  return total;
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function truncate(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 3)}...` : text;
}

/** `text` cut into `count` pieces at spaces where it can be (joined, they give `text` back). */
function chunksOf(text: string, count: number): string[] {
  const words = text.split(/(?<= )/);
  const size = Math.ceil(words.length / count);
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(''));
  return chunks;
}

function intParam(text: string | null, fallback: number): number | null {
  if (text === null || text === '') return fallback;
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

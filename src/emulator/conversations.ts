import type { EventDraft } from './events.js';
import { everrunsId, everrunsTextToMicros, microsToEverrunsText, seedOf, uuidV4 } from './ids.js';
import { Random } from './random.js';
import type { EverrunsStored, FactorySessionJson } from './world.js';

/**
 * Seeded conversations of every emulated session, in each upstream's own shapes.
 *
 * Factory (README "Factory conversation endpoints"): `{id, role, content: [{type, text?, id?,
 * ...}], createdAt, updatedAt (Unix ms), parentId?, isError?, isUserVisible?}`, roles `user`,
 * `assistant`, `tool` and now and then `system`. Factory documents only `text` parts: the
 * tool parts here are a plausible guess, not Factory's published shape (`{type: 'tool_use',
 * id, name, input}` in an assistant message, `{type: 'tool_result', tool_use_id, content,
 * is_error}` in a `tool` message, which then has `isError` when the tool failed).
 *
 * Everruns (OpenAPI Message, ContentPart): `{id: message_<32 hex>, session_id, sequence, role
 * (system | user | agent | tool_result), content: [text | image | image_file | tool_call |
 * tool_result], created_at (microseconds), metadata?, controls?}`; a tool call is `{type:
 * 'tool_call', id, name, arguments}` in an agent message, its result a `tool_result`
 * message holding `{type: 'tool_result', tool_call_id, result}` or `{..., error}`.
 *
 * Each session's conversation is planned when the world is built (its length, so Factory's
 * `messageCount` matches) and written on first use, from a seed of its own: same seed, same
 * conversation, whatever the order of access. Messages lie strictly between the session's
 * `createdAt`/`created_at` and `updatedAt`/`updated_at`, in order (Factory times are strictly
 * increasing, which its keyset cursor relies on). Most sessions have a handful of messages,
 * some none, the `long` ones 150-260. The `odd` one of each tenant and source (long too) holds
 * what a client must survive: a system message, a role word no document lists (Factory
 * `reviewer`, Everruns `developer`), a part type no document lists (Factory `thinking`,
 * Everruns `file`), images (Everruns `image` and `image_file`) and a failed tool result.
 */

/** A Factory message as Factory's JSON has it. */
export type FactoryMessageJson = Record<string, unknown> & {
  id: string;
  role: string;
  content: Record<string, unknown>[];
  createdAt: number;
  updatedAt: number;
};

/** An Everruns message as Everruns' JSON has it. */
export type EverrunsMessageJson = Record<string, unknown> & {
  id: string;
  session_id: string;
  sequence: number;
  role: string;
  content: Record<string, unknown>[];
  created_at: string;
};

/** `long`: 150+ messages; `odd`: long, with every unusual thing (see above). */
export type ConversationShape = 'normal' | 'long' | 'odd';

/** Role words no document lists, and part types no document lists. */
export const UNKNOWN_WORDS = {
  factoryRole: 'reviewer',
  factoryPart: 'thinking',
  everrunsRole: 'developer',
  everrunsPart: 'file',
} as const;

interface ToolKind {
  readonly factory: string;
  readonly everruns: string;
  input(random: Random): Record<string, unknown>;
  output(random: Random): string;
  readonly failure: string;
}

/** A tool call of a conversation or a turn. */
export interface ToolCallDraft {
  readonly id: string;
  readonly kind: ToolKind;
  readonly input: Record<string, unknown>;
}

/** A message before it takes a source's shape. */
export interface MessageDraft {
  readonly role: 'system' | 'user' | 'agent' | 'tool' | 'unknown';
  readonly text?: string;
  readonly call?: ToolCallDraft;
  readonly result?: { readonly call: ToolCallDraft; readonly output: string; error: boolean };
  /** An agent message that reports a failure (Factory `isError`). */
  error?: boolean;
  extras?: ('image' | 'unknownPart')[];
}

/** What a simulated turn does: maybe one tool call, then a reply. */
export interface TurnScript {
  readonly call?: ToolCallDraft;
  /** The text of the agent message that makes the tool call. */
  readonly intro: string;
  readonly output: string;
  readonly reply: string;
  readonly usage: { readonly input: number; readonly output: number };
}

const FILES = [
  'src/auth/session.ts',
  'src/billing/webhooks.ts',
  'test/checkout.spec.ts',
  'packages/api/src/invoices.ts',
  'infra/ci/Dockerfile',
  'src/flags/client.ts',
  'docs/schema.md',
];
const COMMANDS = [
  'npm test',
  'npx vitest run test/auth',
  'git status --short',
  'docker build -t api .',
  'npm run lint',
];
const PATTERNS = ['getSession\\(', 'TODO', 'moment\\(', 'retryCount', 'export function'];
const TOOL_KINDS: readonly ToolKind[] = [
  {
    factory: 'Read',
    everruns: 'read_file',
    input: (random) => ({ path: random.pick(FILES) }),
    output: (random) =>
      `export async function handler(req: Request) {\n  const limit = Number(req.query.limit ?? ${random.int(10, 50)});\n  ...`,
    failure: 'ENOENT: no such file or directory',
  },
  {
    factory: 'Execute',
    everruns: 'bash',
    input: (random) => ({ command: random.pick(COMMANDS) }),
    output: (random) => `Test Files  ${random.int(3, 40)} passed\n     Tests  ${random.int(20, 400)} passed`,
    failure: 'Command failed with exit code 1: 2 tests failed',
  },
  {
    factory: 'Grep',
    everruns: 'grep',
    input: (random) => ({ pattern: random.pick(PATTERNS), path: 'src' }),
    output: (random) => `${random.pick(FILES)}:${random.int(3, 300)}: ${random.pick(PATTERNS).replace('\\', '')}`,
    failure: 'grep: invalid regular expression',
  },
  {
    factory: 'Edit',
    everruns: 'write_file',
    input: (random) => ({ path: random.pick(FILES), old_str: 'retries = 3', new_str: `retries = ${random.int(4, 9)}` }),
    output: () => 'Applied 1 edit.',
    failure: 'old_str not found in file',
  },
  {
    factory: 'WebSearch',
    everruns: 'web_search',
    input: (random) => ({ query: `${random.pick(['vitest', 'date-fns', 'react-router', 'pg'])} migration guide` }),
    output: () => '1. Migration guide - official docs\n2. Breaking changes in the latest major',
    failure: 'Search provider timed out',
  },
];
const PROMPT_TAILS = [
  'Keep the change small.',
  'Open a PR when done.',
  'Start with the failing test.',
  'Ask me before touching the schema.',
  '',
];
const FOLLOWUPS = [
  'Can you also add a regression test?',
  'Looks good. Please open the PR.',
  'Why did the first approach fail?',
  'Run the whole suite once more, please.',
  'Keep the public API unchanged.',
  'Use the existing logger instead of console.log.',
  'What is left to do?',
  'Split that into two commits.',
  'Is this safe to deploy on a Friday?',
];
const INTROS = [
  "I'll start by reading the relevant code.",
  'Let me check how this is wired up.',
  'Running the tests to see where we stand.',
  'Searching for every caller first.',
  'Let me look at the failing step.',
];
const AGENT_TEXTS = [
  'I found the cause: the retry loop reused a closed connection.',
  'The change is in and the suite is green locally.',
  'Two callers depend on the old behaviour; I updated both.',
  'The flaky part was a timer that was never awaited.',
  'I split the migration into a backfill and a cut-over step.',
  'This needs a config flag; I defaulted it to off.',
  'CI is running; I will report back when it finishes.',
  'Here is a summary of what changed and why.',
];
const REPLIES = [
  'Done: the test now waits for the session cookie before asserting.',
  'I opened a pull request with the migration and a rollback script.',
  'The leak came from an unbounded LRU; capped it at 10k entries.',
  'All 42 integration tests pass locally; CI is running.',
  'Fixed, and I added a regression test next to the old one.',
  'I need the staging credentials to continue.',
];
const SYSTEM_TEXTS = {
  factory: 'You are Droid, a software engineering agent. Work in /workspace; ask before destructive commands.',
  everruns: 'You are a helpful engineering agent. Use the tools you are given and keep answers short.',
};
const AGENT_ERROR = 'The model provider returned an error (529 overloaded); retrying the last step.';
const UNKNOWN_ROLE_TEXT = 'Automated review: 2 comments on src/auth/session.ts (naming, a missing await).';

/** Factory-style tool call ids. */
export function factoryCallId(random: Random): string {
  return `toolu_01${random.hex(22)}`;
}

/** Everruns tool call ids (the model provider's). */
export function everrunsCallId(random: Random): string {
  return `call_${random.hex(24)}`;
}

/** The text parts of a message's content, joined with newlines. */
export function textOf(content: readonly Record<string, unknown>[]): string {
  return content
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n');
}

/** The script of a simulated turn: a tool call half of the time, then a reply. */
export function turnScript(random: Random, callId: (random: Random) => string): TurnScript {
  const kind = random.pick(TOOL_KINDS);
  const call = random.chance(0.5) ? { id: callId(random), kind, input: kind.input(random) } : undefined;
  return {
    ...(call ? { call } : {}),
    intro: random.pick(INTROS),
    output: kind.output(random),
    reply: random.pick(REPLIES),
    usage: { input: random.int(1_200, 60_000), output: random.int(80, 4_000) },
  };
}

/** A Factory message from a draft. */
export function factoryMessage(
  draft: MessageDraft,
  createdAt: number,
  parentId: string | undefined,
  random: Random,
): FactoryMessageJson {
  const content: Record<string, unknown>[] = [];
  if (draft.text !== undefined) content.push({ type: 'text', text: draft.text });
  if (draft.call) {
    content.push({ type: 'tool_use', id: draft.call.id, name: draft.call.kind.factory, input: draft.call.input });
  }
  if (draft.result) {
    const { call, error, output } = draft.result;
    content.push({
      type: 'tool_result',
      tool_use_id: call.id,
      content: error ? call.kind.failure : output,
      is_error: error,
    });
  }
  if (draft.extras?.includes('unknownPart')) {
    content.push({
      type: UNKNOWN_WORDS.factoryPart,
      thinking: 'The cookie is set after the redirect, so the assertion runs too early.',
      signature: random.hex(40),
    });
  }
  const roles = {
    system: 'system',
    user: 'user',
    agent: 'assistant',
    tool: 'tool',
    unknown: UNKNOWN_WORDS.factoryRole,
  };
  const message: FactoryMessageJson = {
    id: uuidV4(random),
    role: roles[draft.role],
    content,
    createdAt,
    updatedAt: createdAt,
  };
  if (parentId !== undefined) message.parentId = parentId;
  if (draft.error || draft.result?.error) message.isError = true;
  if (draft.role === 'system') message.isUserVisible = false;
  return message;
}

/** An Everruns message from a draft. */
export function everrunsMessage(
  draft: MessageDraft,
  sessionId: string,
  sequence: number,
  micros: number,
  random: Random,
): EverrunsMessageJson {
  const content: Record<string, unknown>[] = [];
  if (draft.text !== undefined) content.push({ type: 'text', text: draft.text });
  if (draft.extras?.includes('image')) {
    content.push({
      type: 'image',
      url: `https://images.example.com/screens/${random.hex(12)}.png`,
      media_type: 'image/png',
    });
    content.push({
      type: 'image_file',
      image_id: everrunsId('img', micros / 1000, random),
      filename: 'failing-build.png',
    });
  }
  if (draft.call) {
    content.push({ type: 'tool_call', id: draft.call.id, name: draft.call.kind.everruns, arguments: draft.call.input });
  }
  if (draft.result) {
    const { call, error, output } = draft.result;
    content.push(
      error
        ? { type: 'tool_result', tool_call_id: call.id, error: call.kind.failure }
        : { type: 'tool_result', tool_call_id: call.id, result: output },
    );
  }
  if (draft.extras?.includes('unknownPart')) {
    content.push({
      type: UNKNOWN_WORDS.everrunsPart,
      file_id: everrunsId('file', micros / 1000, random),
      filename: 'trace.log',
      media_type: 'text/plain',
    });
  }
  const roles = {
    system: 'system',
    user: 'user',
    agent: 'agent',
    tool: 'tool_result',
    unknown: UNKNOWN_WORDS.everrunsRole,
  };
  return {
    id: everrunsId('message', micros / 1000, random),
    session_id: sessionId,
    sequence,
    role: roles[draft.role],
    content,
    created_at: microsToEverrunsText(micros),
  };
}

/** The `data` of a `tool.completed` event for a `tool_result` part. */
export function toolCompletedData(
  part: Record<string, unknown>,
  toolName: string,
  durationMs: number,
): Record<string, unknown> {
  const error = typeof part.error === 'string' ? part.error : undefined;
  const data: Record<string, unknown> = {
    tool_call_id: part.tool_call_id,
    tool_name: toolName,
    success: error === undefined,
    status: error === undefined ? 'success' : 'error',
    duration_ms: durationMs,
  };
  if (error !== undefined) data.error = error;
  else {
    const text = typeof part.result === 'string' ? part.result : JSON.stringify(part.result ?? null);
    data.result = [{ type: 'text', text }];
  }
  return data;
}

interface Plan {
  readonly length: number;
  /** Exclusive bounds of the message times: Factory ms, Everruns microseconds. */
  readonly from: number;
  readonly to: number;
  readonly seed: number;
  readonly status: string;
  readonly shape: ConversationShape;
  readonly firstText: string;
  readonly lastText: string | undefined;
}

/** The seeded conversations of the whole world, by session id, written on first use. */
export class ConversationBook {
  private readonly factoryPlans = new Map<string, Plan>();
  private readonly everrunsPlans = new Map<string, Plan>();
  private readonly factoryMessages = new Map<string, FactoryMessageJson[]>();
  private readonly everrunsMessages = new Map<string, EverrunsMessageJson[]>();

  constructor(private readonly seed: number) {}

  /** Plans a Factory session's conversation; returns its length (the session's `messageCount`). */
  planFactory(session: FactorySessionJson, shape: ConversationShape): number {
    const seed = seedOf(`${this.seed}:factory:${session.sessionId}`);
    const random = new Random(seed);
    const to = typeof session.updatedAt === 'number' ? session.updatedAt : session.createdAt + 1_000;
    const title =
      typeof session.title === 'string' ? session.title.replace(/ \([a-z]+\)$/, '') : 'Help me with this repo';
    const plan: Plan = {
      length: plannedLength(random, shape, session.status === 'pending' ? 0.5 : 0.08),
      from: session.createdAt,
      to: Math.max(to, session.createdAt + 1_000),
      seed,
      status: session.status,
      shape,
      firstText: `${title}. ${random.pick(PROMPT_TAILS)}`.trim(),
      lastText: undefined,
    };
    this.factoryPlans.set(session.sessionId, plan);
    return plan.length;
  }

  /** Plans an Everruns session's conversation; returns its length. */
  planEverruns(stored: EverrunsStored, shape: ConversationShape): number {
    const { json, micros } = stored;
    const seed = seedOf(`${this.seed}:everruns:${json.id}`);
    const random = new Random(seed);
    const status = typeof json.status === 'string' ? json.status : 'idle';
    const updated = typeof json.updated_at === 'string' ? everrunsTextToMicros(json.updated_at) : Number.NaN;
    const plan: Plan = {
      length: status === 'started' ? 0 : plannedLength(random, shape, 0),
      from: micros,
      to: Number.isFinite(updated) ? Math.max(updated, micros + 1_000_000) : micros + 1_000_000,
      seed,
      status,
      shape,
      firstText: typeof json.preview === 'string' ? json.preview : 'Please look into this.',
      lastText: typeof json.output_preview === 'string' ? json.output_preview : undefined,
    };
    this.everrunsPlans.set(json.id, plan);
    return plan.length;
  }

  /** A Factory session's messages, oldest first (the live list: turns append to it). */
  factory(sessionId: string): FactoryMessageJson[] {
    const cached = this.factoryMessages.get(sessionId);
    if (cached) return cached;
    const messages: FactoryMessageJson[] = [];
    const plan = this.factoryPlans.get(sessionId);
    if (plan && plan.length > 0) {
      const random = new Random(plan.seed ^ 0x9e3779b9);
      const drafts = conversationDrafts(plan, random, 'factory');
      const step = (plan.to - plan.from) / (drafts.length + 1);
      drafts.forEach((draft, i) => {
        const createdAt = plan.from + Math.floor((i + 1) * step);
        const message = factoryMessage(draft, createdAt, messages[messages.length - 1]?.id, random);
        // A streamed reply was last written a little after it began (before the next message).
        if (draft.role === 'agent' && step >= 2) message.updatedAt = createdAt + random.int(0, Math.floor(step) - 1);
        messages.push(message);
      });
    }
    this.factoryMessages.set(sessionId, messages);
    return messages;
  }

  /** An Everruns session's messages, oldest first (the live list: turns append to it). */
  everruns(sessionId: string): EverrunsMessageJson[] {
    const cached = this.everrunsMessages.get(sessionId);
    if (cached) return cached;
    const messages: EverrunsMessageJson[] = [];
    const plan = this.everrunsPlans.get(sessionId);
    if (plan && plan.length > 0) {
      const random = new Random(plan.seed ^ 0x9e3779b9);
      const drafts = conversationDrafts(plan, random, 'everruns');
      const step = (plan.to - plan.from) / (drafts.length + 1);
      drafts.forEach((draft, i) => {
        const micros = plan.from + Math.floor((i + 1) * step);
        const message = everrunsMessage(draft, sessionId, i + 1, micros, random);
        if (draft.role === 'user' && random.chance(0.2)) message.metadata = { locale: 'en-US' };
        messages.push(message);
      });
    }
    this.everrunsMessages.set(sessionId, messages);
    return messages;
  }

  /**
   * The events an Everruns session's seeded conversation left (the event store's history):
   * per user message `input.message`, `turn.started`, `session.activated`; per agent message
   * `output.message.completed` and a `tool.started` per tool call; per tool result
   * `tool.completed`; an agent message without tool calls ends its turn (`turn.completed`
   * with usage, `session.idled`). A seeded `active` session's last turn stays open. No deltas.
   */
  everrunsHistory(sessionId: string): EventDraft[] {
    const plan = this.everrunsPlans.get(sessionId);
    if (!plan || plan.length === 0) return [];
    const messages = this.everruns(sessionId).slice(0, plan.length);
    const random = new Random(plan.seed ^ 0x85ebca6b);
    const out: EventDraft[] = [];
    const toolNames = new Map<string, string>();
    let turn: { readonly id: string; readonly inputId: string; readonly ms: number; iterations: number } | undefined;
    const endTurn = (ms: number) => {
      if (!turn) return;
      const context = { turn_id: turn.id, input_message_id: turn.inputId };
      const usage = { input_tokens: random.int(800, 40_000), output_tokens: random.int(50, 3_000) };
      const common = { turn_id: turn.id, iterations: turn.iterations };
      out.push({ type: 'turn.completed', data: { ...common, duration_ms: ms - turn.ms, usage }, context, ms });
      out.push({ type: 'session.idled', data: { ...common, usage }, context, ms });
      turn = undefined;
    };
    for (const message of messages) {
      const ms = Math.floor(everrunsTextToMicros(message.created_at) / 1000);
      const context: Record<string, string> = turn ? { turn_id: turn.id, input_message_id: turn.inputId } : {};
      if (message.role === 'user') {
        endTurn(ms);
        turn = { id: everrunsId('turn', ms, random), inputId: message.id, ms, iterations: 0 };
        const ids = { turn_id: turn.id, input_message_id: message.id };
        out.push({ type: 'input.message', data: { message }, context: { input_message_id: message.id }, ms });
        out.push({ type: 'turn.started', data: { ...ids, input_content: textOf(message.content) }, context: ids, ms });
        out.push({ type: 'session.activated', data: ids, context: ids, ms });
      } else if (message.role === 'agent') {
        if (turn) turn.iterations += 1;
        out.push({ type: 'output.message.completed', data: { message }, context, ms });
        const calls = message.content.filter((part) => part.type === 'tool_call');
        for (const call of calls) {
          toolNames.set(String(call.id), String(call.name));
          const tool_call = { id: call.id, name: call.name, arguments: call.arguments };
          out.push({ type: 'tool.started', data: { tool_call }, context, ms });
        }
        if (calls.length === 0) endTurn(ms);
      } else if (message.role === 'tool_result') {
        for (const part of message.content.filter((p) => p.type === 'tool_result')) {
          const name = toolNames.get(String(part.tool_call_id)) ?? 'unknown';
          out.push({ type: 'tool.completed', data: toolCompletedData(part, name, random.int(20, 4_000)), context, ms });
        }
      }
    }
    return out;
  }
}

function plannedLength(random: Random, shape: ConversationShape, emptyChance: number): number {
  if (shape !== 'normal') return random.int(150, 260);
  if (random.chance(emptyChance)) return 0;
  return random.chance(0.75) ? random.int(1, 12) : random.int(13, 60);
}

/** The messages of a planned conversation, before they take a source's shape. */
function conversationDrafts(plan: Plan, random: Random, source: 'factory' | 'everruns'): MessageDraft[] {
  const out: MessageDraft[] = [];
  const odd = plan.shape === 'odd';
  // The odd conversation gets one more message below: the one with an unknown role.
  const body = odd ? plan.length - 1 : plan.length;
  const callId = source === 'factory' ? factoryCallId : everrunsCallId;
  if (odd || (body >= 4 && random.chance(0.12))) out.push({ role: 'system', text: SYSTEM_TEXTS[source] });
  out.push({ role: 'user', text: plan.firstText });
  let pending: ToolCallDraft | undefined;
  let calls = 0;
  while (out.length < body) {
    const remaining = body - out.length;
    const previous = out[out.length - 1];
    if (pending) {
      out.push({
        role: 'tool',
        result: { call: pending, output: pending.kind.output(random), error: random.chance(0.12) },
      });
      pending = undefined;
    } else if (remaining === 1) {
      out.push(finalDraft(plan, random, callId));
    } else if (previous?.role === 'agent') {
      out.push({ role: 'user', text: random.pick(FOLLOWUPS) });
    } else if (remaining >= 3 && ((odd && calls === 0) || random.chance(0.45))) {
      const kind = random.pick(TOOL_KINDS);
      pending = { id: callId(random), kind, input: kind.input(random) };
      calls += 1;
      out.push({ role: 'agent', text: random.pick(INTROS), call: pending });
    } else if (source === 'factory' && random.chance(0.03)) {
      out.push({ role: 'agent', text: AGENT_ERROR, error: true });
    } else {
      out.push({ role: 'agent', text: random.pick(AGENT_TEXTS) });
    }
  }
  if (odd) {
    out.splice(2, 0, { role: 'unknown', text: UNKNOWN_ROLE_TEXT });
    const firstUser = out.find((draft) => draft.role === 'user');
    if (firstUser && source === 'everruns') firstUser.extras = ['image'];
    const firstReply = out.find((draft) => draft.role === 'agent' && !draft.call && !draft.error);
    if (firstReply) firstReply.extras = ['unknownPart'];
    const firstResult = out.find((draft) => draft.result);
    if (firstResult?.result) firstResult.result.error = true;
  }
  return out;
}

/** The last seeded message, as the session's status implies. */
function finalDraft(plan: Plan, random: Random, callId: (random: Random) => string): MessageDraft {
  if (plan.status === 'running' || plan.status === 'pending' || plan.status === 'active') {
    return { role: 'user', text: random.pick(FOLLOWUPS) };
  }
  if (plan.status === 'waiting_for_tool_results') {
    const kind = random.pick(TOOL_KINDS);
    return { role: 'agent', text: random.pick(INTROS), call: { id: callId(random), kind, input: kind.input(random) } };
  }
  return { role: 'agent', text: plan.lastText ?? random.pick(REPLIES) };
}

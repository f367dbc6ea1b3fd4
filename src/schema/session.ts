import type { SessionRecord } from '../sources/session.js';
import { builder } from './builder.js';

/** Normalised token counts, whichever source they came from. */
export interface TokenUsageShape {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number | null;
  readonly cacheCreationTokens?: number | null;
  readonly thinkingTokens?: number | null;
  readonly factoryCredits?: number | null;
}

export const SessionSource = builder.enumType('SessionSource', {
  description: 'The upstream platform a session lives on.',
  values: {
    FACTORY: { value: 'FACTORY', description: 'Factory (Public API v0).' },
    EVERRUNS: { value: 'EVERRUNS', description: 'Everruns (API v1).' },
  } as const,
});

export const SessionState = builder.enumType('SessionState', {
  description:
    'The normalised state of a session. `upstreamStatus` keeps the upstream word verbatim; words this gateway does not know map to UNKNOWN.',
  values: {
    PENDING: { description: 'Created, no turn has run yet (Factory `pending`, Everruns `started`).' },
    RUNNING: { description: 'A turn is running (Factory `running`, Everruns `active`, `waiting_for_tool_results`).' },
    IDLE: { description: 'Waiting for input (`idle` on both).' },
    PAUSED: { description: 'Paused (Everruns `paused`).' },
    UNKNOWN: { description: 'A status word this gateway does not know; read `upstreamStatus`.' },
  } as const,
});

type State = 'PENDING' | 'RUNNING' | 'IDLE' | 'PAUSED' | 'UNKNOWN';

const FACTORY_STATES: Readonly<Record<string, State>> = { pending: 'PENDING', running: 'RUNNING', idle: 'IDLE' };
const EVERRUNS_STATES: Readonly<Record<string, State>> = {
  started: 'PENDING',
  active: 'RUNNING',
  waiting_for_tool_results: 'RUNNING',
  idle: 'IDLE',
  paused: 'PAUSED',
};

/** The normalised state of a session (DESIGN.md "State mapping"). */
export function stateOf(session: SessionRecord): State {
  const table = session.kind === 'FACTORY' ? FACTORY_STATES : EVERRUNS_STATES;
  return Object.hasOwn(table, session.status) ? (table[session.status] ?? 'UNKNOWN') : 'UNKNOWN';
}

function tokenUsageOf(session: SessionRecord): TokenUsageShape | null {
  if (session.kind === 'FACTORY') return session.settings?.tokenUsage ?? null;
  const usage = session.usage;
  if (!usage) return null;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_tokens,
    cacheCreationTokens: usage.cache_creation_tokens,
  };
}

export const TokenUsage = builder.objectRef<TokenUsageShape>('TokenUsage').implement({
  description: 'Token counts of a session. Counts are SafeInt: they can pass 2^31.',
  fields: (t) => ({
    inputTokens: t.field({ type: 'SafeInt', description: 'Input (prompt) tokens.', resolve: (u) => u.inputTokens }),
    outputTokens: t.field({
      type: 'SafeInt',
      description: 'Output (completion) tokens.',
      resolve: (u) => u.outputTokens,
    }),
    cacheReadTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Tokens read from the prompt cache, when the source reports them.',
      resolve: (u) => u.cacheReadTokens ?? null,
    }),
    cacheCreationTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Tokens written to the prompt cache, when the source reports them.',
      resolve: (u) => u.cacheCreationTokens ?? null,
    }),
    thinkingTokens: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Reasoning tokens (Factory only).',
      resolve: (u) => u.thinkingTokens ?? null,
    }),
    factoryCredits: t.float({
      nullable: true,
      description: 'Factory credits spent (Factory only).',
      resolve: (u) => u.factoryCredits ?? null,
    }),
  }),
});

export const Session = builder.interfaceRef<SessionRecord>('Session').implement({
  description:
    'An agent session on either platform. Query `... on FactorySession` or `... on EverrunsSession` for the rest.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (session) => (session.kind === 'FACTORY' ? 'FactorySession' : 'EverrunsSession'),
  fields: (t) => ({
    source: t.field({ type: SessionSource, description: 'The platform the session lives on.', resolve: (s) => s.kind }),
    sourceId: t.exposeString('sourceId', { description: "The upstream's own id of the session." }),
    title: t.exposeString('title', { nullable: true, description: 'Human-readable title, when the session has one.' }),
    state: t.field({ type: SessionState, description: 'Normalised state.', resolve: stateOf }),
    upstreamStatus: t.exposeString('status', {
      description: "The upstream's status word, verbatim (new words show here, never as null).",
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When the session was created.', resolve: (s) => s.createdAt }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When the session last changed.',
      resolve: (s) => s.updatedAt,
    }),
    finishedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the session finished (Factory `completedAt`, Everruns `finished_at`).',
      resolve: (s) => (s.kind === 'FACTORY' ? s.completedAt : s.finishedAt),
    }),
    model: t.string({
      nullable: true,
      description: 'The model (Factory `sessionSettings.model`, Everruns `model_id`).',
      resolve: (s) => (s.kind === 'FACTORY' ? (s.settings?.model ?? null) : s.modelId),
    }),
    tokenUsage: t.field({
      type: TokenUsage,
      nullable: true,
      description: 'Normalised token counts (Factory `sessionSettings.tokenUsage`, Everruns `usage`).',
      resolve: tokenUsageOf,
    }),
  }),
});

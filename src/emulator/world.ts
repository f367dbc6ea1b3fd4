import { ConversationBook, type ConversationShape } from './conversations.js';
import { everrunsId, microsToEverrunsText, uuidV4 } from './ids.js';
import { Random } from './random.js';

export { everrunsId, microsToEverrunsText } from './ids.js';

/**
 * The emulator's seeded fixture world: tenants (one API key per upstream each) and their
 * sessions, stored in the exact JSON shape each upstream sends. Every end-to-end test and
 * the demo use this one world.
 */

/** A Factory session as Factory's JSON has it (optional fields absent, times in Unix ms). */
export type FactorySessionJson = Record<string, unknown> & {
  sessionId: string;
  createdAt: number;
  status: string;
  computerId?: string;
};

/** An Everruns session as Everruns' JSON has it (optional fields absent, microsecond times). */
export type EverrunsSessionJson = Record<string, unknown> & {
  id: string;
  agent_id: string;
  organization_id: string;
  created_at: string;
};

/** A stored Everruns session with its sort key (epoch microseconds of `created_at`, not sent). */
export interface EverrunsStored {
  readonly micros: number;
  readonly json: EverrunsSessionJson;
}

/** Where a tenant's notable seeded conversations of one source are (session ids). */
export interface ConversationLandmarks {
  /** Sessions seeded with 150+ messages (at least two when the tenant has two sessions), newest first. */
  readonly long: readonly string[];
  /** Sessions seeded with no messages (turns may add some later). */
  readonly empty: readonly string[];
  /**
   * The first long session, whose conversation also holds a system message, a role word and a
   * part type no document lists, a failed tool result (and, on Everruns, images): see conversations.ts.
   */
  readonly odd: string | undefined;
}

export interface Tenant {
  readonly name: string;
  readonly factoryKey: string;
  readonly everrunsKey: string;
  readonly organizationId: string;
  readonly computerIds: readonly string[];
  readonly agentIds: readonly string[];
  /** Newest first: `createdAt` desc, then `sessionId` desc. */
  factorySessions: FactorySessionJson[];
  /** Newest first: `created_at` desc, then `id` desc. */
  everrunsSessions: EverrunsStored[];
  /** Factory sessions soft-deleted through `DELETE` (restorable upstream; 404 here), by id. */
  readonly deletedFactorySessions: Map<string, FactorySessionJson>;
  /** Every session's messages, shared by the whole world (routes check the tenant first). */
  readonly conversations: ConversationBook;
  readonly factoryConversations: ConversationLandmarks;
  readonly everrunsConversations: ConversationLandmarks;
}

/** The demo tenants' keys. Anyone may read them: they open only the emulator. */
export const DEMO_KEYS = {
  acme: { factory: 'fk-demo-acme-2f9c4e', everruns: 'evr_demo_acme_8d1b37' },
  globex: { factory: 'fk-demo-globex-6a0d15', everruns: 'evr_demo_globex_c47e92' },
  /** A Factory key of a member (not manager/owner): Factory answers 403. */
  memberFactory: 'fk-demo-member-000001',
  /** A second Everruns key of acme (another person of the same organisation): same sessions, another credential. */
  acmeSecondEverruns: 'evr_demo_acme_second_51c0ae',
} as const;

export interface WorldOptions {
  readonly seed?: number;
  /** Sessions per tenant and source (default: 240 Factory, 230 Everruns). */
  readonly factorySessions?: number;
  readonly everrunsSessions?: number;
}

const TASKS = [
  'Fix flaky login test in auth service',
  'Migrate billing webhooks to the v2 event schema',
  'Add pagination to the invoices endpoint',
  'Investigate memory leak in the ingestion worker',
  'Upgrade React Router and fix broken routes',
  'Write integration tests for the checkout flow',
  'Refactor the feature-flag client to remove globals',
  'Speed up the CI docker build cache',
  'Document the public GraphQL schema',
  'Replace moment.js with date-fns',
  "Triage Sentry errors from last night's deploy",
  'Implement rate limiting on the public API',
  'Port the CSV exporter to streaming',
  'Harden S3 bucket policies',
  'Add dark mode to the settings page',
  'Bump Node to 20 across services',
  'Fix N+1 query on the dashboard',
  'Backfill missing audit log entries',
  'Review the pull request for the search indexer',
  'Draft a design for multi-region failover',
];
const AREAS = ['api', 'web', 'worker', 'infra', 'mobile', 'billing', 'search', 'auth'];
const FACTORY_MODELS = [
  'claude-sonnet-4-5-20250929',
  'claude-opus-4-1-20250805',
  'gpt-5-codex',
  'gemini-2.5-pro',
  'glm-4.6',
];
const EFFORTS = ['off', 'low', 'medium', 'high'];
const MODES = ['auto', 'spec', 'agi'];
const AUTONOMY = ['off', 'low', 'medium', 'high'];
const TOOLS = ['Read', 'Edit', 'Execute', 'Grep', 'Glob', 'WebSearch', 'FetchUrl', 'TodoWrite'];
const PROVIDERS = ['anthropic', 'openai', 'google'];
const EVERRUNS_STATUSES = [
  'idle',
  'idle',
  'idle',
  'idle',
  'idle',
  'idle',
  'active',
  'active',
  'started',
  'waiting_for_tool_results',
  'paused',
];
const CAPABILITIES = ['web_search', 'code_interpreter', 'file_system', 'github'];
const REPLIES = [
  'Done: the test now waits for the session cookie before asserting.',
  'I opened a pull request with the migration and a rollback script.',
  'The leak came from an unbounded LRU; capped it at 10k entries.',
  'All 42 integration tests pass locally; CI is running.',
  'I need the staging credentials to continue.',
];
const BASE_MS = Date.UTC(2026, 10, 20, 17, 45, 12, 345);

function usageNumbers(random: Random, big: boolean) {
  const input = big ? 2_400_000_000 + random.int(0, 900_000_000) : random.int(2_000, 900_000);
  return {
    inputTokens: input,
    outputTokens: random.int(500, 120_000),
    cacheCreationTokens: random.int(0, 50_000),
    cacheReadTokens: big ? 3_100_000_000 + random.int(0, 500_000_000) : random.int(0, 2_000_000),
    thinkingTokens: random.int(0, 40_000),
  };
}

function factorySession(
  random: Random,
  tenant: string,
  createdAt: number,
  computerIds: readonly string[],
  index: number,
): FactorySessionJson {
  const status = random.pick(['idle', 'idle', 'idle', 'idle', 'running', 'pending']);
  const big = index % 97 === 5;
  const tokenUsage = { ...usageNumbers(random, big), factoryCredits: Math.round(random.next() * 4000) / 100 };
  const settings: Record<string, unknown> = {};
  const session: FactorySessionJson = {
    sessionId: uuidV4(random),
    title: `${random.pick(TASKS)} (${random.pick(AREAS)})`,
    status,
    messageCount: random.int(1, 420),
    createdAt,
    updatedAt: createdAt + random.int(1_000, 7_200_000),
    computerId: random.pick(computerIds),
    sessionSettings: settings,
  };
  Object.assign(settings, {
    model: random.pick(FACTORY_MODELS),
    reasoningEffort: random.pick(EFFORTS),
    interactionMode: random.pick(MODES),
    autonomyLevel: random.pick(AUTONOMY),
    specModeModel: random.pick(FACTORY_MODELS),
    specModeReasoningEffort: random.pick(EFFORTS),
    providerLock: random.pick(PROVIDERS),
    providerLockTimestamp: new Date(createdAt).toISOString(),
    assistantActiveTimeMs: random.int(1_000, 3_600_000),
    tokenUsage,
    inclusiveTokenUsage: { ...tokenUsage, inputTokens: tokenUsage.inputTokens + random.int(0, 5_000) },
    tags: [
      { name: random.pick(AREAS), metadata: { team: `${tenant}-platform`, ticket: `ENG-${random.int(100, 9999)}` } },
      { name: random.pick(['bug', 'feature', 'chore', 'spike']) },
    ],
    enabledToolIds: TOOLS.filter(() => random.chance(0.7)),
    disabledToolIds: random.chance(0.2) ? ['WebSearch'] : [],
  });
  if (random.chance(0.1)) delete session.title;
  if (status === 'idle' && random.chance(0.6)) session.completedAt = createdAt + random.int(60_000, 7_200_000);
  if (random.chance(0.08)) {
    settings.archivedAt = new Date(createdAt + 86_400_000).toISOString();
  }
  if (random.chance(0.05)) {
    settings.childInclusiveTokenUsageBySessionId = { [uuidV4(random)]: usageNumbers(random, false) };
  }
  return session;
}

function everrunsSession(random: Random, tenant: Tenant, micros: number, index: number): EverrunsStored {
  const ms = Math.floor(micros / 1000);
  // `paused` and `waiting_for_tool_results` came with a newer server: only recent sessions have them.
  const status = random.pick(index < 60 ? EVERRUNS_STATUSES : EVERRUNS_STATUSES.slice(0, 9));
  const session: EverrunsSessionJson = {
    id: everrunsId('session', ms, random),
    organization_id: tenant.organizationId,
    agent_id: random.pick(tenant.agentIds),
    status,
    created_at: microsToEverrunsText(micros),
    updated_at: microsToEverrunsText(micros + random.int(1_000_000, 3_600_000_000)),
    tags: random.chance(0.7) ? [random.pick(AREAS), random.pick(['triage', 'release', 'research'])] : [],
  };
  if (random.chance(0.9)) session.title = `${random.pick(TASKS)} [${random.pick(AREAS)}]`;
  if (status !== 'started') {
    session.preview = `Please ${random.pick(TASKS).toLowerCase()} and report back.`;
    session.started_at = microsToEverrunsText(micros + random.int(10_000, 5_000_000));
    session.usage = {
      input_tokens: index % 89 === 3 ? 2_600_000_000 : random.int(1_000, 800_000),
      output_tokens: random.int(100, 90_000),
      ...(random.chance(0.6) ? { cache_read_tokens: random.int(0, 400_000) } : {}),
      ...(random.chance(0.3) ? { cache_creation_tokens: random.int(0, 40_000) } : {}),
    };
  }
  if (status === 'idle') session.output_preview = random.pick(REPLIES);
  if (status === 'idle' && random.chance(0.5))
    session.finished_at = microsToEverrunsText(micros + random.int(60_000_000, 7_200_000_000));
  if (random.chance(0.5)) session.model_id = everrunsId('model', BASE_MS - 90 * 86_400_000, random);
  if (random.chance(0.4)) {
    session.capabilities = [
      { ref: random.pick(CAPABILITIES) },
      { ref: 'code_interpreter', config: { timeout_s: random.pick([30, 60, 120]), network: false } },
    ];
  }
  return { micros, json: session };
}

const NO_LANDMARKS: ConversationLandmarks = { long: [], empty: [], odd: undefined };

/**
 * Builds the seeded world. Same options, same world. Conversations are planned here (cheap)
 * and written on first use, into `conversations` (a new book unless one is given).
 */
export function createWorld(
  options: WorldOptions = {},
  conversations = new ConversationBook(options.seed ?? 7),
): Map<string, Tenant> {
  const tenants = new Map<string, Tenant>();
  let tenantIndex = 0;
  for (const name of ['acme', 'globex'] as const) {
    const random = new Random((options.seed ?? 7) * 1000 + tenantIndex++);
    const tenant: Tenant = {
      name,
      factoryKey: DEMO_KEYS[name].factory,
      everrunsKey: DEMO_KEYS[name].everruns,
      organizationId: everrunsId('org', BASE_MS - 400 * 86_400_000, random),
      computerIds: Array.from({ length: 4 }, () => `cmp_${random.hex(24)}`),
      agentIds: Array.from({ length: 5 }, () => everrunsId('agent', BASE_MS - 200 * 86_400_000, random)),
      factorySessions: [],
      everrunsSessions: [],
      deletedFactorySessions: new Map(),
      conversations,
      factoryConversations: NO_LANDMARKS,
      everrunsConversations: NO_LANDMARKS,
    };
    let at = BASE_MS - tenantIndex * 3_600_000;
    const factoryTimes: number[] = [];
    for (let i = 0; i < (options.factorySessions ?? 240); i++) {
      // About one in eight sessions shares its creation time with the previous one.
      if (i === 0 || !random.chance(0.12)) at -= random.int(1_000, 3 * 3_600_000);
      factoryTimes.push(at);
      tenant.factorySessions.push(factorySession(random, name, at, tenant.computerIds, i));
    }
    let micros = (BASE_MS - tenantIndex * 3_600_000) * 1000 + 777_123;
    for (let i = 0; i < (options.everrunsSessions ?? 230); i++) {
      let sessionMicros: number;
      if (random.chance(0.08)) {
        // Same instant as a Factory session: the merged feed's cross-source tie.
        sessionMicros = random.pick(factoryTimes) * 1000;
      } else {
        if (i === 0 || !random.chance(0.12)) micros -= random.int(1_000_000, 3 * 3_600_000_000) + random.int(0, 999);
        sessionMicros = micros;
      }
      tenant.everrunsSessions.push(everrunsSession(random, tenant, sessionMicros, i));
    }
    sortFactory(tenant.factorySessions);
    sortEverruns(tenant.everrunsSessions);
    tenants.set(name, { ...tenant, ...planConversations(tenant, conversations) });
  }
  return tenants;
}

/**
 * Plans every session's conversation and says where the notable ones are. Long ones sit at
 * list positions 7, 67, 127, ... (Factory) and 11, 71, 131, ... (Everruns, skipping sessions
 * still `started`, which have no messages), or at the top of a short list; the first is odd.
 * Factory's `messageCount` becomes the planned length.
 */
function planConversations(
  tenant: Tenant,
  book: ConversationBook,
): Pick<Tenant, 'factoryConversations' | 'everrunsConversations'> {
  const factoryLong = longPositions(tenant.factorySessions.length, 7, () => true);
  const factoryEmpty: string[] = [];
  tenant.factorySessions.forEach((session, i) => {
    const length = book.planFactory(session, shapeAt(factoryLong, i));
    session.messageCount = length;
    if (length === 0) factoryEmpty.push(session.sessionId);
  });
  const everruns = tenant.everrunsSessions;
  const everrunsLong = longPositions(everruns.length, 11, (i) => everruns[i]?.json.status !== 'started');
  const everrunsEmpty: string[] = [];
  everruns.forEach((stored, i) => {
    if (book.planEverruns(stored, shapeAt(everrunsLong, i)) === 0) everrunsEmpty.push(stored.json.id);
  });
  const landmarks = (long: number[], empty: string[], id: (i: number) => string | undefined) => {
    const ids = long.map(id).filter((value): value is string => value !== undefined);
    return { long: ids, empty, odd: ids[0] };
  };
  return {
    factoryConversations: landmarks(factoryLong, factoryEmpty, (i) => tenant.factorySessions[i]?.sessionId),
    everrunsConversations: landmarks(everrunsLong, everrunsEmpty, (i) => everruns[i]?.json.id),
  };
}

/** List positions of long conversations: every 60th from `first`, moved down to one that `fits`. */
function longPositions(count: number, first: number, fits: (i: number) => boolean): number[] {
  const wanted =
    count > first + 60 ? Array.from({ length: Math.ceil((count - first) / 60) }, (_, k) => first + 60 * k) : [0, 1];
  const positions: number[] = [];
  for (const start of wanted) {
    let i = Math.max(start, (positions[positions.length - 1] ?? -1) + 1);
    while (i < count && !fits(i)) i++;
    if (i < count) positions.push(i);
  }
  return positions;
}

function shapeAt(long: readonly number[], i: number): ConversationShape {
  return long[0] === i ? 'odd' : long.includes(i) ? 'long' : 'normal';
}

/** Factory's order: `createdAt` desc, then `sessionId` desc. */
export function sortFactory(sessions: FactorySessionJson[]): void {
  sessions.sort(
    (a, b) => b.createdAt - a.createdAt || (a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0),
  );
}

/** Everruns' order: `created_at` desc, then `id` desc. */
export function sortEverruns(sessions: EverrunsStored[]): void {
  sessions.sort((a, b) => b.micros - a.micros || (a.json.id < b.json.id ? 1 : a.json.id > b.json.id ? -1 : 0));
}

/** A random source for sessions the emulator creates at run time. */
export function runtimeRandom(seed: number): Random {
  return new Random(seed);
}

import { describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../src/emulator/index.js';
import { globalId } from '../src/schema/node.js';
import { dataOf, useHarness } from './harness.js';

const h = useHarness({ gateway: () => ({ upstreamTimeoutMs: 500 }) });

const RESULT = `
  __typename
  ... on Error { message }
  ... on ValidationError { fieldErrors { path message } }
  ... on NotFoundError { id }
  ... on UpstreamError { source code upstreamStatus outcomeUnknown }
`;

const CREATE_EVERRUNS = `mutation($input: CreateEverrunsSessionInput!) {
  createEverrunsSession(input: $input) { ${RESULT} ... on EverrunsSessionPayload { session { id sourceId title tags modelId state agentId capabilities { ref config } } } }
}`;
const UPDATE_EVERRUNS = `mutation($input: UpdateEverrunsSessionInput!) {
  updateEverrunsSession(input: $input) { ${RESULT} ... on EverrunsSessionPayload { session { title tags } } }
}`;
const DELETE_EVERRUNS = `mutation($id: ID!) {
  deleteEverrunsSession(input: { id: $id }) { ${RESULT} ... on DeleteEverrunsSessionPayload { deletedId } }
}`;
const CANCEL_EVERRUNS = `mutation($id: ID!) {
  cancelEverrunsSession(input: { id: $id }) { ${RESULT} ... on CancelEverrunsSessionPayload { outcome cancelStatus upstreamMessage session { state } } }
}`;
const CREATE_FACTORY = `mutation($input: CreateFactorySessionInput!) {
  createFactorySession(input: $input) { ${RESULT} ... on CreateFactorySessionPayload { session { id sourceId computerId state tags tagDetails { name }
    settings { model reasoningEffort interactionMode autonomyLevel providerLock apiProviderLock enabledToolIds disabledToolIds tags { name metadata { key value } } } } } }
}`;

type Result = Record<string, unknown> & { __typename: string };

const acme = () => {
  const tenant = h.emulator.tenants.get('acme');
  if (!tenant) throw new Error('no tenant');
  return tenant;
};
const writes = () =>
  h.emulator.switchboard.countPrefix('POST ') +
  h.emulator.switchboard.countPrefix('PATCH ') +
  h.emulator.switchboard.countPrefix('DELETE ');
const upstreamCalls = () => writes() + h.emulator.switchboard.countPrefix('GET ');
const everrunsId = (index: number) => globalId('EverrunsSession', acme().everrunsSessions[index]?.json.id ?? '');

describe('createEverrunsSession', () => {
  it('creates the session; node and both connections read it back', async () => {
    const response = await h.query(CREATE_EVERRUNS, {
      input: {
        agentId: acme().agentIds[0],
        title: 'Investigate the flaky deploy',
        tags: ['ops', 'urgent'],
        modelId: `model_${'ab'.repeat(16)}`,
        capabilities: [{ ref: 'web_search' }, { ref: 'code_interpreter', config: { timeout_s: 30 } }],
      },
    });
    const result = dataOf<Result>(response, 'createEverrunsSession');
    expect(result).toMatchObject({
      __typename: 'EverrunsSessionPayload',
      session: {
        title: 'Investigate the flaky deploy',
        tags: ['ops', 'urgent'],
        modelId: `model_${'ab'.repeat(16)}`,
        state: 'PENDING',
        agentId: acme().agentIds[0],
        capabilities: [
          { ref: 'web_search', config: null },
          { ref: 'code_interpreter', config: { timeout_s: 30 } },
        ],
      },
    });
    const session = result.session as { id: string; sourceId: string };
    expect(h.emulator.switchboard.count('POST /v1/sessions')).toBe(1);
    const read = await h.query(
      `query($id: ID!) {
        node(id: $id) { ... on EverrunsSession { title tags } }
        everrunsSessions(first: 1) { edges { node { id } } }
        sessions(first: 1) { edges { node { id } } }
      }`,
      { id: session.id },
    );
    expect(read.body).toEqual({
      data: {
        node: { title: 'Investigate the flaky deploy', tags: ['ops', 'urgent'] },
        everrunsSessions: { edges: [{ node: { id: session.id } }] },
        sessions: { edges: [{ node: { id: session.id } }] },
      },
    });
  });

  it.each([
    ['an agentId with upper-case hex', { agentId: `agent_${'AB'.repeat(16)}` }, ['input', 'agentId']],
    ['an agentId with 31 digits', { agentId: `agent_${'a'.repeat(31)}` }, ['input', 'agentId']],
    ['an empty title', { title: '  ' }, ['input', 'title']],
    ['a 501-character title', { title: 'x'.repeat(501) }, ['input', 'title']],
    ['duplicate tags', { tags: ['a', 'a'] }, ['input', 'tags']],
    ['51 tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, ['input', 'tags']],
    ['a bad modelId', { modelId: 'gpt-5' }, ['input', 'modelId']],
    ['a capability without ref', { capabilities: [{ ref: '' }] }, ['input', 'capabilities', '0', 'ref']],
  ])('refuses %s with a ValidationError and no upstream call', async (_name, change, path) => {
    const response = await h.query(CREATE_EVERRUNS, { input: { agentId: acme().agentIds[0], ...change } });
    const result = dataOf<Result>(response, 'createEverrunsSession');
    expect(result.__typename).toBe('ValidationError');
    expect(result.fieldErrors).toEqual([{ path, message: expect.any(String) }]);
    expect(upstreamCalls()).toBe(0);
  });

  it('names every bad field at once', async () => {
    const response = await h.query(CREATE_EVERRUNS, { input: { agentId: 'nope', title: '', modelId: 'm' } });
    const result = dataOf<{ fieldErrors: { path: string[]; message: string }[] }>(response, 'createEverrunsSession');
    expect(result.fieldErrors.map((e) => e.path.join('.'))).toEqual(['input.agentId', 'input.title', 'input.modelId']);
    expect(result.fieldErrors[0]?.message).toBe('must be `agent_` followed by 32 lowercase hex digits');
  });

  it('maps Everruns\' 400 "Invalid agent ID" (an agent it does not know) to a ValidationError naming agentId', async () => {
    const sessions = acme().everrunsSessions.length;
    const response = await h.query(CREATE_EVERRUNS, { input: { agentId: `agent_${'0'.repeat(32)}`, title: 'x' } });
    expect(dataOf<Result>(response, 'createEverrunsSession')).toEqual({
      __typename: 'ValidationError',
      message: expect.stringContaining('input.agentId'),
      fieldErrors: [{ path: ['input', 'agentId'], message: 'Everruns has no agent with this id (for this key)' }],
    });
    expect(h.emulator.switchboard.count('POST /v1/sessions')).toBe(1);
    expect(acme().everrunsSessions).toHaveLength(sessions);
  });

  it.each([
    ['another 400 message', '{"error":"Invalid model ID"}'],
    ['a 400 without a body', null],
    ['a 400 in plain text', 'Failed to parse the request body as JSON'],
  ])('keeps %s an UpstreamError BAD_USER_INPUT', async (_name, body) => {
    h.emulator.switchboard.inject({ route: 'POST /v1/sessions', status: 400, body });
    const response = await h.query(CREATE_EVERRUNS, { input: { agentId: acme().agentIds[0] } });
    expect(dataOf<Result>(response, 'createEverrunsSession')).toMatchObject({
      __typename: 'UpstreamError',
      source: 'EVERRUNS',
      code: 'BAD_USER_INPUT',
      upstreamStatus: 400,
      outcomeUnknown: false,
    });
  });

  it('a 5xx on create is not retried', async () => {
    h.emulator.switchboard.inject({ route: 'POST /v1/sessions', status: 503 });
    const response = await h.query(CREATE_EVERRUNS, { input: { agentId: acme().agentIds[0] } });
    expect(dataOf<Result>(response, 'createEverrunsSession')).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamStatus: 503,
      outcomeUnknown: false,
    });
    expect(h.emulator.switchboard.count('POST /v1/sessions')).toBe(1);
  });

  it('a create answered out of the API says the outcome is unknown: it was made', async () => {
    h.emulator.switchboard.inject({ route: 'POST /v1/sessions', dropField: 'created_at', times: 1 });
    const response = await h.query(CREATE_EVERRUNS, { input: { agentId: acme().agentIds[0] } });
    const result = dataOf<Result>(response, 'createEverrunsSession');
    expect(result).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true });
    expect(h.emulator.switchboard.count('POST /v1/sessions')).toBe(1);
  });

  it('a timeout on create says the outcome is unknown', async () => {
    h.emulator.switchboard.inject({ route: 'POST /v1/sessions', delayMs: 1_000 });
    const response = await h.query(CREATE_EVERRUNS, { input: { agentId: acme().agentIds[0] } });
    const result = dataOf<Result>(response, 'createEverrunsSession');
    expect(result).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true });
    expect(result.message).toContain('outcome of this change is unknown');
    expect(h.emulator.switchboard.count('POST /v1/sessions')).toBe(1);
  });

  it('a wrong key is an UpstreamError UNAUTHENTICATED', async () => {
    const response = await h.query(
      CREATE_EVERRUNS,
      { input: { agentId: acme().agentIds[0] } },
      { 'x-everruns-api-key': 'evr_wrong' },
    );
    expect(dataOf<Result>(response, 'createEverrunsSession')).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UNAUTHENTICATED',
      upstreamStatus: 401,
    });
  });
});

describe('updateEverrunsSession', () => {
  it('changes title and tags with one PATCH, and later reads see the change', async () => {
    const id = everrunsId(5);
    const response = await h.query(UPDATE_EVERRUNS, { input: { id, title: 'Renamed', tags: ['done'] } });
    expect(dataOf<Result>(response, 'updateEverrunsSession')).toEqual({
      __typename: 'EverrunsSessionPayload',
      session: { title: 'Renamed', tags: ['done'] },
    });
    expect(h.emulator.switchboard.counts()).toEqual({ 'PATCH /v1/sessions/:id': 1 });
    const read = await h.query('query($id: ID!) { node(id: $id) { ... on EverrunsSession { title tags } } }', { id });
    expect(read.body.data).toEqual({ node: { title: 'Renamed', tags: ['done'] } });
    const list = await h.query('{ everrunsSessions(first: 10) { edges { node { id title } } } }');
    expect(dataOf<{ edges: { node: { id: string; title: string } }[] }>(list, 'everrunsSessions').edges).toContainEqual(
      { node: { id, title: 'Renamed' } },
    );
  });

  it('clears the title with null', async () => {
    const id = everrunsId(6);
    const response = await h.query(UPDATE_EVERRUNS, { input: { id, title: null } });
    expect(dataOf<Result>(response, 'updateEverrunsSession')).toMatchObject({ session: { title: null } });
  });

  it.each([
    ['an id that is not a global id', () => ({ id: 'session_123' })],
    [
      'the global id of a Factory session',
      () => ({ id: globalId('FactorySession', acme().factorySessions[0]?.sessionId ?? '') }),
    ],
    ['no change at all', () => ({ id: everrunsId(1) })],
  ])('refuses %s with a ValidationError and no upstream call', async (_name, input) => {
    const response = await h.query(UPDATE_EVERRUNS, {
      input: { title: 'x', ...input(), ...(_name === 'no change at all' ? { title: undefined } : {}) },
    });
    const result = dataOf<Result>(response, 'updateEverrunsSession');
    expect(result.__typename).toBe('ValidationError');
    expect(upstreamCalls()).toBe(0);
  });

  it('an unknown session is a NotFoundError', async () => {
    const id = globalId('EverrunsSession', `session_${'f'.repeat(32)}`);
    const response = await h.query(UPDATE_EVERRUNS, { input: { id, title: 'x' } });
    expect(dataOf<Result>(response, 'updateEverrunsSession')).toEqual({
      __typename: 'NotFoundError',
      message: 'No such session (it does not exist, or your key cannot see it).',
      id,
    });
  });
});

describe('deleteEverrunsSession and cancelEverrunsSession', () => {
  it('deletes; the rest of the request and later requests see it gone', async () => {
    const id = everrunsId(10);
    const response = await h.query(
      `mutation($id: ID!) {
        deleteEverrunsSession(input: { id: $id }) { __typename ... on DeleteEverrunsSessionPayload { deletedId } }
        again: cancelEverrunsSession(input: { id: $id }) { __typename }
      }`,
      { id },
    );
    expect(response.body.data).toEqual({
      deleteEverrunsSession: { __typename: 'DeleteEverrunsSessionPayload', deletedId: id },
      again: { __typename: 'NotFoundError' },
    });
    const again = await h.query('query($id: ID!) { node(id: $id) { id } }', { id });
    expect(again.body.data).toEqual({ node: null });
    const deletedAgain = await h.query(DELETE_EVERRUNS, { id });
    expect(dataOf<Result>(deletedAgain, 'deleteEverrunsSession').__typename).toBe('NotFoundError');
  });

  it('cancels a running turn, then answers no-op; the session is read fresh', async () => {
    const index = acme().everrunsSessions.findIndex((s) => s.json.status === 'active');
    const id = everrunsId(index);
    const first = await h.query(CANCEL_EVERRUNS, { id });
    expect(dataOf<Result>(first, 'cancelEverrunsSession')).toEqual({
      __typename: 'CancelEverrunsSessionPayload',
      outcome: 'CANCELLED',
      cancelStatus: 'cancelled',
      upstreamMessage: 'Turn cancelled successfully',
      session: { state: 'IDLE' },
    });
    const second = await h.query(CANCEL_EVERRUNS, { id });
    expect(dataOf<Result>(second, 'cancelEverrunsSession')).toMatchObject({
      outcome: 'NO_OP',
      cancelStatus: 'no_op',
    });
  });

  it.each([
    ['delete', DELETE_EVERRUNS, 'deleteEverrunsSession'],
    ['cancel', CANCEL_EVERRUNS, 'cancelEverrunsSession'],
  ])('%s refuses a malformed id with a ValidationError and no call', async (_name, mutation, field) => {
    const response = await h.query(mutation, { id: 'bm90IGFuIGlk' });
    expect(dataOf<Result>(response, field)).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [
        {
          path: ['input', 'id'],
          message: 'must be the `id` of an EverrunsSession (a global id, as queries return it)',
        },
      ],
    });
    expect(upstreamCalls()).toBe(0);
  });

  it("tenant B's key cannot update, delete or cancel tenant A's session", async () => {
    const id = everrunsId(20);
    const before = structuredClone(acme().everrunsSessions[20]?.json);
    const globex = { 'x-everruns-api-key': DEMO_KEYS.globex.everruns };
    const update = await h.query(UPDATE_EVERRUNS, { input: { id, title: 'hijacked' } }, globex);
    const remove = await h.query(DELETE_EVERRUNS, { id }, globex);
    const cancel = await h.query(CANCEL_EVERRUNS, { id }, globex);
    expect(dataOf<Result>(update, 'updateEverrunsSession').__typename).toBe('NotFoundError');
    expect(dataOf<Result>(remove, 'deleteEverrunsSession').__typename).toBe('NotFoundError');
    expect(dataOf<Result>(cancel, 'cancelEverrunsSession').__typename).toBe('NotFoundError');
    expect(acme().everrunsSessions[20]?.json).toEqual(before);
  });

  it('5xx on delete maps to an UpstreamError and is not retried', async () => {
    h.emulator.switchboard.inject({ route: 'DELETE /v1/sessions/:id', status: 500 });
    const response = await h.query(DELETE_EVERRUNS, { id: everrunsId(30) });
    expect(dataOf<Result>(response, 'deleteEverrunsSession')).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamStatus: 500,
    });
    expect(h.emulator.switchboard.count('DELETE /v1/sessions/:id')).toBe(1);
  });
});

describe('createFactorySession', () => {
  const settings = {
    model: 'claude-sonnet-4-5-20250929',
    reasoningEffort: 'XHIGH',
    interactionMode: 'SPEC',
    autonomyLevel: 'MEDIUM',
    specModeModel: 'gpt-5-codex',
    specModeReasoningEffort: 'OFF',
    providerLock: 'GENERIC_CHAT_COMPLETION_API',
    apiProviderLock: 'AZURE_OPENAI',
    tags: [{ name: 'release', metadata: [{ key: 'ticket', value: 'ENG-1' }] }, { name: 'bot' }],
    enabledToolIds: ['Read', 'Edit'],
    disabledToolIds: ['WebSearch'],
  };

  it('sends typed settings as Factory words; node and factorySessions read the session back', async () => {
    const computerId = acme().computerIds[0];
    const response = await h.query(CREATE_FACTORY, { input: { computerId, cwd: '/home/dev/repo', settings } });
    const result = dataOf<Result>(response, 'createFactorySession');
    expect(result).toMatchObject({
      __typename: 'CreateFactorySessionPayload',
      session: {
        computerId,
        state: 'PENDING',
        tags: ['release', 'bot'],
        tagDetails: [{ name: 'release' }, { name: 'bot' }],
        settings: {
          model: 'claude-sonnet-4-5-20250929',
          reasoningEffort: 'xhigh',
          interactionMode: 'spec',
          autonomyLevel: 'medium',
          providerLock: 'generic-chat-completion-api',
          apiProviderLock: 'azure_openai',
          enabledToolIds: ['Read', 'Edit'],
          disabledToolIds: ['WebSearch'],
          tags: [
            { name: 'release', metadata: [{ key: 'ticket', value: 'ENG-1' }] },
            { name: 'bot', metadata: [] },
          ],
        },
      },
    });
    const session = result.session as { id: string; sourceId: string };
    const stored = acme().factorySessions.find((s) => s.sessionId === session.sourceId);
    expect(stored?.sessionSettings).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      reasoningEffort: 'xhigh',
      interactionMode: 'spec',
      autonomyLevel: 'medium',
      specModeModel: 'gpt-5-codex',
      specModeReasoningEffort: 'off',
      providerLock: 'generic-chat-completion-api',
      apiProviderLock: 'azure_openai',
      tags: [{ name: 'release', metadata: { ticket: 'ENG-1' } }, { name: 'bot' }],
      enabledToolIds: ['Read', 'Edit'],
      disabledToolIds: ['WebSearch'],
    });
    const read = await h.query(
      'query($id: ID!) { node(id: $id) { id } factorySessions(first: 1) { edges { node { id } } } }',
      { id: session.id },
    );
    expect(read.body.data).toEqual({
      node: { id: session.id },
      factorySessions: { edges: [{ node: { id: session.id } }] },
    });
  });

  it.each([
    ['an empty computerId', { computerId: '' }, 'input.computerId'],
    ['an empty cwd', { cwd: '' }, 'input.cwd'],
    ['a 4097-character cwd', { cwd: `/${'a'.repeat(4096)}` }, 'input.cwd'],
    ['a 201-character model', { settings: { model: 'm'.repeat(201) } }, 'input.settings.model'],
    ['duplicate tag names', { settings: { tags: [{ name: 'a' }, { name: 'a' }] } }, 'input.settings.tags'],
    [
      'duplicate metadata keys',
      {
        settings: {
          tags: [
            {
              name: 'a',
              metadata: [
                { key: 'k', value: '1' },
                { key: 'k', value: '2' },
              ],
            },
          ],
        },
      },
      'input.settings.tags.0.metadata',
    ],
    [
      'a tool both enabled and disabled',
      { settings: { enabledToolIds: ['Read'], disabledToolIds: ['Read'] } },
      'input.settings.disabledToolIds',
    ],
  ])('refuses %s with a ValidationError and no upstream call', async (_name, change, path) => {
    const response = await h.query(CREATE_FACTORY, { input: { computerId: acme().computerIds[0], ...change } });
    const result = dataOf<{ __typename: string; fieldErrors: { path: string[] }[] }>(response, 'createFactorySession');
    expect(result.__typename).toBe('ValidationError');
    expect(result.fieldErrors.map((e) => e.path.join('.'))).toEqual([path]);
    expect(upstreamCalls()).toBe(0);
  });

  it('an unknown enum word is refused by GraphQL itself, before execution', async () => {
    const response = await h.query(CREATE_FACTORY, {
      input: { computerId: 'c', settings: { reasoningEffort: 'EXTREME' } },
    });
    expect(response.body.errors?.[0]?.message).toContain('EXTREME');
    expect(upstreamCalls()).toBe(0);
  });

  it.each([
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [429, 'UPSTREAM_RATE_LIMITED'],
    [500, 'UPSTREAM_UNAVAILABLE'],
  ])('maps Factory %i to an UpstreamError %s, sent once', async (status, code) => {
    h.emulator.switchboard.inject({ route: 'POST /api/v0/sessions', status });
    const response = await h.query(CREATE_FACTORY, { input: { computerId: acme().computerIds[0] } });
    expect(dataOf<Result>(response, 'createFactorySession')).toMatchObject({
      __typename: 'UpstreamError',
      source: 'FACTORY',
      code,
      upstreamStatus: status,
    });
    expect(h.emulator.switchboard.count('POST /api/v0/sessions')).toBe(1);
  });

  it("maps Factory's 400 for an unknown computer to a ValidationError naming computerId", async () => {
    const response = await h.query(CREATE_FACTORY, { input: { computerId: 'cmp_unknown' } });
    expect(dataOf<Result>(response, 'createFactorySession')).toEqual({
      __typename: 'ValidationError',
      message: expect.stringContaining('input.computerId'),
      fieldErrors: [{ path: ['input', 'computerId'], message: 'Factory has no computer with this id (for this key)' }],
    });
    expect(h.emulator.switchboard.count('POST /api/v0/sessions')).toBe(1);
  });

  it('keeps another Factory 400 an UpstreamError BAD_USER_INPUT', async () => {
    h.emulator.switchboard.inject({ route: 'POST /api/v0/sessions', status: 400 });
    const response = await h.query(CREATE_FACTORY, { input: { computerId: acme().computerIds[0] } });
    expect(dataOf<Result>(response, 'createFactorySession')).toMatchObject({
      __typename: 'UpstreamError',
      code: 'BAD_USER_INPUT',
      upstreamStatus: 400,
    });
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serverAudits } from 'graphql-http';
import { afterEach, describe, expect, it } from 'vitest';
import type { PersistedDocumentsConfig } from '../src/config.js';
import { globalId } from '../src/schema/node.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { serveOverSocket, testConfig, until, useHarness } from './harness.js';
import { eventsOf, type Subscription, subscribeSse, subscribeWs, subscribeWsWith } from './live-client.js';

const waitUntil = (check: () => boolean, timeoutMs = 10_000) => until(check, timeoutMs, 20);

const MANIFEST = 'examples/generated/persisted-documents.json';
const manifest: Record<string, string> = JSON.parse(readFileSync(new URL(`../${MANIFEST}`, import.meta.url), 'utf8'));

/** The manifest id (`sha256:...`) of the example operation named `name`. */
function idOf(name: string): string {
  const found = Object.entries(manifest).find(([, text]) =>
    new RegExp(`(query|mutation|subscription) ${name}\\b`).test(text),
  );
  if (!found) throw new Error(`no ${name} in the manifest`);
  return found[0];
}

const h = useHarness();

interface Served {
  readonly url: string;
  readonly gateway: Gateway;
  close(): Promise<void>;
}
const served: Served[] = [];
const subscriptions: Subscription[] = [];
afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
  await Promise.all(served.splice(0).map((server) => server.close()));
});

async function serve(persistedDocuments: PersistedDocumentsConfig): Promise<Served> {
  const gateway = createGateway(testConfig(h.emulator, { persistedDocuments }));
  const { url, close } = await serveOverSocket(gateway);
  const server = {
    url,
    gateway,
    close: async () => {
      await close();
      await gateway.close();
    },
  };
  served.push(server);
  return server;
}

async function post(url: string, body: Record<string, unknown>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  h.bodies.push(JSON.stringify(json));
  return { status: response.status, body: json };
}

const codes = (body: { errors?: { extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((e) => e.extensions?.code);
const upstreamCalls = () => h.emulator.switchboard.requests.length;
const LIST_VARIABLES = { first: 2 };
const TEXT = '{ sessions(first: 1) { edges { node { id } } } }';

describe('PERSISTED_DOCUMENTS_MODE=require', () => {
  it('runs manifest documents by documentId (with or without sha256:), doc_id and APQ hash, over POST and GET', async () => {
    const { url } = await serve({ mode: 'require', path: MANIFEST });
    const id = idOf('SessionList');
    const bareId = id.replace(/^sha256:/, '');
    for (const body of [
      { documentId: id, variables: LIST_VARIABLES },
      { documentId: bareId, variables: LIST_VARIABLES },
      { doc_id: bareId, variables: LIST_VARIABLES },
      { extensions: { persistedQuery: { version: 1, sha256Hash: bareId } }, variables: LIST_VARIABLES },
    ]) {
      const { status, body: answer } = await post(url, body);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(answer.data.sessions.edges).toHaveLength(2);
    }
    const get = await fetch(
      `${url}?documentId=${encodeURIComponent(id)}&variables=${encodeURIComponent(JSON.stringify(LIST_VARIABLES))}`,
      {
        headers: { 'x-graphql-yoga-csrf': '1' },
      },
    );
    expect(get.status).toBe(200);
    expect((await get.json()).data.sessions.edges).toHaveLength(2);
  });

  it('runs a manifest mutation by id: one upstream write', async () => {
    const { url } = await serve({ mode: 'require', path: MANIFEST });
    const session =
      h.emulator.tenants.get('acme')?.everrunsSessions.find((s) => s.json.status === 'idle')?.json.id ?? '';
    const before = h.emulator.switchboard.count('POST /v1/sessions/:id/messages');
    const { status, body } = await post(url, {
      documentId: idOf('SendMessage'),
      variables: { sessionId: globalId('EverrunsSession', session), text: 'By id.' },
    });
    expect(status).toBe(200);
    expect(body.data.sendMessage).toMatchObject({ __typename: 'SendMessagePayload', sentMessage: { text: 'By id.' } });
    expect(h.emulator.switchboard.count('POST /v1/sessions/:id/messages')).toBe(before + 1);
  });

  it('refuses text with PERSISTED_DOCUMENT_REQUIRED and an unknown id with PERSISTED_DOCUMENT_NOT_FOUND, before any upstream call', async () => {
    const { url } = await serve({ mode: 'require', path: MANIFEST });
    const before = upstreamCalls();
    const text = await post(url, { query: TEXT });
    expect(text.status).toBe(400);
    expect(codes(text.body)).toEqual(['PERSISTED_DOCUMENT_REQUIRED']);
    expect(text.body.errors[0].message).toMatch(/documentId/);
    const unknown = await post(url, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(codes(unknown.body)).toEqual(['PERSISTED_DOCUMENT_NOT_FOUND']);
    // An APQ hash whose text may not be registered in this mode: not found, not "send the text".
    const apq = await post(url, {
      query: TEXT,
      extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(TEXT).digest('hex') } },
    });
    expect(codes(apq.body)).toEqual(['PERSISTED_DOCUMENT_REQUIRED']);
    expect(upstreamCalls()).toBe(before);
  });

  it('a subscription: by id over SSE and WebSocket it runs; as text it is refused on both', async () => {
    const { url, gateway } = await serve({ mode: 'require', path: MANIFEST });
    const session =
      h.emulator.tenants.get('acme')?.everrunsSessions.find((s) => s.json.status === 'idle')?.json.id ?? '';
    const variables = { id: globalId('EverrunsSession', session) };
    const id = idOf('WatchSession');
    const sse = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ documentId: id, variables }),
    });
    expect(sse.status).toBe(200);
    await sse.body?.cancel();
    // graphql-ws needs a `query` string: an empty one, with the id where the store looks for it.
    const byId = subscribeWsWith(url, {
      query: '',
      extensions: { persistedQuery: { version: 1, sha256Hash: id.slice(7) } },
      variables,
    });
    subscriptions.push(byId);
    await waitUntil(() => gateway.live.subscriptions >= 1);
    const text = 'subscription($id: ID!) { sessionEvents(sessionId: $id) { __typename } }';
    const refusedSse = await subscribeSse(url, text, variables);
    subscriptions.push(refusedSse);
    expect(refusedSse.status).toBe(400);
    const refusedWs = subscribeWs(url, text, variables);
    subscriptions.push(refusedWs);
    await refusedWs.waitFor((payloads) => payloads.length > 0);
    expect(JSON.stringify(refusedWs.payloads)).toContain('PERSISTED_DOCUMENT_REQUIRED');
    expect(eventsOf(byId.payloads)).toEqual([]);
    expect(byId.completed).toBe(false);
  });
});

describe('relay-compiler’s persisted queries as the manifest', () => {
  it('runs a Relay operation by doc_id, as Relay’s network layer sends it', async () => {
    const relayManifest = 'examples/relay/persisted-queries.json';
    const relay: Record<string, string> = JSON.parse(
      readFileSync(new URL(`../${relayManifest}`, import.meta.url), 'utf8'),
    );
    const docId = Object.entries(relay).find(([, text]) => text.startsWith('query SessionFeedDetailQuery'))?.[0];
    if (!docId) throw new Error('no SessionFeedDetailQuery in the Relay manifest');
    const { url } = await serve({ mode: 'require', path: relayManifest });
    const session = h.emulator.tenants.get('acme')?.everrunsSessions[0]?.json;
    const { status, body } = await post(url, {
      doc_id: docId,
      variables: { id: globalId('EverrunsSession', session?.id ?? '') },
    });
    expect(status).toBe(200);
    expect(body.data.node).toMatchObject({ __typename: 'EverrunsSession', agentId: session?.agent_id });
  });
});

describe('PERSISTED_DOCUMENTS_MODE=allow', () => {
  it('runs ids and text; APQ: an unknown hash asks for the text, which registers it', async () => {
    const { url } = await serve({ mode: 'allow', path: MANIFEST });
    expect((await post(url, { query: TEXT })).body.data.sessions.edges).toHaveLength(1);
    expect(
      (await post(url, { documentId: idOf('SessionList'), variables: LIST_VARIABLES })).body.data.sessions.edges,
    ).toHaveLength(2);
    const hash = createHash('sha256').update(TEXT).digest('hex');
    const apq = { persistedQuery: { version: 1, sha256Hash: hash } };
    const first = await post(url, { extensions: apq });
    expect(first.body.errors[0]).toMatchObject({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_DOCUMENT_NOT_FOUND' },
    });
    expect((await post(url, { query: TEXT, extensions: apq })).body.data.sessions.edges).toHaveLength(1);
    expect((await post(url, { extensions: apq })).body.data.sessions.edges).toHaveLength(1);
    const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain('sessiongraph_persisted_documents_total{outcome="registered"} 1');
    expect(metrics).toContain('sessiongraph_persisted_documents_total{outcome="apq"} 1');
  });

  it('answers the GraphQL-over-HTTP audit as mode off does: every MUST and SHOULD passes', async () => {
    const audit = async (mode: 'off' | 'allow') => {
      const { url } = await serve({ mode, path: MANIFEST });
      const failed: string[] = [];
      for (const check of serverAudits({ url, fetchFn: fetch })) {
        const result = await check.fn();
        if (result.status !== 'ok') failed.push(check.name);
      }
      return failed;
    };
    const allow = await audit('allow');
    expect(allow.filter((name) => !name.startsWith('MAY'))).toEqual([]);
    expect(allow).toEqual(await audit('off'));
  });
});

describe('PERSISTED_DOCUMENTS_MODE=log (the real server)', () => {
  it('runs text, logs it with its id (not its text) and counts it', async () => {
    const root = new URL('..', import.meta.url).pathname;
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        LOG_LEVEL: 'info',
        PERSISTED_DOCUMENTS: MANIFEST,
        PERSISTED_DOCUMENTS_MODE: 'log',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const lines: string[] = [];
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(lines.join('\n'))), 30_000);
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
          lines.push(...chunk.split('\n').filter(Boolean));
          const match = /at (http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(chunk);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      const ran = await post(url, { query: TEXT, operationName: null });
      expect(ran.body.data.sessions.edges).toHaveLength(1);
      expect((await post(url, { documentId: idOf('SessionList') })).status).toBe(200);
      await waitUntil(() => lines.some((line) => line.includes('document outside the manifest')));
      const logged = lines.filter((line) => line.includes('document outside the manifest'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain(`sha256:${createHash('sha256').update(TEXT).digest('hex')}`);
      expect(logged[0]).not.toContain('sessions(first');
      const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toContain('sessiongraph_persisted_documents_total{outcome="text"} 1');
      expect(metrics).toContain('sessiongraph_persisted_documents_total{outcome="manifest"} 1');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('a PERSISTED_DOCUMENTS manifest that cannot be read', () => {
  it.each([
    ['1'],
    ['2'],
  ])('ends the process (WORKERS=%s) with one line naming the variable, not its value', async (workers) => {
    const root = new URL('..', import.meta.url).pathname;
    const secretPath = '/tmp/private-folder-name/missing-manifest.json';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        WORKERS: workers,
        PERSISTED_DOCUMENTS: secretPath,
        PERSISTED_DOCUMENTS_MODE: 'allow',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    // Demo mode's start-up log lines may be there too; the error is a line of its own.
    expect(stderr.trim().split('\n')).toContain('PERSISTED_DOCUMENTS: the manifest file cannot be read');
    expect(stderr).not.toContain('private-folder-name');
  }, 30_000);
});

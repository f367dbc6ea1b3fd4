import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/emulator/index.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { testConfig } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`GraphiQL browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).`);

let emulator: Emulator;
let gateway: Gateway;
let server: Server;
let base: string;
let browser: Browser | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
  // A listed origin: CORS then adds its own `vary`, which the assets' must survive.
  gateway = createGateway(testConfig(emulator, { corsOrigins: ['https://app.example', 'https://admin.example'] }));
  server = createServer(gateway.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await gateway?.close();
  await emulator?.close();
});

describe('GraphiQL', () => {
  it('serves its page and assets from this server, never a CDN', async () => {
    const html = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    // Both title placeholders are filled in: the tab's and the one a slow load shows.
    expect(html).toContain('<title>sessiongraph</title>');
    expect(html).toContain('Loading sessiongraph...');
    expect(html).not.toContain('__TITLE__');
    const assets = [...html.matchAll(/\/graphiql-assets\/[\w./-]+/g)].map((match) => match[0]);
    // The page's script and style sheet, at least, come from here.
    expect(assets).toEqual(
      expect.arrayContaining(['/graphiql-assets/yoga-graphiql.umd.js', '/graphiql-assets/graphiql.css']),
    );
    for (const asset of assets) {
      const response = await fetch(`${base}${asset}`);
      expect(response.status, asset).toBe(200);
    }
    expect((await fetch(`${base}/graphiql-assets/../../package.json`)).status).not.toBe(200);
    // fetch resolves the dots above before sending; escaped slashes reach the asset route as they are.
    expect((await fetch(`${base}/graphiql-assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('sends its assets compressed as the client accepts, with vary and the long cache', async () => {
    const html = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
    const assets = [...new Set([...html.matchAll(/\/graphiql-assets\/[\w./-]+/g)].map((match) => match[0]))];
    const sizes = { identity: 0, br: 0, gzip: 0 };
    for (const asset of assets) {
      const plain = await raw(`${base}${asset}`, {});
      expect(plain.headers['content-encoding'], asset).toBeUndefined();
      expect(plain.headers.vary, asset).toBe('accept-encoding');
      sizes.identity += plain.body.length;
      // With an Origin, CORS adds its own `vary`: the cache key keeps both.
      const br = await raw(`${base}${asset}`, {
        'accept-encoding': 'gzip, deflate, br',
        origin: 'https://app.example',
      });
      expect(br.headers, asset).toMatchObject({ 'content-encoding': 'br', 'cache-control': 'public, max-age=86400' });
      expect(br.headers.vary?.toLowerCase().split(/,\s*/)).toEqual(
        expect.arrayContaining(['origin', 'accept-encoding']),
      );
      expect(brotliDecompressSync(br.body).equals(plain.body), asset).toBe(true);
      sizes.br += br.body.length;
      const gzip = await raw(`${base}${asset}`, { 'accept-encoding': 'gzip, br;q=0' });
      expect(gzip.headers['content-encoding'], asset).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain.body), asset).toBe(true);
      sizes.gzip += gzip.body.length;
    }
    // 8.8 MB as they are; a quarter of that or less compressed.
    expect(sizes.identity).toBeGreaterThan(8_000_000);
    expect(sizes.br).toBeLessThan(sizes.identity / 4);
    expect(sizes.gzip).toBeLessThan(sizes.identity / 3.5);
  });

  it.skipIf(!hasChromium)('runs the example query in a real browser and shows session titles', async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const encodings: string[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/graphiql-assets/'))
        encodings.push(response.headers()['content-encoding'] ?? 'none');
    });
    const offsite: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('blob:') && !request.url().startsWith('data:'))
        offsite.push(request.url());
    });
    await page.goto(`${base}/graphql`);
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ timeout: 20_000 });
    await run.click();
    const firstTitle = emulator.tenants.get('acme')?.factorySessions[0]?.title;
    await page.getByText(String(firstTitle)).first().waitFor({ timeout: 20_000 });
    const result = await page.locator('.graphiql-response').innerText();
    // The default query is the merged feed: sessions of both sources in one list.
    expect(result).toContain('"sessions"');
    expect(result).toContain('"FactorySession"');
    expect(result).toContain('"EverrunsSession"');
    await page.screenshot({ path: 'tmp/graphiql.png' }).catch(() => undefined);
    expect(offsite).toEqual([]);
    // The browser got every asset compressed.
    expect(encodings.length).toBeGreaterThanOrEqual(5);
    for (const encoding of encodings) expect(['br', 'gzip']).toContain(encoding);
    // The Docs open on the schema's own description, not GraphiQL's generic sentence.
    await page.locator('[aria-label="Show Documentation Explorer"]').click();
    await page
      .getByText('the agent sessions of Factory and Everruns in one graph')
      .first()
      .waitFor({ timeout: 10_000 });
  });

  it.skipIf(!hasChromium)(
    'subscribes over SSE: a turn started elsewhere shows up live',
    async () => {
      browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
      const idle = emulator.tenants.get('acme')?.everrunsSessions.find((s) => s.json.status === 'idle')?.json.id ?? '';
      const sessionId = Buffer.from(`EverrunsSession:${idle}`).toString('base64');
      const query = `subscription { sessionEvents(sessionId: "${sessionId}") { __typename upstreamType at } }`;
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${base}/graphql`);
      const run = page.locator('.graphiql-execute-button');
      await run.waitFor({ timeout: 20_000 });
      // Replace the editor's query as a user pasting one would (once the editor has loaded).
      const editor = page.locator('.graphiql-query-editor');
      await editor.getByText('RecentSessions').first().waitFor({ timeout: 30_000 });
      await editor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(query);
      await editor.getByText('sessionEvents').first().waitFor({ timeout: 10_000 });
      // GraphiQL takes the editor's text a moment after a change: run again until the stream opens.
      const started = Date.now();
      let lastRun = 0;
      while (emulator.openSseStreams(idle) !== 1) {
        if (Date.now() - started > 50_000) throw new Error('GraphiQL did not subscribe');
        if (Date.now() - lastRun > 8_000) {
          await run.click();
          lastRun = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const sent = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `mutation($id: ID!) { sendMessage(input: { sessionId: $id, text: "From another tab." }) { __typename } }`,
          variables: { id: sessionId },
        }),
      });
      expect(sent.status).toBe(200);
      // GraphiQL shows the latest event of the stream; the turn ends with the session going idle.
      await page.getByText('session.idled').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.graphiql-response').innerText()).toContain('SessionStateChangedEvent');
    },
    90_000,
  );
});

/** A GET whose body comes as sent (fetch would decode it), with its headers. */
function raw(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

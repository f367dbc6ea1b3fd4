import { createServer } from 'node:http';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { type FaultRule, startEmulator } from '../src/emulator/index.js';

/**
 * The emulator as its own process for the benchmark, with a small control port:
 * GET /counts, GET /streams (open Everruns `/sse` streams), POST /reset (counters), POST /fault
 * (a FaultRule as JSON), POST /clear. Prints one JSON line with its URLs, one long conversation
 * per source of tenant acme (the second long one: the first is the odd one, see
 * src/emulator/conversations.ts) for the detail cases, and 50 idle Everruns sessions for case (g).
 */
const emulator = await startEmulator();
const control = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', () => {
    const reply = (value: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.url === '/counts') return reply(emulator.switchboard.counts());
    if (req.url === '/streams') return reply({ open: emulator.openSseStreams() });
    if (req.url === '/reset') {
      emulator.switchboard.resetCounts();
      return reply({ ok: true });
    }
    if (req.url === '/clear') {
      emulator.switchboard.clearFaults();
      return reply({ ok: true });
    }
    if (req.url === '/fault') {
      const rule: FaultRule = JSON.parse(body);
      emulator.switchboard.inject(rule);
      return reply({ ok: true });
    }
    res.writeHead(404).end();
    return undefined;
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const address = control.address();
const port = typeof address === 'object' && address ? address.port : 0;
const acme = emulator.tenants.get('acme');
const longOf = (typename: string, ids: readonly string[] | undefined) => {
  const id = ids?.[1] ?? ids?.[0] ?? '';
  return { id, globalId: encodeGlobalID(typename, id) };
};
// Case (g)'s turns change their sessions: none that another case reads (list pages, nodes, detail).
const taken = new Set([
  ...(acme?.everrunsSessions.slice(0, 50).map((s) => s.json.id) ?? []),
  ...(acme?.everrunsConversations.long ?? []),
]);
const liveIds = acme?.everrunsSessions
  .filter((s) => s.json.status === 'idle' && !taken.has(s.json.id))
  .slice(0, 50)
  .map((s) => s.json.id);
process.stdout.write(
  `${JSON.stringify({
    factoryUrl: emulator.factoryUrl,
    everrunsUrl: emulator.everrunsUrl,
    controlUrl: `http://127.0.0.1:${port}`,
    everrunsIds: acme?.everrunsSessions.slice(0, 20).map((s) => s.json.id),
    factoryLong: longOf('FactorySession', acme?.factoryConversations.long),
    everrunsLong: longOf('EverrunsSession', acme?.everrunsConversations.long),
    liveIds,
  })}\n`,
);

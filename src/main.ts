import cluster from 'node:cluster';
import { type Config, ConfigError, type GatewayConfig, loadConfig, type SourceConfig } from './config.js';
import { DEFAULT_CURSOR_SECRET } from './cursor.js';
import { type Emulator, startEmulator } from './emulator/index.js';
import { log, setLogLevel } from './log.js';
import { PersistedDocuments } from './plugins/persisted-documents.js';
import { closeWebSockets, listen } from './server.js';
import type { SourceName } from './sources/errors.js';
import { allSources } from './sources/registry.js';
import { runWorkers } from './workers.js';
import { startGateway } from './yoga.js';

/** Milliseconds in-flight requests get to finish after SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The emulator's upstreams, with the tenant the key variables pick (default `acme`). */
function demoSources(emulator: Emulator): Record<SourceName, SourceConfig> {
  const sources: Record<SourceName, SourceConfig> = {};
  for (const source of allSources()) {
    const demo = emulator.demo[source.name];
    if (demo) sources[source.name] = { baseUrl: demo.baseUrl, apiKey: process.env[source.env.apiKey] || demo.apiKey };
  }
  return sources;
}

/** The first log line of demo mode: which upstreams the emulator stands in for. */
function demoLine(emulator: Emulator, who: string): [string, Record<string, unknown>] {
  const labels = allSources()
    .filter((source) => emulator.demo[source.name])
    .map((source) => source.label);
  const urls = Object.fromEntries(Object.entries(emulator.demo).map(([name, demo]) => [name, demo.baseUrl]));
  return [`demo mode: ${who} the embedded emulator of ${labels.join(' and ')} (tenant "acme")`, { upstreams: urls }];
}

/** WORKERS > 1: the demo emulator (if any) runs here, once; the workers serve. */
async function startPrimary(config: Config): Promise<void> {
  const env: Record<string, string> = {};
  let emulator: Emulator | null = null;
  if (config.server.demo) {
    emulator = await startEmulator();
    const sources = demoSources(emulator);
    for (const source of allSources()) {
      const demo = sources[source.name];
      if (!demo) continue;
      env[source.env.baseUrl] = demo.baseUrl;
      if (demo.apiKey) env[source.env.apiKey] = demo.apiKey;
    }
    log('info', ...demoLine(emulator, 'the workers serve'));
  }
  runWorkers(config.server.workers, env, async () => {
    await emulator?.close();
  });
}

/** A configuration error ends the process with its one-line message; anything else is rethrown. */
function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    exitOnConfigError(error);
  }
  setLogLevel(config.server.logLevel);
  if (config.server.workers > 1 && cluster.isPrimary) {
    // Checked once here as well: a bad manifest would otherwise end every worker in turn.
    const { mode, path } = config.gateway.persistedDocuments;
    try {
      PersistedDocuments.load(mode, path);
    } catch (error) {
      exitOnConfigError(error);
    }
    return startPrimary(config);
  }

  let emulator: Emulator | null = null;
  let gatewayConfig: GatewayConfig = config.gateway;
  if (config.server.demo) {
    emulator = await startEmulator();
    gatewayConfig = { ...config.gateway, sources: demoSources(emulator) };
    const [message, fields] = demoLine(emulator, 'serving');
    const variables = allSources().map((source) => source.env.baseUrl);
    log('info', `${message}; set ${variables.join(' or ')} for real upstreams`, fields);
  } else {
    const states = allSources().map((source) => [source.name, config.gateway.sources[source.name] ? 'on' : 'off']);
    log('info', 'upstreams configured', Object.fromEntries(states));
    if (config.gateway.production && config.gateway.cursorSecret === DEFAULT_CURSOR_SECRET) {
      log(
        'warn',
        'CURSOR_SECRET is not set: cursors are signed with the built-in key, which anyone can read; set it (16+ random characters, the same on every replica)',
      );
    }
  }

  // Files the configuration names (the trusted-document manifest) are read here.
  const gateway = await startGateway(gatewayConfig).catch(exitOnConfigError);
  const { server, url } = await listen(gateway, config.server.port, config.server.host);
  log('info', `GraphQL${gatewayConfig.graphiql ? ' and GraphiQL' : ''} at ${url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down: finishing in-flight requests', { signal });
    // Subscriptions complete (clients see `complete`), then their sockets close.
    gateway.live.close();
    setTimeout(() => closeWebSockets(server), 100).unref();
    const deadline = setTimeout(() => {
      log('warn', 'shutdown deadline passed; closing remaining connections');
      closeWebSockets(server, true);
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    deadline.unref();
    // Keep-alive connections turn idle as their last response is sent: close them then.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    server.close(async () => {
      clearTimeout(deadline);
      clearInterval(idle);
      await gateway.close();
      await emulator?.close();
      log('info', 'stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();

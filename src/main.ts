import cluster from 'node:cluster';
import { type Config, ConfigError, type GatewayConfig, loadConfig } from './config.js';
import { DEMO_KEYS, type Emulator, startEmulator } from './emulator/index.js';
import { log, setLogLevel } from './log.js';
import { listen } from './server.js';
import { runWorkers } from './workers.js';
import { createGateway } from './yoga.js';

/** Milliseconds in-flight requests get to finish after SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The emulator's upstreams, with the tenant the key variables pick (default `acme`). */
function demoUpstreams(emulator: Emulator) {
  return {
    factory: { baseUrl: emulator.factoryUrl, apiKey: process.env.FACTORY_API_KEY || DEMO_KEYS.acme.factory },
    everruns: { baseUrl: emulator.everrunsUrl, apiKey: process.env.EVERRUNS_API_KEY || DEMO_KEYS.acme.everruns },
  };
}

/** WORKERS > 1: the demo emulator (if any) runs here, once; the workers serve. */
async function startPrimary(config: Config): Promise<void> {
  const env: Record<string, string> = {};
  let emulator: Emulator | null = null;
  if (config.server.demo) {
    emulator = await startEmulator();
    const { factory, everruns } = demoUpstreams(emulator);
    Object.assign(env, {
      FACTORY_BASE_URL: factory.baseUrl,
      FACTORY_API_KEY: factory.apiKey,
      EVERRUNS_BASE_URL: everruns.baseUrl,
      EVERRUNS_API_KEY: everruns.apiKey,
    });
    log('info', 'demo mode: the workers serve the embedded emulator of Factory and Everruns (tenant "acme")', {
      factory: emulator.factoryUrl,
      everruns: emulator.everrunsUrl,
    });
  }
  runWorkers(config.server.workers, env, async () => {
    await emulator?.close();
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  setLogLevel(config.server.logLevel);
  if (config.server.workers > 1 && cluster.isPrimary) return startPrimary(config);

  let emulator: Emulator | null = null;
  let gatewayConfig: GatewayConfig = config.gateway;
  if (config.server.demo) {
    emulator = await startEmulator();
    gatewayConfig = { ...config.gateway, ...demoUpstreams(emulator) };
    log(
      'info',
      'demo mode: serving the embedded emulator of Factory and Everruns (tenant "acme"); set FACTORY_BASE_URL or EVERRUNS_BASE_URL for real upstreams',
      {
        factory: emulator.factoryUrl,
        everruns: emulator.everrunsUrl,
      },
    );
  } else {
    log('info', 'upstreams configured', {
      factory: config.gateway.factory ? 'on' : 'off',
      everruns: config.gateway.everruns ? 'on' : 'off',
    });
  }

  const gateway = createGateway(gatewayConfig);
  const { server, url } = await listen(gateway, config.server.port, config.server.host);
  log('info', `GraphQL${gatewayConfig.graphiql ? ' and GraphiQL' : ''} at ${url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down: finishing in-flight requests', { signal });
    const deadline = setTimeout(() => {
      log('warn', 'shutdown deadline passed; closing remaining connections');
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

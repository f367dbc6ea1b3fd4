import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { log } from './log.js';

/**
 * WORKERS > 1: this process (the primary) forks that many workers, which share the port
 * (node:cluster hands connections out round-robin). Each worker is a whole gateway with its
 * own upstream pools, loaders, retry budgets and breakers; only /metrics is merged here.
 */

const METRICS_REQUEST = 'sessiongraph:metrics-request';
const METRICS_ANSWER = 'sessiongraph:metrics';
/** More restarts than this within RESTART_WINDOW_MS is a crash loop: give up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 30_000;

interface MetricsRequest {
  readonly type: typeof METRICS_REQUEST;
  readonly id: number;
}

interface MetricsAnswer {
  readonly type: typeof METRICS_ANSWER;
  readonly id: number;
  readonly text: string;
}

function isMetricsRequest(message: unknown): message is MetricsRequest {
  return typeof message === 'object' && message !== null && 'type' in message && message.type === METRICS_REQUEST;
}

function isMetricsAnswer(message: unknown): message is MetricsAnswer {
  return typeof message === 'object' && message !== null && 'type' in message && message.type === METRICS_ANSWER;
}

/**
 * Forks the workers and keeps them running until SIGTERM or SIGINT, which every worker gets
 * (they finish their in-flight requests); then `onStopped` runs and the process exits.
 */
export function runWorkers(count: number, env: Readonly<Record<string, string>>, onStopped: () => Promise<void>): void {
  const aggregator = new AggregatorRegistry();
  const restarts: number[] = [];
  let stopping = false;
  let exitCode = 0;

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    worker.on('message', (message: unknown) => {
      if (!isMetricsRequest(message)) return;
      aggregator
        .clusterMetrics()
        .then((text) => worker.send({ type: METRICS_ANSWER, id: message.id, text } satisfies MetricsAnswer))
        .catch(() => worker.send({ type: METRICS_ANSWER, id: message.id, text: '' } satisfies MetricsAnswer));
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        void onStopped().finally(() => {
          log('info', 'stopped');
          process.exit(exitCode);
        });
      }
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      log('error', 'workers keep exiting; stopping', { restarts: restarts.length, windowMs: RESTART_WINDOW_MS });
      stop('crash loop', 1);
      return;
    }
    log('warn', 'worker exited; starting another', { pid: worker.process.pid, code, signal });
    fork();
  });

  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log('info', 'stopping workers', { reason });
    const alive = Object.values(cluster.workers ?? {});
    if (alive.length === 0) process.exit(code);
    for (const worker of alive) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < count; i++) fork();
  log('info', `${count} workers started`, { pid: process.pid });
}

let nextRequest = 0;

/**
 * The Prometheus text of every worker's `registry` merged (counters and histograms summed),
 * or of `registry` alone outside a cluster or when the primary does not answer in time.
 */
export function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = ++nextRequest;
  return new Promise<string>((resolve) => {
    const done = (text: string | null) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (text) resolve(text);
      else void registry.metrics().then(resolve);
    };
    const onMessage = (message: unknown) => {
      if (isMetricsAnswer(message) && message.id === id) done(message.text);
    };
    const timer = setTimeout(() => done(null), 2_000);
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}

/** Lets the primary collect `registry` from this worker (prom-client's cluster protocol). */
export function shareMetrics(registry: Registry): void {
  if (!cluster.isWorker) return;
  // Constructing one installs prom-client's answering side in this worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

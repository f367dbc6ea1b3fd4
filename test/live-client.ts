import { createParser } from 'eventsource-parser';
import { createClient } from 'graphql-ws';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import type { Harness } from './harness.js';

/** One payload a subscription delivered (`next`), as the client sees it. */
export interface Payload {
  readonly data?: { readonly sessionEvents?: Record<string, unknown> | null } | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: Record<string, unknown> }[];
}

/** What a test reads from a subscription, over either transport. */
export interface Subscription {
  /** Every payload so far, in order. */
  readonly payloads: Payload[];
  /** Resolves once `count` payloads (or completion) arrived; rejects after `timeoutMs`. */
  waitFor(predicate: (payloads: readonly Payload[]) => boolean, timeoutMs?: number): Promise<void>;
  /** True once the server completed the subscription. */
  readonly completed: boolean;
  close(): Promise<void>;
}

class Collector {
  readonly payloads: Payload[] = [];
  completed = false;
  private readonly watchers = new Set<() => void>();

  push(payload: Payload): void {
    this.payloads.push(payload);
    this.wake();
  }

  complete(): void {
    this.completed = true;
    this.wake();
  }

  private wake(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  waitFor(predicate: (payloads: readonly Payload[]) => boolean, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.payloads)) {
          this.watchers.delete(check);
          clearTimeout(timer);
          resolve();
        } else if (this.completed) {
          this.watchers.delete(check);
          clearTimeout(timer);
          reject(
            new Error(`completed after ${this.payloads.length} payloads: ${JSON.stringify(this.payloads.slice(-3))}`),
          );
        }
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(
          new Error(`timed out after ${this.payloads.length} payloads: ${JSON.stringify(this.payloads.slice(-3))}`),
        );
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }
}

/** Subscribes over SSE (Yoga's distinct-connections format) with a real socket. */
export async function subscribeSse(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Subscription & { readonly status: number }> {
  const controller = new AbortController();
  const collector = new Collector();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const parser = createParser({
    onEvent(message) {
      if (message.event === 'next') collector.push(JSON.parse(message.data));
      if (message.event === 'complete') collector.complete();
    },
  });
  const body = response.body;
  const reading = (async () => {
    if (!body) return;
    const decoder = new TextDecoder();
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Aborted by close().
    }
    collector.complete();
  })();
  return {
    status: response.status,
    payloads: collector.payloads,
    get completed() {
      return collector.completed;
    },
    waitFor: (predicate, timeoutMs) => collector.waitFor(predicate, timeoutMs),
    async close() {
      controller.abort();
      await reading;
    },
  };
}

/** Subscribes over WebSocket (graphql-ws) on the GraphQL path of `url`. */
export function subscribeWs(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  connectionParams: Record<string, string> = {},
): Subscription {
  return subscribeWsWith(url, { query, variables }, connectionParams);
}

/** Subscribes over WebSocket with a whole `subscribe` payload (a persisted document's id in `extensions`, say). */
export function subscribeWsWith(
  url: string,
  payload: { query: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown> },
  connectionParams: Record<string, string> = {},
): Subscription {
  const collector = new Collector();
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    // The server closing the socket (1001 at shutdown) is what some tests wait for, not a failure.
    onNonLazyError: () => undefined,
    retryAttempts: 0,
  });
  const unsubscribe = client.subscribe(payload, {
    next: (value) => collector.push(value),
    error: (error) => {
      const errors = Array.isArray(error) ? error : [{ message: String(error) }];
      collector.push({ errors });
      collector.complete();
    },
    complete: () => collector.complete(),
  });
  return {
    payloads: collector.payloads,
    get completed() {
      return collector.completed;
    },
    waitFor: (predicate, timeoutMs) => collector.waitFor(predicate, timeoutMs),
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** The events of the payloads (the `sessionEvents` objects), in order. */
export function eventsOf(payloads: readonly Payload[]): Record<string, unknown>[] {
  return payloads.flatMap((payload) => (payload.data?.sessionEvents ? [payload.data.sessionEvents] : []));
}

/**
 * The test file's open subscriptions: push each one here. After each test they are closed, and
 * what they received joins the bodies the harness checks for keys, URLs and headers.
 */
export function useOpenSubscriptions(harness: Pick<Harness, 'bodies'>): Subscription[] {
  const open: Subscription[] = [];
  afterEach(async () => {
    harness.bodies.push(...open.map((subscription) => JSON.stringify(subscription.payloads)));
    await Promise.all(open.splice(0).map((subscription) => subscription.close()));
  });
  return open;
}

import type { ServerResponse } from 'node:http';
import type { EventQuery, EventStore, EverrunsEventJson } from './events.js';
import type { Answer } from './server.js';

export interface EventStreamOptions {
  /** Ms between heartbeat comments (default 15000); 0 sends none, to test a client's read timeout. */
  readonly heartbeatMs?: number;
  /** Ms a stream stays open before `disconnecting` and the end (default 300000, five minutes); 0 never cycles. */
  readonly cycleMs?: number;
  /** The `retry:` hint of every frame and the `retry_ms` of `disconnecting` (default 100, the document's value). */
  readonly retryMs?: number;
}

interface OpenStream {
  readonly res: ServerResponse;
  /** Unsubscribes and stops the timers; safe to call more than once. */
  readonly release: () => void;
}

const HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
};

/**
 * Everruns' `GET /v1/sessions/{id}/sse`: `connected` first; with `since_id` the stored events
 * after it, then live ones (without it live ones only), filtered like `/events`; each event
 * with `event:`, `retry:`, `data:` and, when stored, `id:`; heartbeat comments; and after
 * `cycleMs` a `disconnecting` event with the retry hint, then the end of the response.
 */
export class EventStreams {
  readonly heartbeatMs: number;
  readonly cycleMs: number;
  readonly retryMs: number;
  private readonly open = new Map<string, Set<OpenStream>>();

  constructor(
    private readonly events: EventStore,
    options: EventStreamOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.cycleMs = options.cycleMs ?? 300_000;
    this.retryMs = options.retryMs ?? 100;
  }

  /** The 200 answer that streams a session's events, `query` already checked. */
  answer(sessionId: string, query: EventQuery): Answer {
    return { status: 200, headers: HEADERS, stream: (res) => this.serve(res, sessionId, query) };
  }

  /** Open streams of a session now, or of every session without one. */
  count(sessionId?: string): number {
    if (sessionId !== undefined) return this.open.get(sessionId)?.size ?? 0;
    let total = 0;
    for (const streams of this.open.values()) total += streams.size;
    return total;
  }

  /** Sends `disconnecting` on every open stream of the session, then ends them; returns how many. */
  cycle(sessionId: string): number {
    const streams = [...(this.open.get(sessionId) ?? [])];
    for (const stream of streams) this.disconnect(stream);
    return streams.length;
  }

  /** Destroys the socket of every open stream of the session, with no `disconnecting`; returns how many. */
  drop(sessionId: string): number {
    const streams = [...(this.open.get(sessionId) ?? [])];
    for (const stream of streams) {
      stream.release();
      stream.res.destroy();
    }
    return streams.length;
  }

  /** Ends every open stream (the emulator is closing), so its server can close at once. */
  close(): void {
    for (const streams of [...this.open.values()]) {
      for (const stream of [...streams]) {
        stream.release();
        stream.res.end();
      }
    }
  }

  private serve(res: ServerResponse, sessionId: string, query: EventQuery): void {
    // A client that left during an injected delay has nothing to stream to.
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
    const { sinceId, types = [], exclude = [] } = query;
    const wanted = (type: string) => (types.length === 0 || types.includes(type)) && !exclude.includes(type);
    const write = (text: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(text);
    };
    const send = (event: EverrunsEventJson, stored: boolean) => write(this.frame(event, stored));

    // Subscribe before reading the backlog, so no event can fall between the two.
    let buffered: { event: EverrunsEventJson; stored: boolean }[] | null = [];
    const unsubscribe = this.events.onEvent(sessionId, (event, stored) => {
      if (!wanted(event.type)) return;
      if (buffered) buffered.push({ event, stored });
      else send(event, stored);
    });
    const replay = sinceId ? this.events.eventsAfter(sessionId, { sinceId, types, exclude }) : [];

    const heartbeat = this.heartbeatMs > 0 ? setInterval(() => write(': heartbeat\n\n'), this.heartbeatMs) : undefined;
    heartbeat?.unref();
    let released = false;
    const stream: OpenStream = {
      res,
      release: () => {
        if (released) return;
        released = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(cycle);
        const streams = this.open.get(sessionId);
        streams?.delete(stream);
        if (streams?.size === 0) this.open.delete(sessionId);
      },
    };
    const cycle = this.cycleMs > 0 ? setTimeout(() => this.disconnect(stream), this.cycleMs) : undefined;
    cycle?.unref();
    let streams = this.open.get(sessionId);
    if (!streams) {
      streams = new Set();
      this.open.set(sessionId, streams);
    }
    streams.add(stream);
    res.once('close', stream.release);

    write(this.lifecycle('connected', { status: 'connected', session_id: sessionId }));
    for (const event of replay) send(event, true);
    // Live events the backlog already held are not sent twice.
    const floor = replay.at(-1)?.id ?? sinceId ?? undefined;
    const live = buffered;
    buffered = null;
    for (const { event, stored } of live) if (floor === undefined || event.id > floor) send(event, stored);
  }

  private disconnect(stream: OpenStream): void {
    stream.release();
    const { res } = stream;
    if (res.writableEnded || res.destroyed) return;
    res.end(this.lifecycle('disconnecting', { reason: 'connection_cycle', retry_ms: this.retryMs }));
  }

  private frame(event: EverrunsEventJson, stored: boolean): string {
    const id = stored ? `id: ${event.id}\n` : '';
    return `${id}event: ${event.type}\nretry: ${this.retryMs}\ndata: ${JSON.stringify(event)}\n\n`;
  }

  private lifecycle(type: string, data: Record<string, unknown>): string {
    return `event: ${type}\nretry: ${this.retryMs}\ndata: ${JSON.stringify(data)}\n\n`;
  }
}

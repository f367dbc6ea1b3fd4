import { Random } from './random.js';

/** One step of a simulated turn: `run` fires `atMs` after the turn started. */
export interface TurnStep {
  readonly atMs: number;
  readonly run: () => void;
}

export interface ActivityOptions {
  readonly seed?: number;
  /** How long a simulated turn runs, in ms (default: 300-600, seeded). */
  readonly turnMs?: number;
}

/**
 * What changes the world on the emulator's own timers: simulated turns (one at most per
 * session; messages sent meanwhile wait in a queue) and the world's version, which the servers
 * compare to drop cached GET answers once a timer has changed anything.
 */
export class Activity {
  /** Turn contents and durations. */
  readonly random: Random;
  private changes = 0;
  private closed = false;
  private readonly turns = new Map<string, Set<NodeJS.Timeout>>();
  private readonly queues = new Map<string, string[]>();

  constructor(private readonly options: ActivityOptions = {}) {
    this.random = new Random((options.seed ?? 7) + 199);
  }

  /** Goes up whenever a timer changed the world. */
  get version(): number {
    return this.changes;
  }

  /** Notes a change to the world (cached answers are stale from now on). */
  changed(): void {
    this.changes += 1;
  }

  /** The length of the next turn, in ms. */
  turnMs(): number {
    return this.options.turnMs ?? 300 + this.random.int(0, 300);
  }

  /**
   * Runs a turn's steps on timers that do not keep the process alive. The turn counts as
   * running (for `key`, a source and session) until its last step has run or `stop`.
   */
  run(key: string, steps: readonly TurnStep[]): void {
    if (this.closed || steps.length === 0) return;
    this.stop(key, false);
    const timers = new Set<NodeJS.Timeout>();
    this.turns.set(key, timers);
    const ordered = [...steps].sort((a, b) => a.atMs - b.atMs);
    for (const step of ordered) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          // The last step ends the turn before it runs, so it may start the next one.
          if (timers.size === 0 && this.turns.get(key) === timers) this.turns.delete(key);
          try {
            step.run();
          } finally {
            this.changed();
          }
        },
        Math.max(0, Math.round(step.atMs)),
      );
      timer.unref();
      timers.add(timer);
    }
  }

  /** True while a turn of `key` runs. */
  running(key: string): boolean {
    return this.turns.has(key);
  }

  /** Stops the turn of `key` (and, by default, forgets the messages queued behind it). True when one ran. */
  stop(key: string, dropQueue = true): boolean {
    if (dropQueue) this.queues.delete(key);
    const timers = this.turns.get(key);
    if (!timers) return false;
    for (const timer of timers) clearTimeout(timer);
    this.turns.delete(key);
    return true;
  }

  /** Queues a message id to start a turn once the running one ends. */
  enqueue(key: string, messageId: string): void {
    const queue = this.queues.get(key) ?? [];
    queue.push(messageId);
    this.queues.set(key, queue);
  }

  /** The next queued message id of `key`, if any. */
  dequeue(key: string): string | undefined {
    const queue = this.queues.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.queues.delete(key);
    return next;
  }

  /** Stops every turn; later `run` calls do nothing. */
  close(): void {
    this.closed = true;
    for (const key of [...this.turns.keys()]) this.stop(key);
  }
}

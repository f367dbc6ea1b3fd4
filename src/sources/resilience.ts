/**
 * Circuit breaker and retry budget of one upstream. Both are shared by all requests (they
 * protect the upstream, not a tenant), and neither keeps anything of a request or a key.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerPolicy {
  /** Consecutive failed calls (5xx, timeout, reset or unreadable answer, after retries) that open it. */
  readonly failureThreshold: number;
  /** How long it stays open before letting one probe through. */
  readonly cooldownMs: number;
}

/**
 * Opens after `failureThreshold` consecutive availability failures; while open, calls fail at
 * once; after `cooldownMs` one probe goes through (half-open): success closes it, failure
 * opens it again. Answers such as 401 or 404 prove the upstream is up and count as success.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly onChange: (state: BreakerState) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Milliseconds until an open breaker lets a probe through. */
  retryInMs(): number {
    return Math.max(0, this.openedAt + this.policy.cooldownMs - this.now());
  }

  /** Whether a call may go out now; in half-open state only one probe at a time. */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.retryInMs() > 0) return false;
      this.set('half-open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.set('closed');
  }

  /** A call ended without a verdict (the client went away): free the probe slot. */
  abandon(): void {
    this.probing = false;
  }

  failure(): void {
    this.probing = false;
    this.failures += 1;
    if (this.current === 'half-open' || this.failures >= this.policy.failureThreshold) {
      this.openedAt = this.now();
      this.set('open');
    }
  }

  private set(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.onChange(state);
  }
}

/**
 * Retries may add at most `ratio` of the first attempts, plus a burst of `burst`: when an
 * upstream fails for everyone, retries stop instead of multiplying its load.
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    private readonly ratio: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Called for every first attempt. */
  deposit(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio);
  }

  /** Takes one retry's worth; false when the budget is spent. */
  withdraw(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Exponential backoff with full jitter: a random delay up to base * 2^attempt, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

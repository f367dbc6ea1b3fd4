/** Structured JSON logging to stderr. Callers never pass keys, URLs with secrets, or bodies. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold: number = RANK[(process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? RANK.info;

/** Sets the lowest level written. */
export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

// Lines leave in batches: stderr to a pipe or file is a synchronous syscall per write, and
// the reader (a log shipper) is woken for each. Access lines (info, debug) wait up to
// FLUSH_MS, so at one connection a request no longer pays a write of its own (one process at
// one connection, tmp A/B: ~0.13 ms of CPU per request between logging on and off before
// this); warnings and errors leave at the end of the event-loop turn. Whatever is pending is
// written when the process exits.
const FLUSH_MS = 100;
const MAX_PENDING = 65_536;
let pending = '';
let timer: NodeJS.Timeout | null = null;
let immediate = false;

function flush(): void {
  immediate = false;
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  if (pending.length === 0) return;
  const text = pending;
  pending = '';
  process.stderr.write(text);
}

process.once('exit', flush);

/** Writes one JSON line when `level` passes the threshold. */
export function log(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < threshold) return;
  // Written out rather than one JSON.stringify of a spread object: a line per request made
  // logging 4% of a small query's CPU.
  const rest = JSON.stringify(fields);
  pending += `{"time":"${new Date().toISOString()}","level":"${level}","pid":${process.pid},"msg":${JSON.stringify(msg)}${rest.length > 2 ? `,${rest.slice(1)}` : '}'}\n`;
  if (pending.length > MAX_PENDING) flush();
  else if (RANK[level] >= RANK.warn) {
    if (!immediate) {
      immediate = true;
      setImmediate(flush);
    }
  } else if (timer === null && !immediate) {
    timer = setTimeout(flush, FLUSH_MS);
    timer.unref();
  }
}

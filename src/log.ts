/** Structured JSON logging to stderr. Callers never pass keys, URLs with secrets, or bodies. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold: number = RANK[(process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? RANK.info;

/** Sets the lowest level written. */
export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

/** Writes one JSON line when `level` passes the threshold. */
export function log(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < threshold) return;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

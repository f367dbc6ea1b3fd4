import { pino } from 'pino';

/** Structured JSON logging to stderr. Callers never pass keys, URLs with secrets, or bodies. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function levelOf(value: string | undefined): LogLevel {
  return LEVELS.find((level) => level === value) ?? 'info';
}

/**
 * The process's pino logger: one JSON line per entry on stderr, with `level` as its label,
 * `time` as ISO text, `pid` and `msg`. Yoga takes it as its `logging` option.
 */
export const logger = pino(
  {
    level: levelOf(process.env.LOG_LEVEL),
    // No hostname: the pid is enough to tell processes apart, and a host name is the platform's to add.
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // A safety net: call sites never pass keys, but a header or key that slips in is censored.
    redact: ['authorization', '*.authorization', 'apiKey', '*.apiKey', 'headers', '*.headers'],
  },
  // Synchronous: each line is written before `log` returns, so no exit loses it and workers never split one.
  pino.destination({ fd: 2, sync: true }),
);

/** Sets the lowest level written. */
export function setLogLevel(level: LogLevel): void {
  logger.level = level;
}

/** Writes one JSON line when `level` passes the threshold. */
export function log(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
  logger[level](fields, msg);
}

import { pino } from 'pino';

/** Structured JSON logging to stderr. Callers never pass keys, URLs with secrets, or bodies. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function levelOf(value: string | undefined): LogLevel {
  return LEVELS.find((level) => level === value) ?? 'info';
}

/**
 * Lines leave in synchronous writes of up to 8 KB, at least every 100 ms: a write per line was a
 * syscall per request. Synchronous writes keep whole lines in order across worker processes.
 */
const destination = pino.destination({ fd: 2, sync: true, minLength: 8192, periodicFlush: 100 });

/**
 * The process's pino logger: one JSON line per entry on stderr, with `level` as its label,
 * `time` as ISO text, `pid` and `msg`.
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
  destination,
);

// What is buffered is written synchronously when the process exits: nothing is lost.
process.once('exit', () => destination.flushSync());

/** Sets the lowest level written. */
export function setLogLevel(level: LogLevel): void {
  logger.level = level;
}

/** Writes one JSON line when `level` passes the threshold. */
export function log(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
  logger[level](fields, msg);
  // Errors are not left waiting in the buffer.
  if (level === 'error') destination.flushSync();
}

import pino, { type Logger } from 'pino';

/**
 * One JSON logger for the whole hub. Children carry a `ns` (namespace) and context.
 * Secrets are scrubbed by path so a stray `log.info({headers})` never prints a cookie.
 */
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'csrf_token',
  '*.csrf_token',
  'headers.cookie',
  'headers.authorization',
  'headers["x-csrf-token"]',
  '*.headers.cookie',
  '*.headers.authorization',
  'req.headers.cookie',
  'req.headers.authorization',
];

export const rootLogger: Logger = pino({
  level: process.env.HUB_LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info'),
  redact: { paths: REDACT, censor: '[redacted]' },
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export function logger(ns: string, context: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ ns, ...context });
}

/** Cuts a value for logging: a 1 MB user name must never be logged whole. */
export function clip(value: unknown, max = 64): string {
  const s = String(value);
  return s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s;
}

export type { Logger };

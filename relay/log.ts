/**
 * Where the relay writes what it has to say: structured log lines, one JSON object each.
 *
 * The relay calls its logger as pino does, `logger.info(fields, message)`, so any pino logger (the
 * default, or the application's own, or a child of it) writes the fields into its JSON line, and
 * `console` prints them readably too. Levels: `debug` for what a client did wrong (refusals, kicks:
 * a flood of them must not flood the log, and a client's bad input never gets a stack trace),
 * `info` for a session's start and end and the relay's own life, `warn` for connections the relay
 * had to cut, `error` for its own bugs.
 */
import { pino } from 'pino';

/** Fields of one log line (pino writes them into its JSON object). */
export type LogFields = Record<string, unknown>;

/**
 * What the relay logs through: pino's shape (`(fields, message)`). A pino logger fits as it is, and
 * so does `console`; `debug` is optional.
 */
export interface Logger {
  debug?(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

/** pino's levels, the ones `createLogger` takes. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A pino logger writing JSON lines to standard output, from `level` up (default `info`).
 *
 * Each line is written as it is logged (pino's `sync: true`): the relay logs per session, not per
 * message, so this costs little, and the log stays in order and complete when the process exits.
 * pino's default asynchronous writing loses that: at `process.exit` it writes what it has queued at
 * once, while a line still being written lands after those (seen here: a session's end after the
 * `closed` line that follows it).
 */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, name: 'rtc-relay' }, pino.destination({ dest: 1, sync: true }));
}

export const SILENT: Logger = { info() {}, warn() {}, error() {} };

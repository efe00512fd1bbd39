// The daemon's structured log (pino, JSON lines) in <data>/logs/floe.log, size-rotated.
// What may appear at info level: lifecycle changes, execution and transfer status changes (ids,
// statuses, counts), requests (method, route pattern, status, duration). Never the token, the
// unlock code or the manifest (redacted wherever they would appear), and never a customer path:
// requests are logged by route pattern (`/v1/tasks/:id`), not by URL, and warnings and errors
// from the services, whose messages may name files, carry their message at debug level only.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { EventLog, FloeEvent } from './event-log.js';
import { RotatingFile } from './rotating-file.js';

export const LOGS_DIR = 'logs';
export const LOG_FILE = 'floe.log';

export interface DaemonLoggerOptions {
  readonly dataDir: string;
  readonly level?: pino.LevelWithSilent;
  /** Also write the log to stderr (`floe serve --log`). */
  readonly stderr?: boolean;
  readonly maxBytes?: number;
  readonly keep?: number;
}

export interface DaemonLogger {
  readonly logger: Logger;
  readonly file: RotatingFile;
  close(): void;
}

/** Bodies are never logged; these catch a secret that would be passed to the logger by mistake. */
export const REDACT_PATHS = ['req.headers.authorization', 'headers.authorization', 'token', 'manifest', '*.token', '*.manifest', 'body.code', 'req.body.code', 'unlockCode', '*.unlockCode'];

export function createDaemonLogger(options: DaemonLoggerOptions): DaemonLogger {
  const file = new RotatingFile({ path: join(options.dataDir, LOGS_DIR, LOG_FILE), ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}), ...(options.keep !== undefined ? { keep: options.keep } : {}) });
  const streams: pino.StreamEntry[] = [{ stream: file, level: 'trace' }];
  if (options.stderr) streams.push({ stream: process.stderr, level: 'trace' });
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    pino.multistream(streams),
  );
  return { logger, file, close: () => file.close() };
}

/** Status-like events, logged at info with their (path-free) data. */
const INFO_EVENTS = new Set(['daemon.started', 'lifecycle', 'execution.status', 'execution.updated', 'task.created', 'task.scheduled-start', 'journal.verify.done']);
/** Transfer runs: their status carries a report summary; the log keeps the id and state only. */
const RUN_EVENTS = new Set(['import.status', 'sync.status']);

/** Writes the daemon's events to the log: status changes at info, warnings and errors by type at warn (message at debug). */
export function logEvents(events: EventLog, logger: Logger): () => void {
  return events.subscribe((e: FloeEvent) => {
    if (INFO_EVENTS.has(e.type)) logger.info({ event: e.type, eventId: e.id, data: e.data }, e.type);
    else if (RUN_EVENTS.has(e.type)) logger.info({ event: e.type, eventId: e.id, data: { executionId: e.data.executionId, state: e.data.state } }, e.type);
    else if (e.type === 'warning' || e.type === 'error') {
      const code = typeof e.data.code === 'string' ? e.data.code : undefined;
      logger.warn({ event: e.type, eventId: e.id, ...(code ? { code } : {}) }, `${e.type} event ${e.id} (details at debug level)`);
      logger.debug({ event: e.type, eventId: e.id, data: e.data }, e.type);
    }
  });
}

// Task reports as JSON lines: one line per file, then one summary line.
//
// DataSync's task reports (DOMAIN.md) are JSON: a summary (counts, bytes, times, settings) plus
// per-file results by category (transferred, verified, deleted, skipped), errors only or successes
// and errors. floe writes the per-file part as JSON lines and filters it by LogLevel, the option
// DataSync documents as: OFF "no logs are published"; BASIC "publishes logs on errors for
// individual files transferred"; TRANSFER "publishes logs for every file or object that is
// transferred and integrity checked". floe's BASIC also keeps skipped files (a file the server
// keeps locked is "skipped and logged"). The summary always counts every file, whatever the level.
//
// File line:    {"path":"/a/b.txt","category":"transferred","size":12,"sha256":"…","timestamp":"…"}
//               a path that is not valid UTF-8 is written in base64 with "pathEncoding":"base64".
// Summary line: {"summary":{"counts":{…},"bytes":{…},"startTime":"…","endTime":"…","logLevel":"…",…}}

import { FloeError } from '../errors.js';
import { systemClock, type Clock } from './clock.js';
import type { LogLevel } from './options.js';

export const REPORT_CATEGORIES = ['transferred', 'verified', 'deleted', 'skipped', 'failed'] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

/** What the engine reports for one file. */
export interface FileResult {
  readonly path: string | Uint8Array;
  readonly category: ReportCategory;
  readonly size: number;
  readonly sha256?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Defaults to the clock's now. */
  readonly timestamp?: Date;
}

/** One JSON line of the report. */
export interface ReportFileLine {
  path: string;
  pathEncoding?: 'base64';
  category: ReportCategory;
  size: number;
  sha256?: string;
  errorCode?: string;
  errorMessage?: string;
  timestamp: string;
}

export interface ReportSummary {
  counts: Record<ReportCategory, number>;
  bytes: Record<ReportCategory, number>;
  startTime: string;
  endTime: string;
  logLevel: LogLevel;
  /** Whatever the caller adds: status, options (settings), Result durations, execution id... */
  [extra: string]: unknown;
}

/** A node:fs WriteStream, process.stdout, or anything with write(string). */
export interface TextSink {
  write(chunk: string): unknown;
}

export interface TaskReportOptions {
  readonly logLevel: LogLevel;
  readonly clock?: Clock;
}

/** Which file lines each LogLevel writes. */
export function reportsCategory(logLevel: LogLevel, category: ReportCategory): boolean {
  switch (logLevel) {
    case 'OFF':
      return false;
    case 'BASIC':
      return category === 'failed' || category === 'skipped';
    case 'TRANSFER':
      return true;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function encodePath(path: string | Uint8Array): Pick<ReportFileLine, 'path' | 'pathEncoding'> {
  if (typeof path === 'string') return { path };
  try {
    return { path: utf8.decode(path) };
  } catch {
    return { path: Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('base64'), pathEncoding: 'base64' };
  }
}

const zeroes = (): Record<ReportCategory, number> => ({ transferred: 0, verified: 0, deleted: 0, skipped: 0, failed: 0 });

export class TaskReportWriter {
  private readonly sink: TextSink;
  private readonly logLevel: LogLevel;
  private readonly clock: Clock;
  private readonly startTime: number;
  private readonly counts = zeroes();
  private readonly bytes = zeroes();
  private finished = false;

  constructor(sink: TextSink, options: TaskReportOptions) {
    this.sink = sink;
    this.logLevel = options.logLevel;
    this.clock = options.clock ?? systemClock;
    this.startTime = this.clock.now();
  }

  /** Counts a file and, if the LogLevel asks for it, writes its line. */
  record(result: FileResult): void {
    if (this.finished) throw new FloeError('INVALID_STATE', 'The task report is already finished', { details: { field: 'report' } });
    if (!REPORT_CATEGORIES.includes(result.category)) {
      throw new FloeError('INVALID_ARGUMENT', `Report category must be one of ${REPORT_CATEGORIES.join(', ')}; got ${JSON.stringify(result.category)}`, {
        details: { field: 'category' },
      });
    }
    this.counts[result.category]++;
    this.bytes[result.category] += result.size;
    if (!reportsCategory(this.logLevel, result.category)) return;
    // Keys in a fixed order: path, [pathEncoding], category, size, [sha256, errorCode, errorMessage], timestamp.
    const line: ReportFileLine = { ...encodePath(result.path), category: result.category, size: result.size } as ReportFileLine;
    if (result.sha256 !== undefined) line.sha256 = result.sha256;
    if (result.errorCode !== undefined) line.errorCode = result.errorCode;
    if (result.errorMessage !== undefined) line.errorMessage = result.errorMessage;
    line.timestamp = (result.timestamp ?? new Date(this.clock.now())).toISOString();
    this.sink.write(JSON.stringify(line) + '\n');
  }

  /** Writes the summary line (always, whatever the LogLevel) and returns it. */
  finish(extra: Record<string, unknown> = {}): ReportSummary {
    if (this.finished) throw new FloeError('INVALID_STATE', 'The task report is already finished', { details: { field: 'report' } });
    this.finished = true;
    const summary: ReportSummary = {
      ...extra,
      counts: { ...this.counts },
      bytes: { ...this.bytes },
      startTime: new Date(this.startTime).toISOString(),
      endTime: new Date(this.clock.now()).toISOString(),
      logLevel: this.logLevel,
    };
    this.sink.write(JSON.stringify({ summary }) + '\n');
    return summary;
  }
}

// The job completion report (DOMAIN.md, "Snowball / Snowcone"): a JSON summary, a CSV success log,
// a CSV failure log (path, key, size, SHA-256, error code, message) and a short human summary.
// Status "Completed" or "Completed with errors".
//
// Where it is kept (docs/transfer.md, "Job completion report"): only inside the encrypted journal.
// The summary is an `import-report` event; the logs are rebuilt from the delivery and failure
// events. The device disk alone reveals nothing; `floe report --out DIR` writes the files out on
// request, and an import can upload them next to the data under `.floe-report/<execution>/`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../crypto/hash.js';
import type { Destination } from '../destinations/destination.js';
import { FloeError } from '../errors.js';
import { formatBytes } from '../format/units.js';
import type { Journal } from '../journal/journal.js';
import type { ExecutionCounters, TaskExecutionResult } from '../tasks/execution-status.js';
import { entryFingerprint, type DeliveryLedger, type FailureRecord } from './delivery-ledger.js';
import { reportKey } from './report-location.js';

export type CompletionStatus = 'Completed' | 'Completed with errors';

export interface DestinationSummary {
  readonly uri: string;
  readonly executionStatus: string;
  readonly counters: ExecutionCounters;
  readonly result: TaskExecutionResult;
  /** Files of the catalog delivered to this destination (by this or any earlier run, online sync included). */
  readonly filesDelivered: number;
  readonly bytesDelivered: number;
}

export interface ImportSummary {
  readonly kind: 'import-report';
  readonly jobId: string;
  readonly deviceId: string;
  readonly executionId: string;
  readonly status: CompletionStatus;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly verifyMode: string;
  readonly filesInJournal: number;
  readonly bytesInJournal: number;
  readonly filesFailed: number;
  readonly destinations: readonly DestinationSummary[];
}

export interface ReportFiles {
  readonly 'summary.json': string;
  readonly 'success-log.csv': string;
  readonly 'failure-log.csv': string;
  readonly 'summary.txt': string;
}

export const SUCCESS_HEADER = ['destination', 'path', 'key', 'size', 'sha256', 'etag', 'transfer', 'execution_id', 'delivered_at'];
export const FAILURE_HEADER = ['destination', 'path', 'key', 'size', 'sha256', 'phase', 'error_code', 'message'];

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
}

export function csvLine(fields: readonly (string | number)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The newest import summary in the journal, or undefined before the first import finished. */
export async function latestImportSummary(journal: Journal): Promise<ImportSummary | undefined> {
  let latest: ImportSummary | undefined;
  for await (const { event } of journal.events()) if (event.kind === 'import-report') latest = event as unknown as ImportSummary;
  return latest;
}

/** The four report files for `summary`, the logs built from the ledger. */
export async function renderReport(journal: Journal, ledger: DeliveryLedger, summary: ImportSummary): Promise<ReportFiles> {
  const failures = ledger.failures(summary.executionId);
  const failedKeys = new Set(failures.map((f) => `${f.destination}\u0000${f.key}`));
  let success = csvLine(SUCCESS_HEADER);
  const current = new Set<string>();
  for await (const entry of journal.files()) current.add(entryFingerprint(entry));
  for (const d of summary.destinations) {
    const rows = [...ledger.deliveries(d.uri).values()].filter((r) => current.has(r.entry) && !failedKeys.has(`${d.uri}\u0000${r.key}`)).sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const r of rows) success += csvLine([d.uri, r.path, r.key, r.size, r.sha256, r.etag ?? '', r.transfer, r.executionId, r.at]);
  }
  let failure = csvLine(FAILURE_HEADER);
  for (const f of [...failures].sort(byKey)) failure += csvLine([f.destination, f.path, f.key, f.size, f.sha256, f.phase, f.code, f.message]);
  return {
    'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
    'success-log.csv': success,
    'failure-log.csv': failure,
    'summary.txt': humanSummary(summary, failures),
  };
}

function byKey(a: FailureRecord, b: FailureRecord): number {
  return a.destination === b.destination ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.destination < b.destination ? -1 : 1;
}

/** A failure's path and message, the path named once: most messages already carry it. */
function failureText(f: FailureRecord): string {
  return f.message.includes(f.path) ? f.message : `${f.path}: ${f.message}`;
}

export function humanSummary(summary: ImportSummary, failures: readonly FailureRecord[]): string {
  const lines = [
    `Job ${summary.jobId} (device ${summary.deviceId}): ${summary.status}`,
    `Import ${summary.executionId}, ${summary.startedAt} to ${summary.endedAt}, verification ${summary.verifyMode}`,
    `Journal: ${summary.filesInJournal} files, ${formatBytes(summary.bytesInJournal)}`,
  ];
  for (const d of summary.destinations) {
    const c = d.counters;
    lines.push(
      `${d.uri}: ${d.filesDelivered} delivered (${formatBytes(d.bytesDelivered)}); this run: ${c.FilesTransferred} transferred, ` +
        `${c.FilesSkipped} skipped, ${c.FilesVerified} verified, ${c.FilesFailed.Prepare + c.FilesFailed.Transfer + c.FilesFailed.Verify} failed`,
    );
  }
  if (failures.length > 0) {
    lines.push(`Failures (${failures.length}; see failure-log.csv):`);
    for (const f of failures.slice(0, 10)) lines.push(`  ${f.code} ${failureText(f)}`);
    if (failures.length > 10) lines.push(`  ... and ${failures.length - 10} more`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the report files into `dir` (created if missing); refuses to overwrite an existing report. */
export async function writeReportFiles(dir: string, files: object): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(files) as Array<[string, string]>) {
    const path = join(dir, name);
    try {
      await writeFile(path, text, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FloeError('CONFLICT', `${path} already exists: choose an empty folder`);
      throw err;
    }
    written.push(path);
  }
  return written;
}

/** Puts the report files into the destination under `.floe-report/<execution>/`. */
export async function uploadReport(destination: Destination, executionId: string, files: ReportFiles, signal?: AbortSignal): Promise<string[]> {
  const keys: string[] = [];
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  for (const [name, text] of Object.entries(files)) {
    const body = Buffer.from(text, 'utf8');
    const key = reportKey(executionId, name);
    await destination.put(
      {
        path: Buffer.from(key),
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: body.length,
        atimeNs: nowNs,
        mtimeNs: nowNs,
        ctimeNs: nowNs,
        fsId: 0n,
        fileId: 0n,
        nlink: 1,
        rdevMajor: 0,
        rdevMinor: 0,
        sha256: sha256(body),
        chunks: [{ sha256: sha256(body), size: body.length }],
      },
      (offset) => (async function* () {
        yield body.subarray(offset);
      })(),
      { ...(signal === undefined ? {} : { signal }) },
    );
    keys.push(key);
  }
  return keys;
}

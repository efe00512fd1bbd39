// The report of a restore (docs/restore.md, "Report"): a JSON summary and a CSV log of every file
// restored or found in place, and one of every failure. Kept like the import's report: the summary
// is a `restore-report` event in the encrypted journal, the logs are rebuilt from the delivery and
// failure records of the execution; nothing is written to the device's disk in the clear.
import { formatBytes } from '../format/units.js';
import type { Journal } from '../journal/journal.js';
import type { ExecutionCounters, TaskExecutionResult } from '../tasks/execution-status.js';
import type { DeliveryLedger, FailureRecord } from './delivery-ledger.js';
import { csvField, type CompletionStatus } from './import-report.js';

export interface RestoreSummary {
  readonly kind: 'restore-report';
  readonly executionId: string;
  readonly status: CompletionStatus | 'Failed' | 'Cancelled';
  /** The recovery point: the ingest execution's id and where it ends in the journal. */
  readonly point: string;
  readonly pointSeq: string;
  readonly target: string;
  readonly includes?: string;
  readonly excludes?: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly verifyMode: string;
  readonly overwriteMode: string;
  /** Entries of the point the filters selected (folders included), and their file bytes. */
  readonly filesSelected: number;
  readonly bytesSelected: number;
  readonly executionStatus: string;
  readonly counters: ExecutionCounters;
  readonly result: TaskExecutionResult;
  readonly filesFailed: number;
  /** An NFS target's WRITE payload, and what a changed write verifier (a server restart) made floe send again. */
  readonly targetCounters?: { readonly bytesWritten: number; readonly bytesResent: number; readonly verifierChanges: number };
}

export interface RestoreReportFiles {
  readonly 'summary.json': string;
  readonly 'restored.csv': string;
  readonly 'failures.csv': string;
  readonly 'summary.txt': string;
}

const RESTORED_HEADER = ['path', 'key', 'size', 'sha256', 'execution_id', 'restored_at'];
const FAILURE_HEADER = ['path', 'key', 'size', 'sha256', 'phase', 'error_code', 'message'];

function csvLine(fields: readonly (string | number)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The summary of `executionId`, or of the newest restore; undefined when none has ended. */
export async function findRestoreSummary(journal: Journal, executionId?: string): Promise<RestoreSummary | undefined> {
  let found: RestoreSummary | undefined;
  for await (const { event } of journal.events()) {
    if (event.kind !== 'restore-report') continue;
    const summary = event as unknown as RestoreSummary;
    if (executionId === undefined || summary.executionId === executionId) found = summary;
  }
  return found;
}

export function renderRestoreReport(ledger: DeliveryLedger, ledgerId: string, summary: RestoreSummary): RestoreReportFiles {
  const failures = ledger.failures(summary.executionId);
  let restored = csvLine(RESTORED_HEADER);
  const rows = [...ledger.deliveries(ledgerId).values()].filter((r) => r.executionId === summary.executionId).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const r of rows) restored += csvLine([r.path, r.key, r.size, r.sha256, r.executionId, r.at]);
  let failed = csvLine(FAILURE_HEADER);
  for (const f of [...failures].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) failed += csvLine([f.path, f.key, f.size, f.sha256, f.phase, f.code, f.message]);
  return {
    'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
    'restored.csv': restored,
    'failures.csv': failed,
    'summary.txt': restoreText(summary, failures),
  };
}

function restoreText(s: RestoreSummary, failures: readonly FailureRecord[]): string {
  const c = s.counters;
  const failed = c.FilesFailed.Prepare + c.FilesFailed.Transfer + c.FilesFailed.Verify;
  const lines = [
    `Restore ${s.executionId}: ${s.status}`,
    `Point ${s.point} (journal record ${s.pointSeq}) into ${s.target}, ${s.startedAt} to ${s.endedAt}`,
    `Selected: ${s.filesSelected} entries, ${formatBytes(s.bytesSelected)}; verification ${s.verifyMode}, overwrite ${s.overwriteMode}`,
    `This run: ${c.FilesTransferred} restored (${formatBytes(c.BytesWritten)}), ${c.FilesSkipped} already in place, ${c.FilesVerified} verified, ${failed} failed`,
  ];
  if (failures.length > 0) {
    lines.push(`Failures (${failures.length}; see failures.csv):`);
    for (const f of failures.slice(0, 10)) lines.push(`  ${f.code} ${f.message.includes(f.path) ? f.message : `${f.path}: ${f.message}`}`);
    if (failures.length > 10) lines.push(`  ... and ${failures.length - 10} more`);
  }
  return `${lines.join('\n')}\n`;
}

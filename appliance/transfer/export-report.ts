// The job completion report of an EXPORT job (DOMAIN.md, "Snowball / Snowcone"; docs/restore.md,
// "EXPORT jobs"): the same four files as an IMPORT job's report (summary.json, success-log.csv,
// failure-log.csv, summary.txt), from the restore that delivered the job: the last restore that
// ran to its end (Completed or Completed with errors), which took the device to RESTORED or
// RESTORED_WITH_ERRORS. Like every report it is kept only inside the encrypted journal: the
// restore's `restore-report` event and its delivery and failure records; the client writes files.
import { FloeError } from '../errors.js';
import { formatBytes } from '../format/units.js';
import type { Journal } from '../journal/journal.js';
import type { ExecutionCounters, TaskExecutionResult } from '../tasks/execution-status.js';
import { DeliveryLedger } from './delivery-ledger.js';
import type { CompletionStatus, ReportFiles } from './import-report.js';
import { renderRestoreReport, type RestoreSummary } from './restore-report.js';
import { restoreLedgerId } from './restore-service.js';

export interface ExportSummary {
  readonly kind: 'export-report';
  readonly jobType: 'EXPORT';
  readonly jobId: string;
  readonly deviceId: string;
  /** The restore that delivered the job. */
  readonly executionId: string;
  readonly status: CompletionStatus;
  readonly point: string;
  readonly target: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly verifyMode: string;
  /** Entries of the point the restore selected, and their file bytes. */
  readonly filesSelected: number;
  readonly bytesSelected: number;
  /** Entries this restore wrote, the bytes it wrote, and entries it found already in place (an earlier, interrupted restore wrote them). */
  readonly filesRestored: number;
  readonly bytesRestored: number;
  readonly filesAlreadyInPlace: number;
  readonly filesVerified: number;
  readonly filesFailed: number;
  readonly counters: ExecutionCounters;
  readonly result: TaskExecutionResult;
}

/** The restore that delivered the job: the newest that ran to its end; undefined before one did. */
export async function deliveringRestore(journal: Journal): Promise<RestoreSummary | undefined> {
  let found: RestoreSummary | undefined;
  for await (const { event } of journal.events()) {
    if (event.kind !== 'restore-report') continue;
    const summary = event as unknown as RestoreSummary;
    if (summary.status === 'Completed' || summary.status === 'Completed with errors') found = summary;
  }
  return found;
}

export async function exportJobReport(journal: Journal, job: { readonly jobId: string; readonly deviceId: string }): Promise<ReportFiles> {
  const restore = await deliveringRestore(journal);
  if (restore === undefined) {
    throw new FloeError('NOT_FOUND', 'no restore has run to its end on this EXPORT device yet: there is no job completion report (floe restore --to ... writes the journal into the customer\'s share)');
  }
  const files = renderRestoreReport(await DeliveryLedger.open(journal), restoreLedgerId(restore.target), restore);
  const c = restore.counters;
  const summary: ExportSummary = {
    kind: 'export-report',
    jobType: 'EXPORT',
    jobId: job.jobId,
    deviceId: job.deviceId,
    executionId: restore.executionId,
    status: restore.status as CompletionStatus,
    point: restore.point,
    target: restore.target,
    startedAt: restore.startedAt,
    endedAt: restore.endedAt,
    verifyMode: restore.verifyMode,
    filesSelected: restore.filesSelected,
    bytesSelected: restore.bytesSelected,
    filesRestored: c.FilesTransferred,
    bytesRestored: c.BytesWritten,
    filesAlreadyInPlace: c.FilesSkipped,
    filesVerified: c.FilesVerified,
    filesFailed: restore.filesFailed,
    counters: c,
    result: restore.result,
  };
  return {
    'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
    'success-log.csv': files['restored.csv'],
    'failure-log.csv': files['failures.csv'],
    'summary.txt': `Job ${summary.jobId} (device ${summary.deviceId}): EXPORT, ${summary.status}\n` +
      `Restored into ${summary.target}: ${summary.filesRestored} entries written (${formatBytes(summary.bytesRestored)}), ${summary.filesAlreadyInPlace} already in place, ${summary.filesVerified} verified, ${summary.filesFailed} failed\n` +
      files['summary.txt'],
  };
}

// The report of an agentless copy (docs/copy.md), in the import's format: summary.json,
// success-log.csv (one line per file this execution delivered), failure-log.csv
// and summary.txt. The summary is a `copy-report` event the copy appends when it ends; the logs are
// built from the delivery ledger, so the report outlives the daemon's in-memory task report.
import { FloeError } from '../errors.js';
import { formatBytes } from '../format/units.js';
import type { Journal } from '../journal/journal.js';
import type { ExecutionCounters, TaskExecutionResult } from '../tasks/execution-status.js';
import type { DeliveryLedger } from './delivery-ledger.js';
import { csvLine, FAILURE_HEADER, SUCCESS_HEADER, type ReportFiles } from './import-report.js';

export interface CopySummary {
  readonly kind: 'copy-report';
  readonly executionId: string;
  readonly taskId: string;
  readonly taskName: string;
  /** Source and destination as the task names them (no credentials: the URIs never hold any). */
  readonly source: string;
  readonly destination: string;
  /** The ledger's name for the destination (its URI, with the endpoint of an S3-compatible server). */
  readonly destinationId: string;
  readonly status: 'Completed' | 'Completed with errors' | 'Failed' | 'Cancelled';
  readonly executionStatus: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly verifyMode: string;
  readonly counters: ExecutionCounters;
  readonly result: TaskExecutionResult;
  readonly filesFailed: number;
}

/** The `copy-report` event of an execution, or NOT_FOUND (not a copy, or it has not ended). */
export async function findCopySummary(journal: Journal, executionId: string): Promise<CopySummary> {
  let found: CopySummary | undefined;
  for await (const { event } of journal.events()) {
    if (event.kind === 'copy-report' && (event as unknown as CopySummary).executionId === executionId) found = event as unknown as CopySummary;
  }
  if (found === undefined) throw new FloeError('NOT_FOUND', `no copy report for execution ${executionId}: it is not a copy (a task with DestinationLocationUri), or it has not ended`);
  return found;
}

export function renderCopyReport(ledger: DeliveryLedger, summary: CopySummary): ReportFiles {
  const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  let success = csvLine(SUCCESS_HEADER);
  const rows = [...ledger.deliveries(summary.destinationId).values()].filter((r) => r.executionId === summary.executionId).sort(byKey);
  for (const r of rows) success += csvLine([summary.destination, r.path, r.key, r.size, r.sha256, r.etag ?? '', r.transfer, r.executionId, r.at]);
  const failures = [...ledger.failures(summary.executionId)].sort(byKey);
  let failure = csvLine(FAILURE_HEADER);
  for (const f of failures) failure += csvLine([summary.destination, f.path, f.key, f.size, f.sha256, f.phase, f.code, f.message]);
  const c = summary.counters;
  const lines = [
    `Copy ${summary.executionId} (task ${summary.taskName}, ${summary.taskId}): ${summary.status}`,
    `${summary.source} -> ${summary.destination}, ${summary.startedAt} to ${summary.endedAt}, verification ${summary.verifyMode}`,
    `${c.FilesTransferred} transferred (${formatBytes(c.BytesWritten)}), ${c.FilesSkipped} skipped, ${c.FilesVerified} verified, ${c.FilesFailed.Prepare + c.FilesFailed.Transfer + c.FilesFailed.Verify} failed`,
  ];
  if (failures.length > 0) {
    lines.push(`Failures (${failures.length}; see failure-log.csv):`);
    for (const f of failures.slice(0, 10)) lines.push(`  ${f.code} ${f.message.includes(f.path) ? f.message : `${f.path}: ${f.message}`}`);
    if (failures.length > 10) lines.push(`  ... and ${failures.length - 10} more`);
  }
  return {
    'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
    'success-log.csv': success,
    'failure-log.csv': failure,
    'summary.txt': `${lines.join('\n')}\n`,
  };
}

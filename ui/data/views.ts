// What the screens show, in the UI's own shapes. The daemon's JSON is read into these by
// ui/data/normalize.ts, field by field and forgivingly, so a route that answers with a field
// missing or renamed degrades one line of one screen instead of crashing the UI.
import type { DeviceStatus, ShippingLabel } from '../../appliance/lifecycle/lifecycle-state.js';
import type { JournalStats } from '../../appliance/journal/journal.js';

export type { DeviceStatus, ShippingLabel, JournalStats };

export interface TaskView {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly status: string;
  readonly includes: string;
  readonly excludes: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly currentExecutionId?: string;
}

export interface ExecutionView {
  readonly id: string;
  readonly taskId?: string;
  readonly status: string;
  readonly startTime?: string;
  readonly bytesPerSecond?: number;
  /** The execution's VerifyMode option, when the daemon names it. */
  readonly verifyMode?: string;
  readonly estimatedFiles: number;
  readonly estimatedBytes: number;
  readonly filesTransferred: number;
  readonly bytesWritten: number;
  /** Bytes read so far (DataSync's BytesTransferred): moves during a file, BytesWritten at its end. */
  readonly bytesTransferred: number;
  readonly filesSkipped: number;
  readonly filesVerified: number;
  readonly filesDeleted: number;
  readonly filesPrepared: number;
  readonly filesListed: number;
  readonly filesFailed: number;
  readonly errorCode?: string;
  readonly errorDetail?: string;
  /** Files skipped or failed (the daemon keeps the first thousand), and how many in all. */
  readonly problems?: readonly FileProblemView[];
  readonly problemCount?: number;
  readonly durations?: { readonly prepare: number; readonly transfer: number; readonly verify: number; readonly total: number };
}

export interface FileProblemView {
  readonly path: string;
  readonly outcome: string;
  readonly code: string;
  readonly message: string;
}

export const FINAL_EXECUTION_STATUSES: readonly string[] = ['SUCCESS', 'ERROR'];

export function isRunning(e: ExecutionView | undefined): boolean {
  return e !== undefined && !FINAL_EXECUTION_STATUSES.includes(e.status);
}

/** Bytes done and to do; a successful execution with nothing to transfer is complete. */
export function progressOf(e: ExecutionView): { done: number; total: number } {
  const total = Math.max(e.estimatedBytes, e.bytesWritten);
  if (e.status === 'SUCCESS' && total === 0) return { done: 1, total: 1 };
  return { done: Math.min(total, bytesMoved(e)), total };
}

/** Files VERIFYING checks (as `floe execution` counts them): ONLY_FILES_TRANSFERRED checks what this
 * execution copied; POINT_IN_TIME_CONSISTENT (DataSync's default) also the files it skipped as unchanged. */
export function filesToVerify(e: ExecutionView): number {
  const total = e.verifyMode === 'ONLY_FILES_TRANSFERRED' ? e.filesTransferred : e.filesTransferred + e.filesSkipped;
  return Math.max(total, e.filesVerified);
}

/** The progress of the phase that runs: files verified of files to verify while VERIFYING, else bytes moved. */
export interface PhaseProgress {
  readonly phase: 'transfer' | 'verify';
  readonly unit: 'bytes' | 'files';
  readonly done: number;
  readonly total: number;
}

export function phaseProgress(e: ExecutionView): PhaseProgress {
  if (e.status === 'VERIFYING') return { phase: 'verify', unit: 'files', done: e.filesVerified, total: filesToVerify(e) };
  return { phase: 'transfer', unit: 'bytes', ...progressOf(e) };
}

/** What has moved so far: BytesTransferred while a file is being read, BytesWritten once it is stored. */
export function bytesMoved(e: ExecutionView): number {
  return Math.max(e.bytesWritten, e.bytesTransferred);
}

export interface TemperatureView {
  readonly label: string;
  readonly celsius: number;
}

export interface DiskView {
  readonly name: string;
  readonly mount: string;
  readonly sizeBytes: number;
  readonly usedBytes: number;
  readonly availableBytes?: number;
  /** Whether this is the file system of the data folder (the journal's disk). */
  readonly holdsJournal?: boolean;
}

export interface NicView {
  readonly name: string;
  readonly address: string;
  readonly mac: string;
  readonly up: boolean;
  readonly speedMbps?: number;
}

export interface DeviceInfoView {
  readonly hostname?: string;
  readonly cpu?: string;
  readonly cpuLoadPercent?: number;
  readonly memoryTotal?: number;
  readonly memoryUsed?: number;
  readonly temperatures: readonly TemperatureView[];
  readonly disks: readonly DiskView[];
  readonly nics: readonly NicView[];
  /** The file system of the data folder (the journal's disk). */
  readonly dataDisk?: { readonly totalBytes: number; readonly freeBytes: number; readonly usedBytes?: number };
  /** Probes that failed, "probe: reason". */
  readonly missing?: readonly string[];
}

export interface DestinationProgressView {
  readonly uri: string;
  readonly status: string;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesFailed: number;
  readonly filesSkipped?: number;
  readonly filesVerified?: number;
  /** The destination's Result.ErrorCode and ErrorDetail, once it ended in error (files failed, target gone). */
  readonly errorCode?: string;
  readonly errorDetail?: string;
}

export interface TransferView {
  /** e.g. IDLE, RUNNING, SUCCESS, ERROR, or the execution status. */
  readonly status: string;
  readonly executionId?: string;
  readonly destinations: readonly DestinationProgressView[];
  readonly message?: string;
}

/** A recovery point: an ingest execution that ended (GET /v1/journal/points), oldest first. */
export interface RecoveryPointView {
  readonly id: string;
  readonly seq: string;
  readonly taskId: string;
  readonly taskName: string;
  /** The execution's end status: SUCCESS, ERROR or CANCELLED. */
  readonly status: string;
  readonly startTime: string;
  readonly endTime: string;
  /** Catalog entries at the point, folders included. */
  readonly files: number;
  readonly bytes: number;
}

/** GET /v1/restore: a TransferView (one destination, the target) with the point and the run's error. */
export interface RestoreView extends TransferView {
  readonly point: string;
  readonly target: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Why the run failed (FAILED), as the daemon gave it. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** What the Restore screen asks for (POST /v1/restore); an empty string is left out of the body. */
export interface RestoreInput {
  readonly point: string;
  readonly target: string;
  readonly includes: string;
  readonly excludes: string;
}

export interface ReportFailureView {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface ReportView {
  /** "Completed" or "Completed with errors". */
  readonly status: string;
  readonly filesTotal?: number;
  readonly filesSucceeded?: number;
  readonly filesFailed?: number;
  readonly bytes?: number;
  readonly finishedAt?: string;
  readonly summaryLines: readonly string[];
  readonly failures: readonly ReportFailureView[];
}

export interface VerifyResultView {
  readonly ok: boolean;
  readonly records: number;
  readonly files: number;
  readonly problems: readonly { readonly kind: string; readonly message: string }[];
}

/** One line in the dashboard's "last errors": an error or warning event of the daemon, never a refused input. */
export interface ErrorLine {
  readonly at: string;
  readonly code?: string;
  readonly message: string;
}

/** An event of `GET /v1/events`. */
export interface UiEvent {
  readonly id: number;
  readonly type: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface TaskInput {
  readonly name: string;
  readonly source: string;
  readonly includes: string;
  readonly excludes: string;
  /** DataSync option names and values, e.g. {VerifyMode: 'ONLY_FILES_TRANSFERRED', BytesPerSecond: 1048576}. */
  readonly options: Readonly<Record<string, string | number>>;
}

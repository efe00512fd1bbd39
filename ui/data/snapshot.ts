// What the screens read: the data layer's snapshot of the daemon, and the actions they may ask
// for. Plain data, so that screen tests build one by hand (ui/testing/fixtures.ts).
import type { DiskSpace } from './floe-source.js';
import type { UiError } from './ui-error.js';
import type {
  DeviceInfoView,
  DeviceStatus,
  ErrorLine,
  ExecutionView,
  JournalStats,
  RecoveryPointView,
  ReportView,
  RestoreInput,
  RestoreView,
  ShippingLabel,
  TaskInput,
  TaskView,
  TransferView,
  VerifyResultView,
} from './views.js';

export type Remote<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'ok'; readonly value: T; readonly at: number }
  | { readonly state: 'unavailable' }
  | { readonly state: 'error'; readonly error: UiError; readonly value?: T };

export const LOADING: Remote<never> = { state: 'loading' };

/** The value a Remote holds (also the last good one while it errs). */
export function valueOf<T>(r: Remote<T>): T | undefined {
  return r.state === 'ok' ? r.value : r.state === 'error' ? r.value : undefined;
}

export interface ConnectionView {
  readonly online: boolean;
  /** Whether the daemon ever answered since the UI started. */
  readonly everOnline: boolean;
  readonly location?: string;
  readonly lastError?: UiError;
  /** ms until the next attempt while offline. */
  readonly retryInMs?: number;
  readonly events: 'connecting' | 'live' | 'reconnecting' | 'unavailable';
}

export interface ThroughputView {
  readonly executionId?: string;
  /** What `current` and `history` count: bytes/s (absent), or files/s while VERIFYING. */
  readonly unit?: 'files';
  /** per second over the last few seconds. */
  readonly current?: number;
  /** one value per poll, oldest first, for the sparkline. */
  readonly history: readonly number[];
  readonly etaSeconds?: number;
}

export interface VerifyView {
  readonly running: boolean;
  readonly bytesScanned?: number;
  readonly totalBytes?: number;
  readonly result?: VerifyResultView;
  readonly error?: UiError;
}

export interface UnlockProgressView {
  readonly phase: string;
  readonly bytesScanned?: number;
  readonly totalBytes?: number;
}

export interface Snapshot {
  readonly now: number;
  readonly connection: ConnectionView;
  readonly status: Remote<DeviceStatus>;
  readonly label: Remote<ShippingLabel>;
  readonly journal: Remote<JournalStats>;
  readonly disk: Remote<DiskSpace>;
  readonly tasks: Remote<TaskView[]>;
  readonly executions: Remote<ExecutionView[]>;
  /** The running execution, else the most recent one. */
  readonly current?: ExecutionView;
  readonly throughput: ThroughputView;
  /** The running import and online sync runs, for the Import screen. */
  readonly importThroughput: ThroughputView;
  readonly syncThroughput: ThroughputView;
  readonly device: Remote<DeviceInfoView>;
  readonly importStatus: Remote<TransferView>;
  readonly syncStatus: Remote<TransferView>;
  readonly report: Remote<ReportView>;
  /** The recovery points, oldest first, and the current or last restore, for the Restore screen. */
  readonly points: Remote<RecoveryPointView[]>;
  readonly restoreStatus: Remote<RestoreView>;
  readonly restoreThroughput: ThroughputView;
  readonly verify: VerifyView;
  readonly unlockProgress?: UnlockProgressView;
  /** Newest last. */
  readonly errors: readonly ErrorLine[];
}

export type ActionResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly error: UiError };

/** What the screens may ask for. The store implements it; screen tests pass a fake. */
export interface Actions {
  unlock(manifestPath: string, code: string): Promise<ActionResult>;
  lock(cancelRunning: boolean): Promise<ActionResult>;
  verifyJournal(): Promise<ActionResult>;
  createTask(input: TaskInput): Promise<ActionResult>;
  startTask(taskId: string): Promise<ActionResult>;
  cancelExecution(id: string): Promise<ActionResult>;
  setBandwidth(id: string, bytesPerSecond: number): Promise<ActionResult>;
  startImport(): Promise<ActionResult>;
  startSync(): Promise<ActionResult>;
  stopSync(): Promise<ActionResult>;
  startRestore(input: RestoreInput): Promise<ActionResult>;
  cancelRestore(): Promise<ActionResult>;
  refresh(): void;
}

export function emptySnapshot(now = Date.now()): Snapshot {
  return {
    now,
    connection: { online: false, everOnline: false, events: 'connecting' },
    status: LOADING,
    label: LOADING,
    journal: LOADING,
    disk: LOADING,
    tasks: LOADING,
    executions: LOADING,
    throughput: { history: [] },
    importThroughput: { history: [] },
    syncThroughput: { history: [] },
    device: LOADING,
    importStatus: LOADING,
    syncStatus: LOADING,
    report: LOADING,
    points: LOADING,
    restoreStatus: LOADING,
    restoreThroughput: { history: [] },
    verify: { running: false },
    errors: [],
  };
}

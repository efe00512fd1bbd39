// What the UI asks of the daemon. The store (ui/data/store.ts) drives it; the HTTP implementation
// (ui/data/http-source.ts) speaks to `floe serve`; tests inject a fake.
import type {
  DeviceInfoView,
  DeviceStatus,
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
  UiEvent,
  VerifyResultView,
} from './views.js';

export interface FloeSource {
  /** Where the daemon is, for the status line ("http://127.0.0.1:4780"), once known. */
  readonly location: string | undefined;
  status(): Promise<DeviceStatus>;
  label(): Promise<ShippingLabel>;
  unlock(manifestPath: string, code: string): Promise<DeviceStatus>;
  lock(cancelRunning: boolean): Promise<ShippingLabel>;
  journalStats(): Promise<JournalStats>;
  verifyJournal(): Promise<VerifyResultView>;
  tasks(): Promise<TaskView[]>;
  createTask(input: TaskInput): Promise<TaskView>;
  /** Starts an execution of the task; its id. */
  startTask(taskId: string, bytesPerSecond?: number): Promise<string>;
  executions(): Promise<ExecutionView[]>;
  execution(id: string): Promise<ExecutionView>;
  cancelExecution(id: string): Promise<void>;
  setBandwidth(id: string, bytesPerSecond: number): Promise<void>;
  device(): Promise<DeviceInfoView>;
  importStatus(): Promise<TransferView>;
  startImport(): Promise<void>;
  syncStatus(): Promise<TransferView>;
  startSync(): Promise<void>;
  stopSync(): Promise<void>;
  report(): Promise<ReportView>;
  /** The recovery points, oldest first (DEVICE_LOCKED without the keys). */
  recoveryPoints(): Promise<RecoveryPointView[]>;
  /** The current or last restore (NOT_FOUND before the first). */
  restoreStatus(): Promise<RestoreView>;
  startRestore(input: RestoreInput): Promise<RestoreView>;
  cancelRestore(): Promise<RestoreView>;
  /**
   * Follows the event stream from after `lastEventId` until it ends or `signal` aborts, calling
   * `onEvent` for each event; rejects when it cannot connect.
   */
  events(lastEventId: number | undefined, onEvent: (event: UiEvent) => void, signal: AbortSignal, onOpen?: () => void): Promise<void>;
  /** Forgets the connection so the next call finds the daemon again (it may have restarted elsewhere). */
  reset(): void;
}

export interface DiskSpace {
  readonly totalBytes: number;
  /** Available to an unprivileged writer (statfs bavail). */
  readonly freeBytes: number;
  /** Taken by files (statfs blocks - bfree), when known: df's "Used". */
  readonly usedBytes?: number;
}

/** Optional: the capacity of the disk that holds the journal (the UI runs on the device). */
export interface DiskSpaceSource {
  journalDisk(): Promise<DiskSpace>;
}

// Task executions with DataSync's names: statuses, phase statuses, DescribeTaskExecution counters,
// and a state machine that records when each phase starts and ends.
//
// Sources: DataSync API "DescribeTaskExecution" and "TaskExecutionResultDetail"; User Guide "AWS
// DataSync task statuses" (understand-task-statuses.html):
//   QUEUED "Another task execution is running and using the same DataSync agent"; LAUNCHING
//   "initializing the task execution"; PREPARING "determining what data needs to transfer";
//   TRANSFERRING "performing the actual data transfer"; VERIFYING "performing a data-integrity check
//   at the end of the transfer"; SUCCESS "The task execution succeeded"; CANCELLING "The task
//   execution is in the process of being cancelled"; ERROR "The task execution failed".
// DataSync has no CANCELLED execution status: SUCCESS and ERROR are the only final ones, so a
// cancelled execution goes CANCELLING -> ERROR. AWS does not document the ErrorCode it then
// reports; floe uses ErrorCode "CANCELLED" (its error table's code) and ErrorDetail
// "Execution was cancelled".
// Phase statuses (PrepareStatus, TransferStatus, VerifyStatus): PENDING | SUCCESS | ERROR.
// Durations are milliseconds ("The total time in milliseconds that AWS DataSync spent in the
// PREPARING phase").

import { FloeError } from '../errors.js';
import { systemClock, type Clock } from './clock.js';

export const EXECUTION_STATUSES = ['QUEUED', 'LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING', 'SUCCESS', 'ERROR', 'CANCELLING'] as const;
export type TaskExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export type PhaseStatus = 'PENDING' | 'SUCCESS' | 'ERROR';

/** Task (not execution) statuses. */
export type TaskStatus = 'AVAILABLE' | 'CREATING' | 'QUEUED' | 'RUNNING' | 'UNAVAILABLE';

export interface FilesListed {
  AtSource: number;
  AtDestinationForDelete: number;
}

export interface FilesFailed {
  Prepare: number;
  Transfer: number;
  Verify: number;
  Delete: number;
}

/** The counters of DescribeTaskExecution. */
export interface ExecutionCounters {
  EstimatedFilesToTransfer: number;
  EstimatedBytesToTransfer: number;
  EstimatedFilesToDelete: number;
  FilesTransferred: number;
  /** Logical bytes written to the destination. */
  BytesWritten: number;
  /** Bytes sent, before compression. */
  BytesTransferred: number;
  /** Bytes on the wire, after compression. */
  BytesCompressed: number;
  FilesSkipped: number;
  FilesVerified: number;
  FilesDeleted: number;
  FilesPrepared: number;
  FilesListed: FilesListed;
  FilesFailed: FilesFailed;
}

export function createExecutionCounters(): ExecutionCounters {
  return {
    EstimatedFilesToTransfer: 0,
    EstimatedBytesToTransfer: 0,
    EstimatedFilesToDelete: 0,
    FilesTransferred: 0,
    BytesWritten: 0,
    BytesTransferred: 0,
    BytesCompressed: 0,
    FilesSkipped: 0,
    FilesVerified: 0,
    FilesDeleted: 0,
    FilesPrepared: 0,
    FilesListed: { AtSource: 0, AtDestinationForDelete: 0 },
    FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 },
  };
}

/** TaskExecutionResultDetail. */
export interface TaskExecutionResult {
  PrepareDuration: number;
  PrepareStatus: PhaseStatus;
  TransferDuration: number;
  TransferStatus: PhaseStatus;
  VerifyDuration: number;
  VerifyStatus: PhaseStatus;
  TotalDuration: number;
  ErrorCode?: string;
  ErrorDetail?: string;
}

export const CANCELLED_ERROR_CODE = 'CANCELLED';
export const CANCELLED_ERROR_DETAIL = 'Execution was cancelled';

/** Where each status may go. SUCCESS and ERROR are final. */
export const EXECUTION_TRANSITIONS: Readonly<Record<TaskExecutionStatus, readonly TaskExecutionStatus[]>> = {
  QUEUED: ['LAUNCHING', 'CANCELLING', 'ERROR'],
  LAUNCHING: ['PREPARING', 'CANCELLING', 'ERROR'],
  PREPARING: ['TRANSFERRING', 'CANCELLING', 'ERROR'],
  TRANSFERRING: ['VERIFYING', 'CANCELLING', 'ERROR'],
  VERIFYING: ['SUCCESS', 'CANCELLING', 'ERROR'],
  CANCELLING: ['ERROR'],
  SUCCESS: [],
  ERROR: [],
};

type Phase = 'PREPARING' | 'TRANSFERRING' | 'VERIFYING';
const PHASES: readonly Phase[] = ['PREPARING', 'TRANSFERRING', 'VERIFYING'];

interface PhaseRecord {
  start?: number;
  end?: number;
  status: PhaseStatus;
}

export interface StatusChange {
  readonly status: TaskExecutionStatus;
  /** ms since epoch */
  readonly at: number;
}

export interface ExecutionStateMachineOptions {
  readonly clock?: Clock;
  /** QUEUED (default), or LAUNCHING when nothing else holds the device. */
  readonly initialStatus?: 'QUEUED' | 'LAUNCHING';
}

export class ExecutionStateMachine {
  private readonly clock: Clock;
  private current: TaskExecutionStatus;
  private readonly changes: StatusChange[] = [];
  private readonly phases: Record<Phase, PhaseRecord> = {
    PREPARING: { status: 'PENDING' },
    TRANSFERRING: { status: 'PENDING' },
    VERIFYING: { status: 'PENDING' },
  };
  private launchedAt: number | undefined;
  private endedAt: number | undefined;
  private errorCode: string | undefined;
  private errorDetail: string | undefined;

  constructor(options: ExecutionStateMachineOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.current = options.initialStatus ?? 'QUEUED';
    const now = this.clock.now();
    this.changes.push({ status: this.current, at: now });
    if (this.current === 'LAUNCHING') this.launchedAt = now;
  }

  get status(): TaskExecutionStatus {
    return this.current;
  }

  /** When the execution was started (StartTaskExecution), ms since epoch. */
  get startTime(): number {
    return (this.changes[0] as StatusChange).at;
  }

  get isFinal(): boolean {
    return this.current === 'SUCCESS' || this.current === 'ERROR';
  }

  get history(): readonly StatusChange[] {
    return this.changes;
  }

  /** Moves to `to`; INVALID_STATE if DataSync's order does not allow it. Use fail() for ERROR. */
  transition(to: Exclude<TaskExecutionStatus, 'ERROR'>): void {
    this.move(to);
  }

  /** Asks the execution to stop: -> CANCELLING. */
  cancel(): void {
    this.move('CANCELLING');
  }

  /** The cancellation is complete: CANCELLING -> ERROR, ErrorCode CANCELLED. */
  completeCancel(): void {
    if (this.current !== 'CANCELLING') {
      throw this.refusal('ERROR', `a cancellation can only complete from CANCELLING`);
    }
    this.fail(CANCELLED_ERROR_CODE, CANCELLED_ERROR_DETAIL);
  }

  /** -> ERROR with DataSync's ErrorCode and ErrorDetail. */
  fail(errorCode: string, errorDetail: string): void {
    this.move('ERROR');
    this.errorCode = errorCode;
    this.errorDetail = errorDetail;
  }

  /** TaskExecutionResultDetail as of now: running phases count up to now. */
  result(): TaskExecutionResult {
    const now = this.clock.now();
    const duration = (p: PhaseRecord): number => (p.start === undefined ? 0 : (p.end ?? now) - p.start);
    const result: TaskExecutionResult = {
      PrepareDuration: duration(this.phases.PREPARING),
      PrepareStatus: this.phases.PREPARING.status,
      TransferDuration: duration(this.phases.TRANSFERRING),
      TransferStatus: this.phases.TRANSFERRING.status,
      VerifyDuration: duration(this.phases.VERIFYING),
      VerifyStatus: this.phases.VERIFYING.status,
      // From LAUNCHING to the final status: time spent QUEUED is not part of the run.
      TotalDuration: this.launchedAt === undefined ? 0 : (this.endedAt ?? now) - this.launchedAt,
    };
    if (this.errorCode !== undefined) result.ErrorCode = this.errorCode;
    if (this.errorDetail !== undefined) result.ErrorDetail = this.errorDetail;
    return result;
  }

  private refusal(to: TaskExecutionStatus, why?: string): FloeError {
    const allowed = EXECUTION_TRANSITIONS[this.current];
    const next = allowed.length === 0 ? `${this.current} is final` : `from ${this.current} it can go to ${allowed.join(', ')}`;
    return new FloeError('INVALID_STATE', `Execution cannot go from ${this.current} to ${to}; ${why ?? next}`, {
      details: { field: 'Status', from: this.current, to, allowed },
    });
  }

  private move(to: TaskExecutionStatus): void {
    if (!EXECUTION_TRANSITIONS[this.current].includes(to)) throw this.refusal(to);
    const now = this.clock.now();
    const from = this.current;
    if ((PHASES as readonly string[]).includes(from)) {
      const phase = this.phases[from as Phase];
      phase.end = now;
      // A phase succeeds when the execution moves on to the next step, fails otherwise.
      phase.status = to === 'CANCELLING' || to === 'ERROR' ? 'ERROR' : 'SUCCESS';
    }
    if ((PHASES as readonly string[]).includes(to)) this.phases[to as Phase].start = now;
    if (to === 'LAUNCHING') this.launchedAt = now;
    if (to === 'SUCCESS' || to === 'ERROR') this.endedAt = now;
    this.current = to;
    this.changes.push({ status: to, at: now });
  }
}

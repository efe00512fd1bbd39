import { errorOf } from '../../test/support/error-of.js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import {
  createExecutionCounters,
  EXECUTION_STATUSES,
  EXECUTION_TRANSITIONS,
  ExecutionStateMachine,
  type TaskExecutionStatus,
} from './execution-status.js';


/** Drives a machine to `target` along the normal path. */
function driveTo(sm: ExecutionStateMachine, target: TaskExecutionStatus): void {
  const path: TaskExecutionStatus[] = ['LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING', 'SUCCESS'];
  if (target === 'QUEUED') return;
  if (target === 'ERROR') return sm.fail('X', 'y');
  if (target === 'CANCELLING') return sm.cancel();
  for (const s of path) {
    sm.transition(s as Exclude<TaskExecutionStatus, 'ERROR'>);
    if (s === target) return;
  }
}

describe('ExecutionStateMachine', () => {
  it('records each phase so durations are exact', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const sm = new ExecutionStateMachine({ clock });
    clock.advance(5_000); // queued 5 s: not part of TotalDuration
    sm.transition('LAUNCHING');
    clock.advance(1_000);
    sm.transition('PREPARING');
    clock.advance(2_000);
    sm.transition('TRANSFERRING');
    expect(sm.result()).toEqual({
      PrepareDuration: 2_000, PrepareStatus: 'SUCCESS',
      TransferDuration: 0, TransferStatus: 'PENDING',
      VerifyDuration: 0, VerifyStatus: 'PENDING',
      TotalDuration: 3_000,
    });
    clock.advance(10_000);
    expect(sm.result().TransferDuration).toBe(10_000); // running phase counts up to now
    sm.transition('VERIFYING');
    clock.advance(4_000);
    sm.transition('SUCCESS');
    clock.advance(60_000); // time after the end changes nothing
    expect(sm.status).toBe('SUCCESS');
    expect(sm.isFinal).toBe(true);
    expect(sm.startTime).toBe(1_700_000_000_000);
    expect(sm.result()).toEqual({
      PrepareDuration: 2_000, PrepareStatus: 'SUCCESS',
      TransferDuration: 10_000, TransferStatus: 'SUCCESS',
      VerifyDuration: 4_000, VerifyStatus: 'SUCCESS',
      TotalDuration: 17_000,
    });
    expect(sm.history.map((h) => [h.status, h.at - 1_700_000_000_000])).toEqual([
      ['QUEUED', 0], ['LAUNCHING', 5_000], ['PREPARING', 6_000], ['TRANSFERRING', 8_000], ['VERIFYING', 18_000], ['SUCCESS', 22_000],
    ]);
  });

  it('marks the failing phase ERROR and keeps ErrorCode and ErrorDetail', () => {
    const clock = new ManualClock();
    const sm = new ExecutionStateMachine({ clock, initialStatus: 'LAUNCHING' });
    sm.transition('PREPARING');
    clock.advance(100);
    sm.transition('TRANSFERRING');
    clock.advance(250);
    sm.fail('SOURCE_UNREACHABLE', 'nfs://filer/export: connection refused');
    expect(sm.result()).toEqual({
      PrepareDuration: 100, PrepareStatus: 'SUCCESS',
      TransferDuration: 250, TransferStatus: 'ERROR',
      VerifyDuration: 0, VerifyStatus: 'PENDING',
      TotalDuration: 350,
      ErrorCode: 'SOURCE_UNREACHABLE', ErrorDetail: 'nfs://filer/export: connection refused',
    });
  });

  it('ends a cancelled execution in ERROR, as DataSync has no CANCELLED status', () => {
    const clock = new ManualClock();
    const sm = new ExecutionStateMachine({ clock });
    driveTo(sm, 'VERIFYING');
    clock.advance(700);
    sm.cancel();
    expect(sm.status).toBe('CANCELLING');
    expect(sm.result().VerifyStatus).toBe('ERROR');
    clock.advance(300);
    sm.completeCancel();
    expect(sm.status).toBe('ERROR');
    expect(sm.result()).toMatchObject({ VerifyDuration: 700, TotalDuration: 1_000, ErrorCode: 'CANCELLED', ErrorDetail: 'Execution was cancelled' });
    expect(EXECUTION_STATUSES).not.toContain('CANCELLED');
  });

  it('cancels a queued execution before it ever launches', () => {
    const sm = new ExecutionStateMachine({ clock: new ManualClock() });
    sm.cancel();
    sm.completeCancel();
    expect(sm.result()).toEqual({
      PrepareDuration: 0, PrepareStatus: 'PENDING', TransferDuration: 0, TransferStatus: 'PENDING',
      VerifyDuration: 0, VerifyStatus: 'PENDING', TotalDuration: 0, ErrorCode: 'CANCELLED', ErrorDetail: 'Execution was cancelled',
    });
  });

  // Every (from, to) pair: allowed ones succeed, the rest throw INVALID_STATE.
  const pairs = EXECUTION_STATUSES.flatMap((from) => EXECUTION_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)('%s -> %s', (from, to) => {
    const sm = new ExecutionStateMachine({ clock: new ManualClock() });
    driveTo(sm, from);
    expect(sm.status).toBe(from);
    const step = (): void => (to === 'ERROR' ? sm.fail('E', 'detail') : sm.transition(to));
    if (EXECUTION_TRANSITIONS[from].includes(to)) {
      step();
      expect(sm.status).toBe(to);
    } else {
      const err = errorOf(step);
      expect(err.code).toBe('INVALID_STATE');
      expect(err.details).toMatchObject({ from, to });
      expect(sm.status).toBe(from);
    }
  });

  it('explains a refused transition', () => {
    const sm = new ExecutionStateMachine({ clock: new ManualClock() });
    driveTo(sm, 'TRANSFERRING');
    expect(errorOf(() => sm.transition('PREPARING')).message).toBe(
      'Execution cannot go from TRANSFERRING to PREPARING; from TRANSFERRING it can go to VERIFYING, CANCELLING, ERROR',
    );
    expect(errorOf(() => sm.completeCancel()).message).toBe(
      'Execution cannot go from TRANSFERRING to ERROR; a cancellation can only complete from CANCELLING',
    );
    sm.transition('VERIFYING');
    sm.transition('SUCCESS');
    expect(errorOf(() => sm.cancel()).message).toBe('Execution cannot go from SUCCESS to CANCELLING; SUCCESS is final');
  });
});

describe('createExecutionCounters', () => {
  it('has every DescribeTaskExecution counter at zero', () => {
    expect(createExecutionCounters()).toEqual({
      EstimatedFilesToTransfer: 0, EstimatedBytesToTransfer: 0, EstimatedFilesToDelete: 0,
      FilesTransferred: 0, BytesWritten: 0, BytesTransferred: 0, BytesCompressed: 0,
      FilesSkipped: 0, FilesVerified: 0, FilesDeleted: 0, FilesPrepared: 0,
      FilesListed: { AtSource: 0, AtDestinationForDelete: 0 },
      FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 },
    });
    const a = createExecutionCounters();
    a.FilesFailed.Verify++;
    expect(createExecutionCounters().FilesFailed.Verify).toBe(0);
  });
});

// The daemon's JSON (shapes of appliance/api/schemas) read into the UI's views.
import { describe, expect, it } from 'vitest';
import { toExecution, toPoints, toReport, toRestore, toSync, toTask, toTransfer } from './normalize.js';

const counters = { EstimatedFilesToTransfer: 10, EstimatedBytesToTransfer: 1000, FilesTransferred: 4, BytesWritten: 400, FilesSkipped: 1, FilesVerified: 0, FilesDeleted: 0, FilesPrepared: 10, FilesListed: { AtSource: 10, AtDestinationForDelete: 0 }, FilesFailed: { Prepare: 0, Transfer: 1, Verify: 1, Delete: 0 } };

describe('normalize', () => {
  it('reads a DescribeTask and a DescribeTaskExecution', () => {
    expect(toTask({ TaskId: 'task-1', Name: 'share', SourceLocationUri: 'nfs://h/export', DestinationPath: 'share', Includes: '/a*', Options: { VerifyMode: 'NONE' }, Status: 'RUNNING', CurrentTaskExecutionId: 'exec-1' })).toEqual({
      id: 'task-1',
      name: 'share',
      source: 'nfs://h/export',
      status: 'RUNNING',
      includes: '/a*',
      excludes: '',
      options: { VerifyMode: 'NONE' },
      currentExecutionId: 'exec-1',
    });
    const e = toExecution({ TaskExecutionId: 'exec-1', TaskId: 'task-1', Status: 'ERROR', Options: { BytesPerSecond: 1024 }, StartTime: 't', ...counters, Result: { PrepareDuration: 1, TransferDuration: 2, VerifyDuration: 3, TotalDuration: 6, ErrorCode: 'CANCELLED', ErrorDetail: 'Execution was cancelled' } });
    expect(toExecution({ TaskExecutionId: 'e', FileProblemCount: 3, FileProblems: [{ path: 'a', phase: 'Transfer', outcome: 'skipped', code: 'SOURCE_ACCESS_DENIED', message: 'NFS3ERR_ACCES' }] })).toMatchObject({
      problemCount: 3,
      problems: [{ path: 'a', outcome: 'skipped', code: 'SOURCE_ACCESS_DENIED', message: 'NFS3ERR_ACCES' }],
    });
    expect(e).toMatchObject({ id: 'exec-1', status: 'ERROR', bytesPerSecond: 1024, filesTransferred: 4, bytesWritten: 400, filesFailed: 2, errorCode: 'CANCELLED', errorDetail: 'Execution was cancelled', durations: { total: 6 } });
    // FilesFailed as one count instead of one per phase, counted once.
    expect(toExecution({ TaskExecutionId: 'e', FilesFailed: 3 }).filesFailed).toBe(3);
    expect(toTransfer({ state: 'RUNNING', destinations: [{ uri: 'efs://x', counters: { FilesFailed: 5 } }] }).destinations[0]?.filesFailed).toBe(5);
  });

  it('reads import and sync status per destination', () => {
    const run = { executionId: 'imp-1', state: 'RUNNING', startedAt: 't', destinations: [{ uri: 's3://b/p', status: 'TRANSFERRING', counters, result: {} }] };
    expect(toTransfer(run)).toEqual({ status: 'RUNNING', executionId: 'imp-1', destinations: [{ uri: 's3://b/p', status: 'TRANSFERRING', filesDone: 4, filesTotal: 10, bytesDone: 400, bytesTotal: 1000, filesFailed: 2, filesSkipped: 1, filesVerified: 0 }] });
    expect(toTransfer({ ...run, state: 'FAILED', error: { code: 'DESTINATION_UNREACHABLE', message: 'no route' } }).message).toBe('no route [DESTINATION_UNREACHABLE]');
    const sync = toSync({ state: 'SCHEDULED', schedule: 'cron(0 2 * * ? *)', nextRunAt: '2026-12-01T02:00:00Z', last: { ...run, state: 'COMPLETED' } });
    expect(sync).toMatchObject({ status: 'SCHEDULED', executionId: 'imp-1', message: 'schedule cron(0 2 * * ? *), next run 2026-12-01T02:00:00Z; last run COMPLETED' });
  });

  it('reads recovery points and a restore status, its error and each destination\'s ErrorCode', () => {
    expect(toPoints({ points: [{ id: 'exec-1', seq: '42', chain: 'ab', taskId: 'task-1', taskName: 'share', status: 'SUCCESS', startTime: 's', endTime: 'e', files: 22, bytes: 2048 }] })).toEqual([
      { id: 'exec-1', seq: '42', taskId: 'task-1', taskName: 'share', status: 'SUCCESS', startTime: 's', endTime: 'e', files: 22, bytes: 2048 },
    ]);
    const run = { executionId: 'restore-1', state: 'FAILED', startedAt: 's', endedAt: 'e', destinations: [{ uri: 'file:///r', status: 'ERROR', counters, result: { ErrorCode: 'DESTINATION_FULL', ErrorDetail: 'full' } }], error: { code: 'DESTINATION_FULL', message: 'no space left on file:///r' }, point: 'exec-1', target: 'file:///r' };
    const r = toRestore(run);
    expect(r).toMatchObject({ status: 'FAILED', executionId: 'restore-1', point: 'exec-1', target: 'file:///r', startedAt: 's', endedAt: 'e', error: { code: 'DESTINATION_FULL', message: 'no space left on file:///r' }, message: 'no space left on file:///r [DESTINATION_FULL]' });
    expect(r.destinations[0]).toMatchObject({ filesDone: 4, bytesDone: 400, errorCode: 'DESTINATION_FULL', errorDetail: 'full' });
    // An event's RunStatus has no point or target: the previous status of the same run gives them.
    expect(toRestore({ executionId: 'restore-1', state: 'RUNNING', destinations: [] }, r)).toMatchObject({ point: 'exec-1', target: 'file:///r' });
    expect(toRestore({ executionId: 'restore-2', state: 'RUNNING', destinations: [] }, r)).toMatchObject({ point: '', target: '' });
  });

  it('reads the completion report: summary and the failure log with quoted CSV fields', () => {
    const r = toReport({
      'summary.json': JSON.stringify({ status: 'Completed with errors', filesInJournal: 100, bytesInJournal: 2048, filesFailed: 2, endedAt: '2026-11-30T12:00:00Z' }),
      'success-log.csv': 'destination,path\r\n',
      'failure-log.csv': 'destination,path,key,size,sha256,phase,error_code,message\r\ns3://b,a.bin,a.bin,3,ab,TRANSFER,CHECKSUM_MISMATCH,"Checksum failure: chunk 2, tag"\r\ns3://b,"we""ird",k,1,cd,TRANSFER,DESTINATION_NAME_INVALID,bad key\r\n',
      'summary.txt': 'Job J (device D): Completed with errors\nImport imp-1, a to b, verification ONLY_FILES_TRANSFERRED\nJournal: 100 files, 2.0 KiB\nFailures (2; see failure-log.csv):\n  CHECKSUM_MISMATCH a.bin: x\n',
    });
    expect(r).toEqual({
      status: 'Completed with errors',
      filesTotal: 100,
      filesSucceeded: 98,
      filesFailed: 2,
      bytes: 2048,
      finishedAt: '2026-11-30T12:00:00Z',
      summaryLines: ['Import imp-1, a to b, verification ONLY_FILES_TRANSFERRED', 'Journal: 100 files, 2.0 KiB'],
      failures: [
        { path: 'a.bin', code: 'CHECKSUM_MISMATCH', message: 'Checksum failure: chunk 2, tag' },
        { path: 'we"ird', code: 'DESTINATION_NAME_INVALID', message: 'bad key' },
      ],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { csvField, humanSummary, type ImportSummary } from './import-report.js';

describe('job completion report', () => {
  it('quotes CSV fields as RFC 4180 says', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(42)).toBe('42');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('summarizes for people, with the first failures', () => {
    const counters = { FilesTransferred: 3, FilesSkipped: 1, FilesVerified: 3, FilesFailed: { Prepare: 1, Transfer: 0, Verify: 0, Delete: 0 } };
    const summary = {
      kind: 'import-report',
      jobId: 'JID1',
      deviceId: 'DEV1',
      executionId: 'import-1',
      status: 'Completed with errors',
      startedAt: '2026-11-30T10:00:00.000Z',
      endedAt: '2026-11-30T10:01:00.000Z',
      verifyMode: 'ONLY_FILES_TRANSFERRED',
      filesInJournal: 5,
      bytesInJournal: 3 * 1024 * 1024,
      filesFailed: 1,
      destinations: [{ uri: 's3://b/p', executionStatus: 'ERROR', counters, result: {}, filesDelivered: 4, bytesDelivered: 2048 }],
    } as unknown as ImportSummary;
    const failure = { path: 'a/b\\xe9', code: 'DESTINATION_NAME_INVALID', message: 'S3 keys must be UTF-8' } as never;
    const named = { path: 'deep/very/long/path.bin', code: 'DESTINATION_IO', message: 'cannot write deep/very/long/path.bin: ENOSPC' } as never;
    expect(humanSummary(summary, [failure, named]).split('\n')).toEqual([
      'Job JID1 (device DEV1): Completed with errors',
      'Import import-1, 2026-11-30T10:00:00.000Z to 2026-11-30T10:01:00.000Z, verification ONLY_FILES_TRANSFERRED',
      'Journal: 5 files, 3.00 MiB',
      's3://b/p: 4 delivered (2.00 KiB); this run: 3 transferred, 1 skipped, 3 verified, 1 failed',
      'Failures (2; see failure-log.csv):',
      '  DESTINATION_NAME_INVALID a/b\\xe9: S3 keys must be UTF-8',
      '  DESTINATION_IO cannot write deep/very/long/path.bin: ENOSPC',
      '',
    ]);
  });
});

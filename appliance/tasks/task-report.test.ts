import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FloeError } from '../errors.js';
import { ManualClock } from './clock.js';
import type { LogLevel } from './options.js';
import { TaskReportWriter, type FileResult } from './task-report.js';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');

class MemorySink {
  readonly chunks: string[] = [];
  write(s: string): void {
    this.chunks.push(s);
  }
  lines(): Array<Record<string, unknown>> {
    return this.chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

const files: FileResult[] = [
  { path: '/a.txt', category: 'transferred', size: 10, sha256: 'aa'.repeat(32) },
  { path: '/a.txt', category: 'verified', size: 10, sha256: 'aa'.repeat(32) },
  { path: '/locked.db', category: 'skipped', size: 4096, errorCode: 'SOURCE_BUSY', errorMessage: 'file is locked by the server' },
  { path: '/gone.txt', category: 'deleted', size: 3 },
  { path: '/bad.bin', category: 'failed', size: 7, errorCode: 'VERIFY_CHECKSUM_FAILURE', errorMessage: 'Checksum failure' },
];

function run(logLevel: LogLevel): { sink: MemorySink; clock: ManualClock } {
  const sink = new MemorySink();
  const clock = new ManualClock(T0);
  const report = new TaskReportWriter(sink, { logLevel, clock });
  for (const f of files) {
    clock.advance(1000);
    report.record(f);
  }
  clock.advance(500);
  report.finish({ status: 'ERROR', executionId: 'exec-0123456789abcdef0' });
  return { sink, clock };
}

const expectedSummary = {
  summary: {
    status: 'ERROR',
    executionId: 'exec-0123456789abcdef0',
    counts: { transferred: 1, verified: 1, deleted: 1, skipped: 1, failed: 1 },
    bytes: { transferred: 10, verified: 10, deleted: 3, skipped: 4096, failed: 7 },
    startTime: '2024-05-01T10:00:00.000Z',
    endTime: '2024-05-01T10:00:05.500Z',
    logLevel: '',
  },
};

describe('TaskReportWriter', () => {
  it('OFF writes the summary only', () => {
    expect(run('OFF').sink.lines()).toEqual([{ summary: { ...expectedSummary.summary, logLevel: 'OFF' } }]);
  });

  it('BASIC writes errors and skips, then the summary', () => {
    expect(run('BASIC').sink.lines()).toEqual([
      { path: '/locked.db', category: 'skipped', size: 4096, errorCode: 'SOURCE_BUSY', errorMessage: 'file is locked by the server', timestamp: '2024-05-01T10:00:03.000Z' },
      { path: '/bad.bin', category: 'failed', size: 7, errorCode: 'VERIFY_CHECKSUM_FAILURE', errorMessage: 'Checksum failure', timestamp: '2024-05-01T10:00:05.000Z' },
      { summary: { ...expectedSummary.summary, logLevel: 'BASIC' } },
    ]);
  });

  it('TRANSFER writes every file, then the summary', () => {
    const lines = run('TRANSFER').sink.lines();
    expect(lines).toHaveLength(6);
    expect(lines[0]).toEqual({ path: '/a.txt', category: 'transferred', size: 10, sha256: 'aa'.repeat(32), timestamp: '2024-05-01T10:00:01.000Z' });
    expect(lines[1]).toEqual({ path: '/a.txt', category: 'verified', size: 10, sha256: 'aa'.repeat(32), timestamp: '2024-05-01T10:00:02.000Z' });
    expect(lines[3]).toEqual({ path: '/gone.txt', category: 'deleted', size: 3, timestamp: '2024-05-01T10:00:04.000Z' });
    expect(lines[5]).toEqual({ summary: { ...expectedSummary.summary, logLevel: 'TRANSFER' } });
  });

  it('writes one line per record, each a complete JSON document', () => {
    const { sink } = run('TRANSFER');
    expect(sink.chunks).toHaveLength(6);
    for (const chunk of sink.chunks) expect(chunk.endsWith('\n') && !chunk.slice(0, -1).includes('\n')).toBe(true);
  });

  it('keeps UTF-8 byte paths as text and writes other byte paths in base64', () => {
    const sink = new MemorySink();
    const report = new TaskReportWriter(sink, { logLevel: 'TRANSFER', clock: new ManualClock(T0) });
    report.record({ path: Buffer.from('/café/naïve.txt'), category: 'transferred', size: 1 });
    report.record({ path: Buffer.from([0x2f, 0x63, 0x61, 0x66, 0xe9]), category: 'transferred', size: 1 });
    report.record({ path: '/line\nbreak', category: 'transferred', size: 1, timestamp: new Date('2020-01-01T00:00:00Z') });
    const lines = sink.lines();
    expect(lines[0]).toMatchObject({ path: '/café/naïve.txt' });
    expect(lines[0]).not.toHaveProperty('pathEncoding');
    expect(lines[1]).toMatchObject({ path: 'L2NhZuk=', pathEncoding: 'base64' });
    expect(Buffer.from(lines[1]?.path as string, 'base64')).toEqual(Buffer.from([0x2f, 0x63, 0x61, 0x66, 0xe9]));
    expect(lines[2]).toMatchObject({ path: '/line\nbreak', timestamp: '2020-01-01T00:00:00.000Z' });
    expect(sink.chunks).toHaveLength(3);
  });

  it('refuses records after finish, a second finish, and unknown categories', () => {
    const report = new TaskReportWriter(new MemorySink(), { logLevel: 'OFF', clock: new ManualClock() });
    const bad = { path: '/x', category: 'copied', size: 1 } as unknown as FileResult;
    expect(() => report.record(bad)).toThrow('Report category must be one of transferred, verified, deleted, skipped, failed; got "copied"');
    report.finish();
    const err = (() => {
      try {
        report.record(files[0] as FileResult);
      } catch (e) {
        return e as FloeError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('INVALID_STATE');
    expect(() => report.finish()).toThrow('The task report is already finished');
  });

  it('writes to a node:fs write stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-report-'));
    try {
      const file = join(dir, 'report.jsonl');
      const stream = createWriteStream(file);
      const report = new TaskReportWriter(stream, { logLevel: 'BASIC', clock: new ManualClock(T0) });
      report.record({ path: '/ok', category: 'transferred', size: 1 });
      report.record({ path: '/no', category: 'failed', size: 2, errorCode: 'SOURCE_IO', errorMessage: 'EIO' });
      report.finish();
      stream.end();
      await once(stream, 'close');
      expect(await readFile(file, 'utf8')).toBe(
        '{"path":"/no","category":"failed","size":2,"errorCode":"SOURCE_IO","errorMessage":"EIO","timestamp":"2024-05-01T10:00:00.000Z"}\n' +
          '{"summary":{"counts":{"transferred":1,"verified":0,"deleted":0,"skipped":0,"failed":1},"bytes":{"transferred":1,"verified":0,"deleted":0,"skipped":0,"failed":2},"startTime":"2024-05-01T10:00:00.000Z","endTime":"2024-05-01T10:00:00.000Z","logLevel":"BASIC"}}\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Times a source cannot carry: over NFSv3 (unsigned 32-bit seconds) a file stamped before 1970
// arrives as one after 2038, one from 2106 on as its seconds modulo 2^32; a local folder reports
// them exactly. The ingest keeps what the source reported, counts the file transferred and notes
// it (FileProblems outcome "noted", SOURCE_TIME_OUT_OF_RANGE) when a time is later than the ingest
// itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../appliance/sources/open-source.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { ingestOnce, newJournal } from './ingest-fixtures.js';

const PRE_1970 = '@-86400.25'; // 1969-12-30T23:59:59.750000000Z
const IN_2200 = '@7258118400.000000001';
const AT_2_POW_32 = '@4294967296.000000001';

function stamp(file: string, date: string): void {
  execFileSync('touch', ['-h', '-d', date, '--', file]);
}

describe('times out of a source\'s range', () => {
  let tmp: string;
  let share: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-time-range-'));
    share = path.join(tmp, 'share');
    fs.mkdirSync(share);
    for (const name of ['now.txt', 'old.txt', 'late.txt', 'wrap.txt']) fs.writeFileSync(path.join(share, name), `${name}\n`, { mode: 0o644 });
    stamp(path.join(share, 'old.txt'), PRE_1970);
    stamp(path.join(share, 'late.txt'), IN_2200);
    stamp(path.join(share, 'wrap.txt'), AT_2_POW_32);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function ingest(uri: string) {
    const { journal, cleanup } = await newJournal();
    const source = await openSource(uri);
    try {
      const run = await ingestOnce(source, journal, { VerifyMode: 'POINT_IN_TIME_CONSISTENT' });
      const times = new Map<string, bigint>();
      for await (const e of journal.files()) times.set(e.path.toString(), e.mtimeNs);
      return { run, times };
    } finally {
      await source.close();
      await cleanup();
    }
  }

  it('from a local folder: before 1970 kept exactly, 2200 and 2^32 s kept exactly (not rounded, not truncated) and noted', async () => {
    const { run, times } = await ingest(`file://${share}`);
    expect(run.counters).toMatchObject({ FilesTransferred: 4, FilesSkipped: 0, FilesVerified: 4, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 } });
    expect(times.get('old.txt')).toBe(-86_400_250_000_000n);
    expect(times.get('old.txt')).toBe(fs.lstatSync(path.join(share, 'old.txt'), { bigint: true }).mtimeNs);
    expect(times.get('late.txt')).toBe(7_258_118_400_000_000_001n);
    expect(times.get('wrap.txt')).toBe(4_294_967_296_000_000_001n);
    expect([...run.result.problems.kept].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: 'late.txt', phase: 'Transfer', outcome: 'noted', code: 'SOURCE_TIME_OUT_OF_RANGE', message: expect.stringMatching(/^mtime 2200-01-01T00:00:00\.000000001Z, atime 2200-01-01T00:00:00\.000000001Z is later than the ingest started \(/u) },
      { path: 'wrap.txt', phase: 'Transfer', outcome: 'noted', code: 'SOURCE_TIME_OUT_OF_RANGE', message: expect.stringMatching(/^mtime 2106-02-07T06:28:16\.000000001Z, atime 2106-02-07T06:28:16\.000000001Z is later than the ingest started \(/u) },
    ]);
  });

  const skip = ganeshaUnavailableReason();
  describe.skipIf(skip !== undefined)(`over nfs-ganesha${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let server: Ganesha;
    beforeAll(async () => {
      server = await startGanesha({ exportDir: share });
    }, 120_000);
    afterAll(async () => server?.stop());

    it('before 1970 arrives wrapped past 2038, 2200 wrapped to 2063: kept as sent, transferred and noted with the reason; 2^32 s + 1 ns arrives as 1 ns, kept as sent', async () => {
      const { run, times } = await ingest(server.uri());
      expect(run.counters).toMatchObject({ FilesTransferred: 4, FilesVerified: 4, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 } });
      const old = times.get('old.txt')!;
      // What the server sent, unchanged: after 2038, before 2^32 s.
      expect(old).toBeGreaterThan(2n ** 31n * 1_000_000_000n);
      expect(old).toBeLessThan(2n ** 32n * 1_000_000_000n);
      // nfs-ganesha sends the seconds modulo 2^32 (RFC 1813 §2.5: nfstime3 seconds are uint32).
      expect(times.get('late.txt')).toBe(7_258_118_400_000_000_001n - 2n ** 32n * 1_000_000_000n);
      // 2^32 s wraps to the epoch: a time no NFSv3 client can tell from a real one (docs/ingest.md).
      expect(times.get('wrap.txt')).toBe(1n);
      const noted = run.result.problems.kept.filter((p) => p.outcome === 'noted');
      expect(noted.map((p) => p.path).sort()).toEqual(['late.txt', 'old.txt']);
      expect(noted.find((p) => p.path === 'late.txt')!.message).toMatch(/^mtime 2063-11-24T17:31:44\.000000001Z(, atime \S+)? is later than the ingest started/u);
      const oldNote = noted.find((p) => p.path === 'old.txt')!;
      expect(oldNote.code).toBe('SOURCE_TIME_OUT_OF_RANGE');
      expect(oldNote.message).toContain('over NFSv3 a time before 1970 on the server arrives as one after 2038');
      expect(times.get('now.txt')).toBe(fs.lstatSync(path.join(share, 'now.txt'), { bigint: true }).mtimeNs);
      expect(run.result.problems.kept.filter((p) => p.outcome !== 'noted')).toEqual([]);
    });
  });
});

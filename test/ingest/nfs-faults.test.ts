// Issue 4, Must show: a file appended to while it is ingested is reported and never stored
// inconsistent (a file changed once is re-read and stored as it is after the change); nfs-ganesha
// killed and restarted during an ingest: the execution recovers or ends with a clear error, and
// the journal verifies.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJournal } from '../../appliance/journal/verify.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { Throttle } from '../../appliance/tasks/throttle.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { ingestOnce, newJournal, readCatalog, writeSeededFile } from './ingest-fixtures.js';

const skip = ganeshaUnavailableReason();
const MIB = 1 << 20;
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== undefined)(`ingest faults against nfs-ganesha${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tmp: string;
  let exportDir: string;
  let server: Ganesha;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-ingest-faults-'));
    exportDir = path.join(tmp, 'export');
    fs.mkdirSync(path.join(exportDir, 'changing'), { recursive: true });
    fs.mkdirSync(path.join(exportDir, 'restart'), { recursive: true });
    writeSeededFile(path.join(exportDir, 'changing', 'growing.log'), 16 * MIB, 1);
    writeSeededFile(path.join(exportDir, 'changing', 'changes-once.log'), 16 * MIB, 2);
    fs.writeFileSync(path.join(exportDir, 'changing', 'stable.txt'), 'stable\n');
    for (let i = 0; i < 100; i++) writeSeededFile(path.join(exportDir, 'restart', `part-${String(i).padStart(3, '0')}.bin`), MIB + i, 100 + i);
    writeSeededFile(path.join(exportDir, 'restart', 'large.bin'), 96 * MIB, 7);
    // Changes below are made in exportDir directly: ganesha must not serve cached attributes.
    server = await startGanesha({ exportDir, attrExpirationSeconds: 0 });
  });

  afterAll(async () => {
    for (const c of cleanups.splice(0)) await c();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reports a file appended to during the whole read as failed (SOURCE_CHANGED) and stores no entry; a file changed once is re-read and stored as it is after the change', async () => {
    const { journal, cleanup } = await newJournal();
    cleanups.push(cleanup);
    const growing = path.join(exportDir, 'changing', 'growing.log');
    const once = path.join(exportDir, 'changing', 'changes-once.log');
    let appends = 0;
    const appender = setInterval(() => {
      fs.appendFileSync(growing, `line ${appends++}\n`);
    }, 20);
    const changeOnce = setTimeout(() => fs.appendFileSync(once, 'appended once\n'), 400);
    const source = await openSource(server.uri('changing'));
    let run;
    try {
      // 16 MiB/s shared by both large files: each read takes about two seconds.
      run = await ingestOnce(source, journal, { LogLevel: 'BASIC', VerifyMode: 'ONLY_FILES_TRANSFERRED', BytesPerSecond: 16 * MIB });
    } finally {
      clearInterval(appender);
      clearTimeout(changeOnce);
      await source.close();
    }
    expect(appends).toBeGreaterThan(50);
    expect(run.counters).toMatchObject({ FilesTransferred: 2, FilesFailed: { Prepare: 0, Transfer: 1, Verify: 0, Delete: 0 }, FilesVerified: 2 });
    expect(run.result.error).toEqual({ code: 'SOURCE_CHANGED', detail: expect.stringContaining("'growing.log' kept changing while it was read (3 attempts)") });
    expect(run.result.problems.kept).toEqual([expect.objectContaining({ path: 'growing.log', phase: 'Transfer', outcome: 'failed', code: 'SOURCE_CHANGED' })]);
    expect(run.files.filter((f) => f.category === 'skipped' || f.category === 'failed')).toEqual([expect.objectContaining({ category: 'failed', errorCode: 'SOURCE_CHANGED' })]);
    expect(await journal.getFile(Buffer.from('growing.log'))).toBeUndefined();
    const stored = await journal.getFile(Buffer.from('changes-once.log'));
    const now = fs.readFileSync(once);
    expect(stored?.size).toBe(now.length);
    expect(stored?.sha256.toString('hex')).toBe(sha(now));
    expect((await readCatalog(journal)).get('changes-once.log')?.contentSha256).toBe(sha(now));
    expect(run.counters.BytesTransferred).toBeGreaterThan(3 * 16 * MIB); // re-reads are counted
    expect((await verifyJournal(journal)).ok).toBe(true);
  }, 300_000);

  it('survives nfs-ganesha killed (SIGKILL) and restarted in the middle of an ingest: every file it stored is exact and the journal verifies', async () => {
    const { journal, cleanup } = await newJournal();
    cleanups.push(cleanup);
    const source = await openSource(server.uri('restart'));
    const throttle = new Throttle({ bytesPerSecond: 40 * MIB });
    let outcome;
    try {
      const running = ingestOnce(source, journal, { VerifyMode: 'POINT_IN_TIME_CONSISTENT' }, { throttle }).then(
        (r) => ({ ok: true as const, run: r }),
        (e: unknown) => ({ ok: false as const, error: e as { code?: string; message: string } }),
      );
      await sleep(1500);
      await server.kill(true);
      await sleep(1500);
      await server.start();
      outcome = await running;
    } finally {
      await source.close();
    }
    const files = fs.readdirSync(path.join(exportDir, 'restart'));
    console.info(`ganesha killed and restarted: ${outcome.ok ? 'the execution recovered' : `the execution ended with ${outcome.error.code}: ${outcome.error.message}`}`);
    if (outcome.ok) {
      expect(outcome.run.result.error).toBeUndefined();
      expect(outcome.run.counters).toMatchObject({ FilesTransferred: files.length, FilesVerified: files.length, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 } });
    } else {
      // A clear error: the server by name, not a stack of internals.
      expect(['SOURCE_UNREACHABLE', 'TIMEOUT']).toContain(outcome.error.code);
      expect(outcome.error.message).toMatch(/127\.0\.0\.1:\d+/);
    }
    const catalog = await readCatalog(journal);
    for (const [p, c] of catalog) {
      if (c.entry.type !== 'file') continue;
      const want = sha(fs.readFileSync(path.join(exportDir, 'restart', p)));
      expect(c.contentSha256, p).toBe(want);
      expect(c.entry.sha256.toString('hex'), p).toBe(want);
    }
    if (outcome.ok) expect([...catalog.values()].filter((c) => c.entry.type === 'file')).toHaveLength(files.length);
    const report = await verifyJournal(journal);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  }, 300_000);
});

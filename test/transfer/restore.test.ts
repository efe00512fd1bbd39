// Issue 23, restore into a folder: a hostile tree (names that are not UTF-8, NFC/NFD twins, a
// 255-byte name, a path over 1,000 bytes, hard links, symlinks, setuid/setgid/sticky modes, several
// owners, nanosecond and pre-1970 times, a sparse file, an empty folder, a FIFO) is ingested by a
// real task from file:// and restored from its recovery point into a folder; an independent walk
// finds bytes, types, modes, owners, mtimes and link identity equal to the original. A point in the
// past gives back a file's old content and a deleted file. A restore run again skips what the
// target holds and writes only what changed there. Bad input: each a clear error, the journal as
// it was.
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFloeError } from '../../appliance/errors.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { findPoint, listFolderAt, listPoints, pathVersions } from '../../appliance/journal/recovery-points.js';
import { stopSyscallHelper } from '../../appliance/os/syscall-helper.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { RestoreService } from '../../appliance/transfer/restore-service.js';
import { provisionDevice, type ProvisionedDevice } from './transfer-fixtures.js';
import { walkTree } from './restore-tree.js';
import { expectRestoredWhole } from './restore-report-checks.js';
import { expectSameTree, makeTree } from './hostile-tree.js';

const run = promisify(execFile);
const b = (s: string): Buffer => Buffer.from(s);

describe('restore into a folder (issue 23)', () => {
  let p: ProvisionedDevice;
  let device: Device;
  let tasks: TaskService;
  let scratch: string;
  let source: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'floe-restore-'));
    p = await provisionDevice([{ uri: `efs://${scratch}` }]);
    source = join(p.root, 'source');
    await mkdir(source);
    await makeTree(source);
    device = await Device.load(p.dataDir);
    await device.unlock(p.manifest, p.code);
    tasks = new TaskService({ device, scheduleCheckMs: 0 });
    device.setExecutionControl(tasks);
    await tasks.createTask({ Name: 'share', SourceLocationUri: `file://${source}`, DestinationPath: 'share', Options: { PreserveDevices: 'PRESERVE', PreserveDeletedFiles: 'REMOVE' } });
  });
  afterAll(async () => {
    await tasks?.close();
    await device?.close();
    await p?.cleanup();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    stopSyscallHelper();
  });

  async function ingest(): Promise<string> {
    const done = await tasks.waitExecution((await tasks.startExecution('share')).TaskExecutionId);
    expect(done.Status).toBe('SUCCESS');
    return done.TaskExecutionId;
  }

  it('restores a hostile tree into a folder: bytes, types, modes, owners, nanosecond mtimes and hard links equal the original', async () => {
    const original = await walkTree(source);
    const pointId = await ingest();
    const target = join(scratch, 'restored');
    await mkdir(target);
    const restores = new RestoreService(device);
    await restores.start({ point: pointId, target: `file://${target}`, options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
    const done = await restores.wait();
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('COMPLETED');
    const c = done.destinations[0]!.counters;
    const entries = original.entries.size + 1; // and the share folder itself
    expect(c).toMatchObject({ FilesListed: { AtSource: entries }, FilesTransferred: entries, FilesSkipped: 0, FilesVerified: entries, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    expectSameTree(await walkTree(join(target, 'share')), original);
    const sparse = await lstat(join(target, 'share', 'sparse.img'));
    expect(sparse.blocks * 512, 'the hole stays a hole').toBeLessThanOrEqual(2 * (await lstat(join(source, 'sparse.img'))).blocks * 512);

    // The report: every entry restored, none failed, and the summary names the point and target.
    const report = await restores.report(done.executionId);
    const summary = JSON.parse(report['summary.json']) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'Completed', point: pointId, target: `file://${target}`, filesSelected: entries, filesFailed: 0 });
    expect(report['restored.csv'].trimEnd().split('\r\n')).toHaveLength(1 + entries);
    expect(report['failures.csv']).toBe('path,key,size,sha256,phase,error_code,message\r\n');

    // Run again: everything is in place and nothing is written; two files changed on the target are written again.
    const again = await (async () => {
      await restores.start({ point: pointId, target: `file://${target}` });
      return restores.wait();
    })();
    expect(again.destinations[0]!.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: entries, BytesWritten: 0 });
    await writeFile(join(target, 'share', 'names', 'n'.repeat(255)), 'changed on the target\n');
    await rm(join(target, 'share', 'links', 'to-one'));
    await restores.start({ point: pointId, target: `file://${target}` });
    const repaired = await restores.wait();
    expect(repaired.state).toBe('COMPLETED');
    // The two files, and their two folders, whose mtimes the changes moved.
    expect(repaired.destinations[0]!.counters).toMatchObject({ FilesTransferred: 4, FilesSkipped: entries - 4 });
    expectSameTree(await walkTree(join(target, 'share')), original);
    restores.close();
  });

  it('a point in the past gives back the old content and the deleted file; the later point has neither', async () => {
    const first = (await listPoints(device.journal())).at(-1)!;
    await writeFile(join(source, 'links', 'one'), 'linked content, changed\n'); // all three names of the inode
    await rm(join(source, 'sparse.img'));
    const secondId = await ingest();
    const journal = device.journal();
    const second = await findPoint(journal, 'latest');
    expect(second.id).toBe(secondId);
    expect(second.files).toBe(first.files - 1);

    const history = await pathVersions(journal, b('share/sparse.img'));
    expect(history.map((v) => [v.entry === null ? 'deleted' : v.entry.type, v.points.includes(first.id), v.points.includes(second.id)])).toEqual([
      ['file', true, false],
      ['deleted', false, true],
    ]);
    const atFirst = (await listFolderAt(journal, first, b('share'))).map((e) => e.path.toString());
    expect(atFirst).toContain('share/sparse.img');
    expect((await listFolderAt(journal, second, b('share'))).map((e) => e.path.toString())).not.toContain('share/sparse.img');

    const restores = new RestoreService(device);
    const old = join(scratch, 'old');
    const now = join(scratch, 'now');
    await mkdir(old);
    await mkdir(now);
    await restores.start({ point: first.id, target: `file://${old}`, includes: '/share/links|/share/sparse.img' });
    expect((await restores.wait()).state).toBe('COMPLETED');
    expect(await readFile(join(old, 'share', 'links', 'one'), 'utf8')).toBe('linked content\n');
    expect((await lstat(join(old, 'share', 'sparse.img'))).size).toBe((512 << 10) + (64 << 20));
    expect(await lstat(join(old, 'share', 'names')).catch(() => null), 'outside the filter').toBeNull();
    await restores.start({ point: second.id, target: `file://${now}`, includes: '/share/links|/share/sparse.img' });
    expect((await restores.wait()).state).toBe('COMPLETED');
    expect(await readFile(join(now, 'share', 'links', 'two'), 'utf8')).toBe('linked content, changed\n');
    expect(await lstat(join(now, 'share', 'sparse.img')).catch(() => null)).toBeNull();
    restores.close();
  });

  it('bad input: a point that does not exist, a missing target, a malformed nfs:// and an s3:// target, a read-only target, a full one, a locked device; the journal stays as it was', async () => {
    // 2 MiB more than a 1 MiB target holds.
    await writeFile(join(source, 'big.bin'), Buffer.alloc(2 << 20, 0x42));
    await ingest();
    const journal = device.journal();
    const before = { stats: await journal.stats(), points: await listPoints(journal) };
    const restores = new RestoreService(device);
    const refused = async (request: Parameters<RestoreService['start']>[0]) => {
      try {
        await restores.start(request);
      } catch (err) {
        if (isFloeError(err)) return { code: err.code, message: err.message };
        throw err;
      }
      throw new Error('the restore was not refused');
    };
    expect(await refused({ point: 'exec-nope', target: `file://${scratch}` })).toEqual({ code: 'NOT_FOUND', message: `recovery point exec-nope does not exist: floe journal points lists the ${before.points.length} there are` });
    expect(await refused({ target: `file://${scratch}/absent` })).toEqual({ code: 'DESTINATION_UNREACHABLE', message: `file://${scratch}/absent: ${scratch}/absent does not exist (not mounted?)` });
    expect((await refused({ target: 'nfs://' })).code).toBe('INVALID_ARGUMENT');
    expect((await refused({ target: 's3://bucket/prefix' })).code).toBe('INVALID_ARGUMENT');
    expect((await refused({ target: `file://${scratch}`, includes: '/a|' })).code).toBe('INVALID_ARGUMENT');

    // A read-only mount and a full one (tmpfs of 1 MiB; the restore holds more than that).
    const ro = join(scratch, 'ro');
    const full = join(scratch, 'full');
    await mkdir(ro);
    await mkdir(full);
    await run('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full]);
    try {
      const denied = await refused({ target: `file://${ro}` });
      expect(denied.code).toBe('DESTINATION_ACCESS_DENIED');
      expect(denied.message).toContain(ro);

      await restores.start({ target: `file://${full}` });
      const filled = await restores.wait();
      expect(filled.state).toBe('COMPLETED_WITH_ERRORS');
      const failures = await expectRestoredWhole(await restores.report(filled.executionId), full);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((l) => l.includes(',DESTINATION_FULL,')), failures.join('\n')).toBe(true);
    } finally {
      await run('umount', [ro]);
      await run('umount', [full]);
    }

    // The journal: the same files, bytes and points (a restore adds only its records of deliveries).
    const after = await journal.stats();
    expect({ files: after.files, logicalBytes: after.logicalBytes, chunks: after.chunks }).toEqual({ files: before.stats.files, logicalBytes: before.stats.logicalBytes, chunks: before.stats.chunks });
    expect(await listPoints(journal)).toEqual(before.points);
    expect((await device.verifyJournal()).ok).toBe(true);

    await tasks.close();
    await device.lock({});
    expect(await refused({ target: `file://${scratch}` })).toMatchObject({ code: 'DEVICE_LOCKED' });
    restores.close();
  });
});

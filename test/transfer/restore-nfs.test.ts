// Issue 23, restore into an NFS export through floe's own NFSv3 client (the write path: CREATE,
// MKDIR, SYMLINK, LINK, MKNOD, WRITE UNSTABLE + COMMIT, SETATTR, RENAME) against nfs-ganesha:
// the hostile tree restored into the export equals the original by an independent walk of the
// export's folder (times to what NFSv3 carries: seconds from 1970 to 2106); a rerun writes
// nothing; ganesha killed and started again during a restore changes its write verifier, and the
// data sent under the old one is sent again; bad input gets clear errors, and an export that fills
// up fails the files that do not fit with DESTINATION_FULL and keeps the rest whole.
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nfsTime } from '../../appliance/destinations/nfs/nfs-destination.js';
import { isFloeError } from '../../appliance/errors.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { stopSyscallHelper } from '../../appliance/os/syscall-helper.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { RestoreService } from '../../appliance/transfer/restore-service.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { expectSameTree, makeTree } from './hostile-tree.js';
import { walkTree, type SeenEntry } from './restore-tree.js';
import { expectRestoredWhole } from './restore-report-checks.js';
import { provisionDevice, type ProvisionedDevice } from './transfer-fixtures.js';

const unavailable = ganeshaUnavailableReason();

describe.skipIf(unavailable !== undefined)('restore into an NFS export (issue 23)', () => {
  let p: ProvisionedDevice;
  let device: Device;
  let tasks: TaskService;
  let scratch: string;
  let source: string;
  let exportDir: string;
  let ganesha: Ganesha;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'floe-restore-nfs-'));
    exportDir = join(scratch, 'export');
    await mkdir(exportDir);
    ganesha = await startGanesha({ exportDir, attrExpirationSeconds: 0 });
    p = await provisionDevice([{ uri: `efs://${scratch}` }]);
    source = join(p.root, 'source');
    await mkdir(source);
    await makeTree(join(source, 'tree'));
    await mkdir(join(source, 'large'));
    for (let i = 0; i < 3; i++) await writeFile(join(source, 'large', `part-${i}.bin`), Buffer.alloc(40 << 20, 0x41 + i));
    device = await Device.load(p.dataDir);
    await device.unlock(p.manifest, p.code);
    tasks = new TaskService({ device, scheduleCheckMs: 0 });
    device.setExecutionControl(tasks);
    await tasks.createTask({ Name: 'share', SourceLocationUri: `file://${source}`, DestinationPath: 'share', Options: { PreserveDevices: 'PRESERVE' } });
    const done = await tasks.waitExecution((await tasks.startExecution('share')).TaskExecutionId);
    expect(done.Status).toBe('SUCCESS');
  }, 120_000);
  afterAll(async () => {
    await tasks?.close();
    await device?.close();
    await ganesha?.stop();
    await p?.cleanup();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    stopSyscallHelper();
  });

  it('restores the hostile tree into a ganesha export: bytes, types, modes, owners, mtimes and hard links equal the original; a rerun writes nothing', async () => {
    const original = await walkTree(join(source, 'tree'));
    await mkdir(join(exportDir, 'restored'));
    const restores = new RestoreService(device);
    const target = ganesha.uri('restored');
    await restores.start({ target, includes: '/share/tree', options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
    const done = await restores.wait();
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('COMPLETED');
    const entries = original.entries.size + 2; // and the share and tree folders
    expect(done.destinations[0]!.counters).toMatchObject({ FilesTransferred: entries, FilesSkipped: 0, FilesVerified: entries, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    // NFSv3 times are unsigned seconds since 1970: the pre-1970 mtime is held as 1970-01-01. And
    // ganesha's VFS answers a SETATTR of a symlink's times with NFS3_OK but keeps the link's own.
    expectSameTree(await walkTree(join(exportDir, 'restored', 'share', 'tree')), original, heldByNfs);
    const held = [...original.entries.values()].filter((e) => e.mtimeNs < 0n);
    expect(held, 'the tree has a time before 1970').toHaveLength(1);
    const sparse = await lstat(join(exportDir, 'restored', 'share', 'tree', 'sparse.img'));
    expect(sparse.blocks * 512, 'the hole stays a hole').toBeLessThanOrEqual(2 * (await lstat(join(source, 'tree', 'sparse.img'))).blocks * 512);
    expect(await partFiles(join(exportDir, 'restored'))).toEqual([]);
    const summary = JSON.parse((await restores.report(done.executionId))['summary.json']) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'Completed', target, filesFailed: 0, targetCounters: { bytesResent: 0, verifierChanges: 0 } });

    await restores.start({ target, includes: '/share/tree' });
    const again = await restores.wait();
    expect(again.destinations[0]!.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: entries, BytesWritten: 0 });
    restores.close();
  }, 120_000);

  it('ganesha killed and started again during a restore: the restore goes on, what was sent under the old write verifier is sent again, the tree ends identical', async () => {
    const original = await walkTree(join(source, 'large'));
    await mkdir(join(exportDir, 'restart'));
    const restores = new RestoreService(device);
    const target = ganesha.uri('restart');
    await restores.start({ target, includes: '/share/large', options: { BytesPerSecond: 24 * 1024 * 1024 } });
    // Kill it once a first file is partly written: bytes under its write verifier not yet committed.
    for (let i = 0; i < 200 && (restores.status()?.destinations[0]?.counters.BytesWritten ?? 0) < 20 << 20; i++) await new Promise((r) => setTimeout(r, 50));
    await ganesha.restart({ hard: true, downMs: 500 });
    const done = await restores.wait();
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('COMPLETED');
    expectSameTree(await walkTree(join(exportDir, 'restart', 'share', 'large')), original);
    const summary = JSON.parse((await restores.report(done.executionId))['summary.json']) as { targetCounters: { bytesResent: number; verifierChanges: number; bytesWritten: number } };
    expect(summary.targetCounters.verifierChanges).toBeGreaterThanOrEqual(1);
    expect(summary.targetCounters.bytesResent).toBeGreaterThan(0);
    expect(summary.targetCounters.bytesWritten).toBe(3 * (40 << 20) + summary.targetCounters.bytesResent);
    expect(await partFiles(join(exportDir, 'restart'))).toEqual([]);
    restores.close();
  }, 180_000);

  it('bad input: a missing folder, an unreachable server, an export that cannot be written: each a clear error; the journal as it was', async () => {
    const restores = new RestoreService(device);
    const refused = async (target: string) => {
      try {
        await restores.start({ target });
      } catch (err) {
        if (isFloeError(err)) return { code: err.code, message: err.message };
        throw err;
      }
      throw new Error('the restore was not refused');
    };
    const before = await device.journal().stats();
    const missing = await refused(ganesha.uri('absent'));
    expect(missing.code).toBe('DESTINATION_UNREACHABLE');
    expect(missing.message).toContain('/export/absent');
    const closed = await refused('nfs://127.0.0.1/export?nfsport=1&mountport=1');
    expect(closed.code).toBe('DESTINATION_UNREACHABLE');
    expect(closed.message).toMatch(/cannot reach 127\.0\.0\.1:1/u);
    // A folder the client's uid may not write (the URI's uid=1234, the folder root's 0755).
    await mkdir(join(exportDir, 'readonly'));
    await chmod(join(exportDir, 'readonly'), 0o755);
    const denied = await refused(ganesha.uri('readonly', { uid: 1234, gid: 1234 }));
    expect(denied.code).toBe('DESTINATION_ACCESS_DENIED');
    expect(denied.message).toMatch(/cannot be written \(.*NFS3ERR_ACCES.*\): restore needs write access to the export/u);
    expect(await readdir(join(exportDir, 'readonly'))).toEqual([]);
    const after = await device.journal().stats();
    expect({ files: after.files, logicalBytes: after.logicalBytes }).toEqual({ files: before.files, logicalBytes: before.logicalBytes });
    restores.close();
  }, 120_000);

  it('an export that fills up: each file that does not fit fails with DESTINATION_FULL, what fitted stays whole, no part file is left', async () => {
    // A second ganesha exporting a 4 MiB tmpfs: the tree fits (its sparse file holds 512 KiB), the 3 x 40 MiB do not.
    const small = join(scratch, 'small');
    await mkdir(small);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small]);
    const full = await startGanesha({ exportDir: small, attrExpirationSeconds: 0 });
    try {
      const restores = new RestoreService(device);
      await restores.start({ target: full.uri() });
      const done = await restores.wait();
      expect(done.state).toBe('COMPLETED_WITH_ERRORS');
      const failures = await expectRestoredWhole(await restores.report(done.executionId), small);
      expect(failures.filter((l) => l.includes('share/large/part-')).length, failures.join('\n')).toBeGreaterThanOrEqual(2);
      expect(failures.every((l) => l.includes(',DESTINATION_FULL,') && l.includes('NFS3ERR_NOSPC')), failures.join('\n')).toBe(true);
      expect(await partFiles(small)).toEqual([]);
      restores.close();
    } finally {
      await full.stop();
      await run('umount', [small]);
    }
  }, 180_000);
});

const run = promisify(execFile);

/** What an NFSv3 export on ganesha keeps of an entry: times from 1970 to 2106; a symlink keeps its own times. */
function heldByNfs(want: SeenEntry, got: SeenEntry | undefined): SeenEntry {
  return { ...want, mtimeNs: want.type === 'symlink' && got !== undefined ? got.mtimeNs : nfsTime(want.mtimeNs) };
}

async function partFiles(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).filter((p) => p.split('/').at(-1)!.startsWith('.floe-part-'));
}

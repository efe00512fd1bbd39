// Issue 25: a folder destination keeps what the source had: times to the nanosecond, user.
// extended attributes with binary values (set and read by setfattr/getfattr), FIFOs, holes. A local tree
// whose files, folders and symlinks carry sub-microsecond mtimes and atimes, times at 2^32 s and in
// 2200 and before 1970, and a FIFO in each folder (PreserveDevices=PRESERVE) (set by GNU touch, which calls utimensat with the full value) is ingested by a
// real task (file:// source), shipped, and imported into an efs:// folder with
// POINT_IN_TIME_CONSISTENT; an independent walk (lstat with bigint) finds every time equal, atimes
// included after the verification read everything back. A 1 ns change to an mtime on the target is
// then reported by a second POINT_IN_TIME_CONSISTENT verification. A file with a 1 GiB hole is
// delivered sparse: allocated within 2x of the source's allocation.
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stopSyscallHelper } from '../../appliance/os/syscall-helper.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { ImportService } from '../../appliance/transfer/import-service.js';
import { provisionDevice, shipToFacility, type ProvisionedDevice } from './transfer-fixtures.js';

const run = promisify(execFile);

/** "@S.NNNNNNNNN" for touch -d, also before 1970. */
function touchDate(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `@${negative ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
}

async function touch(path: string, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  await run('touch', ['-h', '-a', '-d', touchDate(atimeNs), '--', path]);
  await run('touch', ['-h', '-m', '-d', touchDate(mtimeNs), '--', path]);
}

interface Times {
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
}

const TIMES: Record<string, Times> = {
  subMicro: { mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_690_000_000_000_000_001n },
  at2pow32: { mtimeNs: 4_294_967_296_000_000_001n, atimeNs: 4_294_967_296_999_999_999n },
  in2200: { mtimeNs: 7_258_118_400_987_654_321n, atimeNs: 7_258_118_400_000_000_007n },
  pre1970: { mtimeNs: -86_400_000_000_001n, atimeNs: -999_999_999n },
};

describe('folder destination times (issue 25)', () => {
  let p: ProvisionedDevice | undefined;
  let device: Device | undefined;
  let scratch: string | undefined;
  afterAll(async () => {
    await device?.close();
    await p?.cleanup();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    stopSyscallHelper();
  });

  it('imports sub-µs, 2^32 s, 2200 and pre-1970 times of files, folders and symlinks to the nanosecond, xattrs, FIFOs and a 1 GiB hole into a folder; a 1 ns mtime change and a changed xattr are reported', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'floe-folder-times-'));
    const destination = join(scratch, 'efs');
    await mkdir(destination);
    p = await provisionDevice([{ uri: `efs://${destination}` }]);
    const source = join(p.root, 'source');
    const expected = new Map<string, Times>();
    for (const [name, times] of Object.entries(TIMES)) {
      await mkdir(join(source, name), { recursive: true });
      await writeFile(join(source, name, 'file.txt'), `${name}\n`);
      await symlink('file.txt', join(source, name, 'link'));
      await run('mkfifo', ['-m', '0640', join(source, name, 'pipe')]);
      for (const rel of [`${name}/file.txt`, `${name}/link`, `${name}/pipe`, name]) {
        await touch(join(source, rel), times.atimeNs, times.mtimeNs);
        expected.set(rel, times);
      }
    }
    // user. extended attributes on a file and a folder: a binary value, an empty one, a text one.
    await run('setfattr', ['-n', 'user.bin', '-v', '0x00ff0a2000', join(source, 'subMicro', 'file.txt')]);
    await run('setfattr', ['-n', 'user.empty', join(source, 'subMicro', 'file.txt')]);
    await run('setfattr', ['-n', 'user.folder', '-v', '"a folder"', join(source, 'subMicro')]);
    for (const rel of ['subMicro/file.txt', 'subMicro']) await touch(join(source, rel), expected.get(rel)!.atimeNs, expected.get(rel)!.mtimeNs);

    // A sparse file: 1 MiB of data, a 1 GiB hole, 1 MiB of data.
    const sparse = join(source, 'sparse.img');
    const data = Buffer.alloc(1 << 20, 0x5a);
    const fd = await open(sparse, 'w');
    await fd.write(data, 0, data.length, 0);
    await fd.write(data, 0, data.length, (1 << 20) + (1 << 30));
    await fd.close();
    const sourceAllocated = (await lstat(sparse)).blocks * 512;
    expect(sourceAllocated).toBeLessThan(8 << 20);
    for (const [rel, times] of expected) {
      const st = await lstat(join(source, rel), { bigint: true });
      expect({ rel, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs }, 'the source holds the times').toEqual({ rel, ...times });
    }

    const onSite = await Device.load(p.dataDir);
    await onSite.unlock(p.manifest, p.code);
    const tasks = new TaskService({ device: onSite, scheduleCheckMs: 0 });
    onSite.setExecutionControl(tasks);
    await tasks.createTask({ Name: 'times', SourceLocationUri: `file://${source}`, DestinationPath: 'share', Options: { PreserveDevices: 'PRESERVE' } });
    const ingested = await tasks.waitExecution((await tasks.startExecution('times')).TaskExecutionId);
    expect(ingested.Status).toBe('SUCCESS');
    // The times past the ingest are kept and noted (SOURCE_TIME_OUT_OF_RANGE), not changed.
    expect(ingested.FileProblems.filter((f) => f.outcome === 'noted').map((f) => String(f.path)).sort()).toEqual(
      ['at2pow32', 'at2pow32/file.txt', 'at2pow32/link', 'at2pow32/pipe', 'in2200', 'in2200/file.txt', 'in2200/link', 'in2200/pipe'].map((r) => expect.stringContaining(r)),
    );
    await tasks.close();
    device = await shipToFacility(onSite, p);

    const imported = await new ImportService(device).run({ options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
    expect(imported.state).toBe('COMPLETED');
    expect(imported.destinations[0]!.counters).toMatchObject({ FilesTransferred: expected.size + 2, FilesFailed: { Transfer: 0, Verify: 0 } });

    for (const [rel, times] of expected) {
      const st = await lstat(join(destination, 'share', rel), { bigint: true });
      expect({ rel, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs }).toEqual({ rel, ...times });
      if (rel.endsWith('/pipe')) {
        expect(st.isFIFO(), `${rel} is a FIFO`).toBe(true);
        expect(Number(st.mode & 0o7777n)).toBe(0o640);
        continue;
      }
      expect((await readFile(join(source, rel)).catch(() => null))?.toString() ?? null).toBe((await readFile(join(destination, 'share', rel)).catch(() => null))?.toString() ?? null);
    }

    const xattrsOf = async (path: string) => (await run('getfattr', ['-d', '-m', '-', '-e', 'hex', '--absolute-names', path])).stdout.split('\n').slice(1).filter((l) => l !== '').sort();
    expect(await xattrsOf(join(destination, 'share', 'subMicro', 'file.txt'))).toEqual(['user.bin=0x00ff0a2000', 'user.empty=0x']);
    expect(await xattrsOf(join(destination, 'share', 'subMicro'))).toEqual([`user.folder=0x${Buffer.from('a folder').toString('hex')}`]);
    expect(await xattrsOf(join(destination, 'share', 'at2pow32', 'file.txt'))).toEqual([]);

    const delivered = await lstat(join(destination, 'share', 'sparse.img'));
    expect(delivered.size).toBe((2 << 20) + (1 << 30));
    expect(delivered.blocks * 512, 'allocated within 2x of the source').toBeLessThanOrEqual(2 * sourceAllocated);

    // One nanosecond later on the target: POINT_IN_TIME_CONSISTENT says so.
    const changed = join(destination, 'share', 'subMicro', 'file.txt');
    await touch(changed, TIMES.subMicro!.atimeNs, TIMES.subMicro!.mtimeNs + 1n);
    // And an extended attribute changed on another file.
    await run('setfattr', ['-n', 'user.folder', '-v', 'changed', join(destination, 'share', 'subMicro')]);
    const check = await new ImportService(device).run({ options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
    expect(check.state).toBe('COMPLETED_WITH_ERRORS');
    expect(check.destinations[0]!.counters).toMatchObject({ FilesTransferred: 0, FilesFailed: { Verify: 2 } });
    const failures = (await new ImportService(device).report())['failure-log.csv'];
    expect(failures.trimEnd().split('\r\n')).toHaveLength(3);
    expect(failures).toContain(',verify,VERIFY_METADATA_FAILURE,share/subMicro: the value of an extended attribute differs (user.folder)');
    expect(failures).toContain(`,verify,VERIFY_METADATA_FAILURE,"share/subMicro/file.txt: file-mtime is ${TIMES.subMicro!.mtimeNs + 1n}ns, expected ${TIMES.subMicro!.mtimeNs}ns"`);
  }, 120_000);
});

// Issue 25's must-show, in one test: a folder destination keeps what the source had. A local tree
// whose files, folders and symlinks carry sub-microsecond mtimes and atimes, times at 2^32 s, in
// 2200 and before 1970 (set by GNU touch, which calls utimensat with the full value), user.
// extended attributes with binary values (setfattr), a FIFO in each folder
// (PreserveDevices=PRESERVE), a long path and a file with a 1 GiB hole is ingested by a real task
// (file:// source) and locked; the daemon (`floe serve`) is unlocked at the facility and `floe
// import` delivers it into an efs:// folder with POINT_IN_TIME_CONSISTENT. An independent walk
// (lstat with bigint, getfattr) finds every time equal to the nanosecond, atimes included after
// the verification read everything back; the FIFOs are FIFOs; the sparse file is allocated within
// 2x of the source's. Then a 1 ns later mtime on a file at a long path and on a symlink, and a
// changed xattr, are reported by a second POINT_IN_TIME_CONSISTENT `floe import`, which exits with
// the code docs/operations.md gives COMPLETED_WITH_ERRORS; its summary.txt names each path once.
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../appliance/errors.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { stopSyscallHelper } from '../../appliance/os/syscall-helper.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { floe, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { testJobSpec } from '../support/test-job.js';

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

/** The exit code docs/operations.md ("Errors and exit codes") gives a code. */
async function documentedExit(code: string): Promise<number> {
  const doc = await readFile('docs/operations.md', 'utf8');
  const row = doc.split('\n').find((l) => new RegExp(`^\\| \\d+ \\| ${code} \\|`, 'u').test(l));
  expect(row, `${code} in the exit code table`).toBeDefined();
  return Number(/^\| (\d+) /u.exec(row!)![1]);
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
/** About 240 bytes under the share: a path that a summary line printing it twice makes obvious. */
const LONG_FOLDER = `subMicro/${'a-rather-long-folder-name-'.repeat(4)}x`;
const LONG_FILE = `${LONG_FOLDER}/${'and-a-long-file-name-'.repeat(4)}.txt`;

describe('issue 25: a folder destination keeps nanoseconds, atimes, xattrs, FIFOs and holes', () => {
  let p: ProvisionedDevice | undefined;
  let daemon: DaemonProcess | undefined;
  let scratch: string | undefined;
  afterAll(async () => {
    await daemon?.kill();
    await p?.cleanup();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    stopSyscallHelper();
  });

  it('imports the hostile tree into a folder equal to the nanosecond through floe import; a changed mtime, symlink mtime and xattr are reported by a POINT_IN_TIME_CONSISTENT import that exits COMPLETED_WITH_ERRORS with each path named once', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'floe-folder-metadata-'));
    const destination = join(scratch, 'efs');
    await mkdir(destination);
    p = await provisionDevice(testJobSpec('folder metadata (issue 25)', [{ uri: `efs://${destination}` }]), 'floe-folder-metadata-device-');
    const source = join(p.root, 'source');
    const expected = new Map<string, Times>();
    for (const [name, times] of Object.entries(TIMES)) {
      await mkdir(join(source, name), { recursive: true });
      await writeFile(join(source, name, 'file.txt'), `${name}\n`);
      await symlink('file.txt', join(source, name, 'link'));
      await run('mkfifo', ['-m', '0640', join(source, name, 'pipe')]);
      for (const rel of [`${name}/file.txt`, `${name}/link`, `${name}/pipe`, name]) expected.set(rel, times);
    }
    await mkdir(join(source, LONG_FOLDER));
    await writeFile(join(source, LONG_FILE), 'deep\n');
    expected.set(LONG_FILE, TIMES.subMicro!);
    expected.set(LONG_FOLDER, TIMES.subMicro!);
    // user. extended attributes on a file and a folder: a binary value, an empty one, a text one.
    await run('setfattr', ['-n', 'user.bin', '-v', '0x00ff0a2000', join(source, 'subMicro', 'file.txt')]);
    await run('setfattr', ['-n', 'user.empty', join(source, 'subMicro', 'file.txt')]);
    await run('setfattr', ['-n', 'user.folder', '-v', '"a folder"', join(source, 'subMicro')]);
    // Children before their folders: making a name moves its folder's mtime, touching it does not.
    const deepestFirst = [...expected.keys()].sort((a, b) => b.split('/').length - a.split('/').length);
    for (const rel of deepestFirst) await touch(join(source, rel), expected.get(rel)!.atimeNs, expected.get(rel)!.mtimeNs);

    // A sparse file: 1 MiB of data, a 1 GiB hole, 1 MiB of other data.
    const sparse = join(source, 'sparse.img');
    const head = Buffer.alloc(1 << 20, 0x5a);
    const tail = Buffer.alloc(1 << 20, 0xa5);
    const fd = await open(sparse, 'w');
    await fd.write(head, 0, head.length, 0);
    await fd.write(tail, 0, tail.length, (1 << 20) + (1 << 30));
    await fd.close();
    const sourceAllocated = (await lstat(sparse)).blocks * 512;
    expect(sourceAllocated).toBeLessThan(8 << 20);
    for (const [rel, times] of expected) {
      const st = await lstat(join(source, rel), { bigint: true });
      expect({ rel, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs }, 'the source holds the times').toEqual({ rel, ...times });
    }

    // On site, in process: the task ingests the tree, then the device is locked for shipping.
    const onSite = await Device.load(p.dataDir);
    await onSite.unlock(await readFile(p.manifestPath), p.code);
    const tasks = new TaskService({ device: onSite, scheduleCheckMs: 0 });
    onSite.setExecutionControl(tasks);
    await tasks.createTask({ Name: 'times', SourceLocationUri: `file://${source}`, DestinationPath: 'share', Options: { PreserveDevices: 'PRESERVE' } });
    const ingested = await tasks.waitExecution((await tasks.startExecution('times')).TaskExecutionId);
    expect(ingested.Status).toBe('SUCCESS');
    // The times past the ingest are kept and noted (SOURCE_TIME_OUT_OF_RANGE), not changed.
    expect(ingested.FileProblems.filter((f) => f.outcome === 'noted').map((f) => String(f.path)).sort()).toEqual(
      ['at2pow32', 'at2pow32/file.txt', 'at2pow32/link', 'at2pow32/pipe', 'in2200', 'in2200/file.txt', 'in2200/link', 'in2200/pipe'].map((r) => expect.stringContaining(r)),
    );
    // Ingest read every file with O_NOATIME: the source files' atimes are as they were.
    for (const rel of [...expected.keys()].filter((r) => r.endsWith('.txt'))) {
      expect({ rel, atimeNs: (await lstat(join(source, rel), { bigint: true })).atimeNs }).toEqual({ rel, atimeNs: expected.get(rel)!.atimeNs });
    }
    await tasks.close();
    await onSite.lock({});
    await onSite.close();

    // At the facility, as an operator: the daemon, floe unlock, floe import.
    daemon = await startDaemonProcess(p.dataDir);
    const data = ['--data', p.dataDir];
    const unlocked = await floe(['unlock', ...data, '--manifest', p.manifestPath, '--code', p.code, '--json']);
    expect(unlocked.status, unlocked.stderr).toBe(0);
    expect((JSON.parse(unlocked.stdout) as { state: string }).state).toBe('AT_FACILITY');
    const first = await floe(['import', ...data, '--option', 'VerifyMode=POINT_IN_TIME_CONSISTENT', '--json']);
    expect(first.status, first.stderr).toBe(0);
    const imported = JSON.parse(first.stdout) as { state: string; destinations: Array<{ counters: Record<string, unknown> }> };
    expect(imported.state).toBe('COMPLETED');
    // Every expected path, the sparse file and the share's own folder.
    const delivered = expected.size + 2;
    expect(imported.destinations[0]!.counters).toMatchObject({ FilesTransferred: delivered, FilesVerified: delivered, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });

    const target = (rel: string) => join(destination, 'share', rel);
    const expectTimesKept = async (except: readonly string[] = []) => {
      for (const [rel, times] of expected) {
        if (except.includes(rel)) continue;
        const st = await lstat(target(rel), { bigint: true });
        expect({ rel, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs }).toEqual({ rel, ...times });
      }
    };
    // After the verification read every file, symlink and folder back: atimes too, to the ns.
    await expectTimesKept();
    const xattrsOf = async (path: string) => (await run('getfattr', ['-d', '-m', '-', '-e', 'hex', '--absolute-names', path])).stdout.split('\n').slice(1).filter((l) => l !== '').sort();
    expect(await xattrsOf(target('subMicro/file.txt'))).toEqual(['user.bin=0x00ff0a2000', 'user.empty=0x']);
    expect(await xattrsOf(target('subMicro'))).toEqual([`user.folder=0x${Buffer.from('a folder').toString('hex')}`]);
    expect(await xattrsOf(target('at2pow32/file.txt'))).toEqual([]);

    const sparseTarget = await lstat(target('sparse.img'));
    expect(sparseTarget.size).toBe((2 << 20) + (1 << 30));
    expect(sparseTarget.blocks * 512, 'allocated within 2x of the source').toBeLessThanOrEqual(2 * sourceAllocated);

    // One nanosecond later on the target: a file at a long path and a symlink; an xattr changed.
    await touch(target(LONG_FILE), TIMES.subMicro!.atimeNs, TIMES.subMicro!.mtimeNs + 1n);
    await touch(target('in2200/link'), TIMES.in2200!.atimeNs, TIMES.in2200!.mtimeNs + 1n);
    await run('setfattr', ['-n', 'user.folder', '-v', 'changed', target('subMicro')]);
    const second = await floe(['import', ...data, '--option', 'VerifyMode=POINT_IN_TIME_CONSISTENT']);
    const exit = await documentedExit('COMPLETED_WITH_ERRORS');
    expect(exit).toBe(ERROR_TABLE.COMPLETED_WITH_ERRORS.exit);
    expect(second.status, second.stderr).toBe(exit);
    expect(second.stdout).toMatch(/State: +COMPLETED_WITH_ERRORS\n/u);
    expect(second.stdout).toContain(`efs://${destination}: ERROR; 0/0 files transferred, ${delivered} skipped, ${delivered - 3} verified, 3 failed`);
    expect(second.stderr).toMatch(/floe: import import-\S+: Completed with errors, 3 files failed \(VERIFY_METADATA_FAILURE\); floe report --out DIR lists them \[COMPLETED_WITH_ERRORS\]\n$/u);
    // The verification that found them left every other time as it was.
    await expectTimesKept([LONG_FILE, 'in2200/link']);

    const out = join(scratch, 'report');
    const report = await floe(['report', ...data, '--out', out]);
    expect(report.status, report.stderr).toBe(0);
    const mtimeMessage = (rel: string, t: Times) => `share/${rel}: file-mtime is ${t.mtimeNs + 1n}ns, expected ${t.mtimeNs}ns`;
    const failureLines = [
      `  VERIFY_METADATA_FAILURE ${mtimeMessage('in2200/link', TIMES.in2200!)}`,
      '  VERIFY_METADATA_FAILURE share/subMicro: the value of an extended attribute differs (user.folder)',
      `  VERIFY_METADATA_FAILURE ${mtimeMessage(LONG_FILE, TIMES.subMicro!)}`,
    ];
    const summary = (await readFile(join(out, 'summary.txt'), 'utf8')).split('\n');
    expect(summary[0]).toMatch(/: Completed with errors$/u);
    expect(summary.slice(summary.indexOf('Failures (3; see failure-log.csv):') + 1, -1).sort()).toEqual([...failureLines].sort());
    // Each path once in the whole summary (the long one is in no other line's text).
    expect(summary.join('\n').split(`share/${LONG_FILE}`)).toHaveLength(2);
    expect(summary.join('\n').split('share/in2200/link')).toHaveLength(2);
    const failures = (await readFile(join(out, 'failure-log.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(failures).toHaveLength(4);
    expect(failures.slice(1).map((l) => l.split(',')[5]! + ',' + l.split(',')[6]!)).toEqual(Array(3).fill('verify,VERIFY_METADATA_FAILURE'));

    // Last, as reading moves atimes: the kinds, the symlinks' targets, the bytes.
    for (const rel of expected.keys()) {
      const st = await lstat(target(rel));
      if (rel.endsWith('/pipe')) {
        expect(st.isFIFO(), `${rel} is a FIFO`).toBe(true);
        expect(st.mode & 0o7777, rel).toBe(0o640);
      } else if (rel.endsWith('/link')) {
        expect(st.isSymbolicLink(), rel).toBe(true);
        expect(await run('readlink', [target(rel)]).then((r) => r.stdout)).toBe('file.txt\n');
      } else if (st.isFile()) {
        expect((await readFile(target(rel))).equals(await readFile(join(source, rel))), `${rel} bytes`).toBe(true);
      } else {
        expect(st.isDirectory(), rel).toBe(true);
      }
    }

    const readAt = async (path: string, position: number, length: number) => {
      const h = await open(path, 'r');
      try {
        const b = Buffer.alloc(length);
        await h.read(b, 0, length, position);
        return b;
      } finally {
        await h.close();
      }
    };
    expect((await readAt(target('sparse.img'), 0, 1 << 20)).equals(head)).toBe(true);
    expect((await readAt(target('sparse.img'), (1 << 20) + (1 << 30), 1 << 20)).equals(tail)).toBe(true);
    expect((await readAt(target('sparse.img'), 1 << 29, 1 << 16)).equals(Buffer.alloc(1 << 16))).toBe(true);
  }, 180_000);
});

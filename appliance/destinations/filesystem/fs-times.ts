// Sets atime and mtime on a path without following symlinks, to the nanosecond, and finds what a
// file system keeps.
//
// utimensat.ts makes the system call with the exact values (a perl helper; Node's utimes family
// keeps whole microseconds and sets a time before 1970 to "now"). Without that helper (no perl):
//   - times from 1970 on are kept to the microsecond (the nanoseconds below are dropped; the
//     value is nudged half a microsecond so floating point cannot lose one more);
//   - times before 1970 are set through GNU touch(1) ("-d @SECONDS.NANOS"), which calls
//     utimensat with the full value; when the path is not valid UTF-8 (it cannot be passed as
//     an argument) they are clamped to the epoch instead.
// `stat` always reports what the file system holds, and `probeTimePrecision` measures once per
// destination how many nanoseconds it keeps, so verification compares at that precision.
import { execFile } from 'node:child_process';
import { lutimes } from 'node:fs/promises';
import { promisify } from 'node:util';
import { lstat, rm, writeFile } from 'node:fs/promises';
import { bytesToKey, isUtf8Key } from '../path-key.js';
import { truncateTime } from '../time-precision.js';
import { HelperUnavailable, helperMissing, utimensat } from '../../os/syscall-helper.js';

const run = promisify(execFile);

/** Double seconds that libuv turns back into exactly the microseconds of `ns`. */
function secondsForLibuv(ns: bigint): number {
  const micros = ns / 1000n;
  return (Number(micros) + 0.5) / 1e6;
}

/** "@-86400.123456789" for touch -d. */
function touchDate(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `@${negative ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
}

export async function setTimes(path: Buffer, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  try {
    await utimensat(path, atimeNs, mtimeNs);
    return;
  } catch (err) {
    if (!(err instanceof HelperUnavailable)) throw err;
  }
  await setTimesWithoutHelper(path, atimeNs, mtimeNs);
}

/** Microseconds through libuv; before 1970 through touch(1). */
export async function setTimesWithoutHelper(path: Buffer, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  if (atimeNs >= 0n && mtimeNs >= 0n) {
    await lutimes(path, secondsForLibuv(atimeNs), secondsForLibuv(mtimeNs));
    return;
  }
  const text = bytesToKey(path);
  if (!isUtf8Key(text)) {
    await lutimes(path, secondsForLibuv(atimeNs < 0n ? 0n : atimeNs), secondsForLibuv(mtimeNs < 0n ? 0n : mtimeNs));
    return;
  }
  // "--" ends options, so a path starting with '-' is still a path.
  await run('touch', ['-h', '-c', '-a', '-d', touchDate(atimeNs), '--', text]);
  await run('touch', ['-h', '-c', '-m', '-d', touchDate(mtimeNs), '--', text]);
}

/** Units a file system may keep times in, finest first (ext4, XFS: 1 ns; NTFS: 100 ns; FAT: 2 s). */
const UNITS = [1n, 10n, 100n, 1_000n, 10_000n, 100_000n, 1_000_000n, 10_000_000n, 100_000_000n, 1_000_000_000n, 2_000_000_000n];
/** Probe times with every digit set, in the range every file system keeps (2001 and 2004). */
const PROBE_MTIME = 1_000_000_000_123_456_789n;
const PROBE_ATIME = 1_100_000_000_987_654_321n;

/**
 * How many nanoseconds of an mtime the file system at `probe`'s folder keeps, measured by setting
 * the times of a probe file (a part-file name, so an interrupted probe is cleaned up) the way puts
 * set them and reading them back: the finest unit the mtime survived (verification compares
 * mtimes only; FAT keeps atimes to the day). Where nothing matches (a file system that rounds, or
 * a probe that failed), 1 ns: verification then asks for the exact value and never calls a
 * differing file verified.
 */
export async function probeTimePrecision(probe: Buffer): Promise<bigint> {
  try {
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await setTimesAsPutsDo(probe, PROBE_ATIME, PROBE_MTIME);
    const st = await lstat(probe, { bigint: true });
    return UNITS.find((u) => st.mtimeNs === truncateTime(PROBE_MTIME, u)) ?? 1n;
  } catch {
    return 1n;
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/** setTimes, except that a helper that died is started again rather than fallen back from: the probe must measure what puts will do. */
async function setTimesAsPutsDo(path: Buffer, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await utimensat(path, atimeNs, mtimeNs);
      return;
    } catch (err) {
      if (!(err instanceof HelperUnavailable)) throw err;
      if (helperMissing()) return setTimesWithoutHelper(path, atimeNs, mtimeNs);
      if (attempt > 0) throw err;
    }
  }
}

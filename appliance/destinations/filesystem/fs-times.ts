// Sets atime and mtime on a path without following symlinks.
//
// Limits (TOOLCHAIN.md, "File metadata pitfalls"): Node's utimes family passes a double of
// seconds to libuv, which keeps whole microseconds, and Node replaces a time before 1970 with
// "now" without an error. So:
//   - times from 1970 on are kept to the microsecond (the nanoseconds below are dropped; the
//     value is nudged half a microsecond so floating point cannot lose one more);
//   - times before 1970 are set through GNU touch(1) ("-d @SECONDS.NANOS"), which calls
//     utimensat with the full value; when the path is not valid UTF-8 (it cannot be passed as
//     an argument) they are clamped to the epoch instead.
// `stat` always reports what the file system holds, so verification sees the real value.
import { execFile } from 'node:child_process';
import { lutimes } from 'node:fs/promises';
import { promisify } from 'node:util';
import { bytesToKey, isUtf8Key } from '../path-key.js';

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

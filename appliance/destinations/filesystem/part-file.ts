// Regular files are written to a part file beside the target, made durable, then renamed over
// it, so a reader of the target sees the old file or the whole new one, never a mix:
//   write .floe-part-<hash> -> fchown, fchmod, xattrs, fsync -> set times -> rename -> fsync the folder.
// With durability left to one syncfs at the end (a restore: PartTarget.syncEach false), the part is
// closed once written, and its xattrs, owner, mode, times and rename go to the system-call helper
// (os/syscall-helper.ts, finishPart), the owner, mode and times through a descriptor that does not
// follow a symlink.
// The part file's name depends on the entry's path, size and content hash, so an interrupted put
// of the same entry finds its part again; a changed file gets a fresh part.
// Resume state: {kind: 'fs-part', part: <part key>, offset}, reported whenever the bytes up to
// `offset` are fsynced (every 16 MiB; the fsync runs while the next bytes are written). A resumed put continues from the part file's length, cut back to the
// recorded offset when longer (bytes past it were never confirmed durable).
// Holes stay holes: zeros are not written (looked for in 64 KiB blocks aligned in the file; every
// write lands at or past the part file's end, so what is left out reads as zeros), and the file is
// extended to its length by ftruncate, so a sparse source stays sparse on the folder (the bytes
// read back are the same zeros).
import { fsyncDirectory } from '../../fs-durable.js';
import { constants as fsConstants } from 'node:fs';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { sha256Hex } from '../../crypto/hash.js';
import { FloeError } from '../../errors.js';
import type { FileEntry } from '../../journal/file-entry.js';
import type { OpenContent, PutOptions, ResumeState } from '../destination.js';
import { mapFsError } from './fs-errors.js';
import { setTimes } from './fs-times.js';
import { replaceXattrs } from '../../os/xattrs.js';
import { finishPart, HelperUnavailable, helperMissing } from '../../os/syscall-helper.js';

export const PART_PREFIX = '.floe-part-';
/** Bytes between fsync checkpoints (each one reports a new resume offset). */
const CHECKPOINT_BYTES = 16 * 1024 * 1024;
/** Holes are made in blocks of this size, aligned to it in the file. */
const HOLE_BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

export function partNameFor(entry: Pick<FileEntry, 'path' | 'size' | 'sha256' | 'type'>): string {
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(entry.size));
  return PART_PREFIX + sha256Hex(Buffer.from(entry.type), entry.path, size, entry.sha256).slice(0, 24);
}

export function isPartName(name: Buffer): boolean {
  return name.length > PART_PREFIX.length && name.subarray(0, PART_PREFIX.length).toString('latin1') === PART_PREFIX;
}

export interface PartTarget {
  /** Absolute paths, exact bytes. */
  readonly part: Buffer;
  readonly target: Buffer;
  readonly directory: Buffer;
  /** The part's key relative to the root, as the resume state carries it. */
  readonly partKey: string;
  readonly chown: boolean;
  /** What the destination keeps of a time (ns). */
  readonly timePrecisionNs: bigint;
  /** The file system keeps user. extended attributes. */
  readonly xattrs: boolean;
  /**
   * Each file durable before it counts as put (fsync of the file and its folder): the default. A
   * restore leaves it to one syncfs at its end (FilesystemDestination.deferDurability).
   */
  readonly syncEach?: boolean;
}

export async function writeFileThroughPart(where: PartTarget, entry: FileEntry, content: OpenContent, put: PutOptions): Promise<void> {
  const signal = put.signal;
  const shown = where.partKey;
  let offset = await resumableOffset(where, put.resume, entry.size);
  let handle: FileHandle;
  try {
    handle = offset > 0 ? await open(where.part, 'r+') : await open(where.part, 'w', 0o600);
    if (offset > 0) await handle.truncate(offset);
  } catch (err) {
    throw mapFsError(err, 'open', shown, signal);
  }
  const report = async (durable: number) => put.onResumeState?.({ kind: 'fs-part', part: where.partKey, offset: durable });
  let synced = offset;
  let tailHole = false; // the last bytes were left out (a hole): the file is shorter than `offset`
  // The checkpoint in flight: its fsync runs while the next bytes are written (it covers at least
  // the bytes up to its offset, which is all its record says), one at a time, so records go up.
  let checkpoint: Promise<void> | undefined;
  // Durability left to the caller (a restore's one syncfs): owner, mode, times and the rename go to
  // the system-call helper as one request once the part is closed, instead of four trips through
  // libuv's thread pool and one to the helper (docs/benchmarks/restore.md).
  const finishedAfterClose = where.syncEach === false && !helperMissing();
  let closed = false;
  try {
    // A recorded state that says more than the part holds now is put right before any byte goes in
    // (a crash meanwhile would trust it); none recorded, or the same, needs no record.
    if (put.resume !== undefined && put.resume.offset !== offset) await report(offset);
    try {
      for await (const chunk of content(offset, signal)) {
        if (offset + chunk.length > entry.size) throw new FloeError('INVALID_ARGUMENT', `content is longer than the entry's size ${entry.size}`);
        if (chunk.length > 0) tailHole = await writeSparse(handle, chunk, offset);
        offset += chunk.length;
        put.onProgress?.(chunk.length);
        if (offset - synced >= CHECKPOINT_BYTES) {
          await checkpoint;
          if (tailHole) await extendTo(handle, offset);
          const durable = offset;
          synced = offset;
          checkpoint = handle.sync().then(() => report(durable));
          checkpoint.catch(() => undefined); // awaited by the next checkpoint or after the loop
        }
      }
      await checkpoint;
    } catch (err) {
      // Keep what was written: make it durable and say how far it goes, so a retry resumes.
      await checkpoint?.catch(() => undefined);
      await extendTo(handle, offset)
        .then(() => handle.sync())
        .then(
        () => report(offset),
        () => undefined,
      );
      if (signal?.aborted) throw new FloeError('CANCELLED', `put ${where.partKey}: cancelled`, { cause: err });
      throw err instanceof FloeError || typeof (err as { syscall?: unknown }).syscall !== 'string' ? err : mapFsError(err, 'write', shown, signal);
    }
    if (offset !== entry.size) throw new FloeError('INVALID_ARGUMENT', `content ended at byte ${offset}, but the entry's size is ${entry.size}`);
    if (finishedAfterClose) {
      try {
        if (tailHole) await extendTo(handle, offset);
      } catch (err) {
        throw mapFsError(err, 'ftruncate', shown, signal);
      }
      await handle.close().catch(() => undefined);
      closed = true;
      await finishClosedPart(where, entry, signal);
      return;
    }
    try {
      if (tailHole) await extendTo(handle, offset);
      // chown before chmod: chown clears setuid and setgid bits.
      if (where.chown) await handle.chown(entry.uid, entry.gid);
      // Before the mode: setting a user. attribute needs write permission (the part is 0600).
      if (where.xattrs && entry.xattrs !== undefined) await replaceXattrs(where.part, entry.xattrs, false);
      await handle.chmod(entry.mode & 0o7777);
      if (where.syncEach !== false) await handle.sync();
    } catch (err) {
      throw mapFsError(err, 'chown/chmod/setxattr/fsync', shown, signal);
    }
  } finally {
    if (!closed) await handle.close().catch(() => undefined);
  }
  try {
    await setTimes(where.part, entry.atimeNs, entry.mtimeNs);
    await rename(where.part, where.target);
    if (where.syncEach !== false) await fsyncDirectory(where.directory);
  } catch (err) {
    throw mapFsError(err, 'rename', shown, signal);
  }
}

/** A part file written and closed: its extended attributes, then owner, mode, times, renamed into place. */
async function finishClosedPart(where: PartTarget, entry: FileEntry, signal: AbortSignal | undefined): Promise<void> {
  const shown = where.partKey;
  try {
    // While the part is still 0600: setting a user. attribute needs write permission.
    if (where.xattrs && entry.xattrs !== undefined && entry.xattrs.length > 0) await replaceXattrs(where.part, entry.xattrs, false);
  } catch (err) {
    throw mapFsError(err, 'setxattr', shown, signal);
  }
  try {
    await finishPart(where.part, where.target, where.chown ? { uid: entry.uid, gid: entry.gid } : undefined, entry.mode, entry.atimeNs, entry.mtimeNs);
    return;
  } catch (err) {
    if (!(err instanceof HelperUnavailable)) throw mapFsError(err, (err as NodeJS.ErrnoException).syscall === 'rename' ? 'rename' : 'chown/chmod/utimensat', shown, signal);
  }
  // The helper died meanwhile: the same steps from here, the part opened without following a symlink.
  try {
    const handle = await open(where.part, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    try {
      if (!(await handle.stat()).isFile()) throw new FloeError('DESTINATION_IO', `${shown} is no longer a regular file`);
      if (where.chown) await handle.chown(entry.uid, entry.gid);
      await handle.chmod(entry.mode & 0o7777);
    } finally {
      await handle.close().catch(() => undefined);
    }
  } catch (err) {
    throw mapFsError(err, 'chown/chmod', shown, signal);
  }
  try {
    await setTimes(where.part, entry.atimeNs, entry.mtimeNs);
    await rename(where.part, where.target);
  } catch (err) {
    throw mapFsError(err, 'rename', shown, signal);
  }
}

async function resumableOffset(where: PartTarget, resume: ResumeState | undefined, size: number): Promise<number> {
  if (resume === undefined || resume.kind !== 'fs-part' || resume.part !== where.partKey) return 0;
  const recorded = resume.offset;
  if (typeof recorded !== 'number' || !Number.isSafeInteger(recorded) || recorded < 0) return 0;
  try {
    const st = await stat(where.part);
    if (!st.isFile()) return 0;
    return Math.min(st.size, recorded, size);
  } catch {
    return 0; // cleaned up or never written: start over
  }
}

/** Writes `data` at `position`, leaving out the aligned blocks that are all zeros (holes); true when its end was left out. */
async function writeSparse(handle: FileHandle, data: Buffer, position: number): Promise<boolean> {
  let start = 0; // start of the run of bytes to write
  let at = 0;
  while (at < data.length) {
    const end = Math.min(data.length, at + HOLE_BLOCK - ((position + at) % HOLE_BLOCK));
    // Every write lands at or past the end of the part file, so bytes left out read as zeros.
    if (data.subarray(at, end).equals(ZEROS.subarray(0, end - at))) {
      if (at > start) await writeAll(handle, data.subarray(start, at), position + start);
      start = end;
    }
    at = end;
  }
  if (data.length === start) return true;
  await writeAll(handle, data.subarray(start), position + start);
  return false;
}

/** Extends the file to `size` when its last blocks were holes (ftruncate keeps them holes). */
async function extendTo(handle: FileHandle, size: number): Promise<void> {
  const st = await handle.stat();
  if (st.size < size) await handle.truncate(size);
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}


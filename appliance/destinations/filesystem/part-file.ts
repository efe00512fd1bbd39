// Regular files are written to a part file beside the target, made durable, then renamed over
// it, so a reader of the target sees the old file or the whole new one, never a mix:
//   write .floe-part-<hash> -> fchown, fchmod, xattrs, fsync -> set times -> rename -> fsync the folder.
// The part file's name depends on the entry's path, size and content hash, so an interrupted put
// of the same entry finds its part again; a changed file gets a fresh part.
// Resume state: {kind: 'fs-part', part: <part key>, offset}, reported whenever the bytes up to
// `offset` are fsynced. A resumed put continues from the part file's length, cut back to the
// recorded offset when longer (bytes past it were never confirmed durable).
// Holes stay holes: zeros are not written (looked for in 64 KiB blocks aligned in the file; every
// write lands at or past the part file's end, so what is left out reads as zeros), and the file is
// extended to its length by ftruncate, so a sparse source stays sparse on the folder (the bytes
// read back are the same zeros).
import { fsyncDirectory } from '../../fs-durable.js';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { sha256Hex } from '../../crypto/hash.js';
import { FloeError } from '../../errors.js';
import type { FileEntry } from '../../journal/file-entry.js';
import type { OpenContent, PutOptions, ResumeState } from '../destination.js';
import { mapFsError } from './fs-errors.js';
import { setTimes } from './fs-times.js';
import { replaceXattrs } from '../../os/xattrs.js';

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
  const report = async () => put.onResumeState?.({ kind: 'fs-part', part: where.partKey, offset });
  let synced = offset;
  let tailHole = false; // the last bytes were left out (a hole): the file is shorter than `offset`
  try {
    // A recorded state that says more than the part holds now is put right before any byte goes in
    // (a crash meanwhile would trust it); none recorded, or the same, needs no record.
    if (put.resume !== undefined && put.resume.offset !== offset) await report();
    try {
      for await (const chunk of content(offset, signal)) {
        if (offset + chunk.length > entry.size) throw new FloeError('INVALID_ARGUMENT', `content is longer than the entry's size ${entry.size}`);
        if (chunk.length > 0) tailHole = await writeSparse(handle, chunk, offset);
        offset += chunk.length;
        put.onProgress?.(chunk.length);
        if (offset - synced >= CHECKPOINT_BYTES) {
          if (tailHole) await extendTo(handle, offset);
          await handle.sync();
          synced = offset;
          await report();
        }
      }
    } catch (err) {
      // Keep what was written: make it durable and say how far it goes, so a retry resumes.
      await extendTo(handle, offset)
        .then(() => handle.sync())
        .then(
        () => report(),
        () => undefined,
      );
      if (signal?.aborted) throw new FloeError('CANCELLED', `put ${where.partKey}: cancelled`, { cause: err });
      throw err instanceof FloeError || typeof (err as { syscall?: unknown }).syscall !== 'string' ? err : mapFsError(err, 'write', shown, signal);
    }
    if (offset !== entry.size) throw new FloeError('INVALID_ARGUMENT', `content ended at byte ${offset}, but the entry's size is ${entry.size}`);
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
    await handle.close().catch(() => undefined);
  }
  try {
    await setTimes(where.part, entry.atimeNs, entry.mtimeNs);
    await rename(where.part, where.target);
    if (where.syncEach !== false) await fsyncDirectory(where.directory);
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


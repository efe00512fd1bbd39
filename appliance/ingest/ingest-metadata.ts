// What of a source file's metadata the journal keeps, under the task's PosixPermissions, Uid, Gid,
// Mtime and Atime options, and when TransferMode CHANGED may skip a file as unchanged.
//
// DataSync: "NONE: Ignore ..." for each of these options; DOMAIN.md "POSIX metadata in S3":
// "Missing metadata defaults to uid/gid 65534, folders 0755, files 0644". floe applies the same
// defaults when an option says NONE, and records the ingest time for Mtime/Atime NONE (the time
// the copy was made, as a destination that does not preserve times would show).
import type { FileEntry, FileMetadata } from '../journal/file-entry.js';
import type { SourceEntry } from '../sources/source.js';
import type { TaskOptions } from '../tasks/options.js';

export const NOBODY_ID = 65534;

type MetadataOptions = Pick<TaskOptions, 'PosixPermissions' | 'Uid' | 'Gid' | 'Mtime' | 'Atime'>;

function defaultMode(meta: FileMetadata): number {
  if (meta.type === 'directory') return 0o755;
  if (meta.type === 'symlink') return 0o777;
  return 0o644;
}

/** The metadata to record for `meta` under the task's options; `nowNs` stands in for unpreserved times. */
export function recordedMetadata<T extends FileMetadata>(meta: T, options: MetadataOptions, nowNs: bigint): T {
  // Everything preserved (the default): the metadata as it is, not a copy of it for every entry.
  if (options.PosixPermissions !== 'NONE' && options.Uid !== 'NONE' && options.Gid !== 'NONE' && options.Mtime !== 'NONE' && options.Atime !== 'NONE') return meta;
  return {
    ...meta,
    mode: options.PosixPermissions === 'NONE' ? defaultMode(meta) : meta.mode,
    uid: options.Uid === 'NONE' ? NOBODY_ID : meta.uid,
    gid: options.Gid === 'NONE' ? NOBODY_ID : meta.gid,
    mtimeNs: options.Mtime === 'NONE' ? nowNs : meta.mtimeNs,
    atimeNs: options.Atime === 'NONE' ? nowNs : meta.atimeNs,
  };
}

/**
 * TransferMode CHANGED: is the journal's entry the same file as the source's `desired` metadata
 * (already passed through recordedMetadata)? Size, ctime, identity, type, link target, device
 * numbers and the preserved metadata must all match. ctime moves on every write, chmod, chown and
 * link count change, so a content change that restores mtime is still caught. atime is not
 * compared: reading the file moves it.
 *
 * An entry listed with `attributesFromRead` (an S3 object) has its identity but placeholders for
 * mode, owner and times: it is unchanged when it is the same version of the object the journal's
 * entry was recorded from (sameListedVersion).
 */
export function unchanged(existing: FileEntry | undefined, desired: FileMetadata & Pick<SourceEntry, 'attributesFromRead'>, options: MetadataOptions): boolean {
  if (existing === undefined) return false;
  if (desired.attributesFromRead === true) return sameListedVersion(existing, desired, options);
  if (existing.type !== desired.type || existing.size !== desired.size) return false;
  if (existing.ctimeNs !== desired.ctimeNs || existing.fileId !== desired.fileId || existing.fsId !== desired.fsId) return false;
  if (existing.mode !== desired.mode || existing.uid !== desired.uid || existing.gid !== desired.gid) return false;
  if (options.Mtime !== 'NONE' && existing.mtimeNs !== desired.mtimeNs) return false;
  if (existing.rdevMajor !== desired.rdevMajor || existing.rdevMinor !== desired.rdevMinor) return false;
  if (desired.type === 'symlink' && !(existing.target ?? Buffer.alloc(0)).equals(desired.target ?? Buffer.alloc(0))) return false;
  return true;
}

/**
 * Is `existing` recorded from the object version `listed` names? An S3 object's metadata changes
 * only with a new version (a PUT or CopyObject sets Last-Modified; the content sets the ETag), so
 * the same size, Last-Modified (ctime), fsId and fileId (key and ETag) mean the same POSIX metadata
 * as when it was recorded. What the options set now (NONE) is
 * still compared; a change of an option from NONE to preserving does not show here (the source's
 * values are not known without a HeadObject): TransferMode ALL records them again.
 */
function sameListedVersion(existing: FileEntry, listed: FileMetadata, options: MetadataOptions): boolean {
  // A symlink object is looked up in the listing; one too large for that is read as listed (a file).
  if (existing.type !== 'file') return false;
  if (existing.size !== listed.size || existing.ctimeNs !== listed.ctimeNs || existing.fileId !== listed.fileId || existing.fsId !== listed.fsId) return false;
  if (options.PosixPermissions === 'NONE' && existing.mode !== defaultMode(existing)) return false;
  if (options.Uid === 'NONE' && existing.uid !== NOBODY_ID) return false;
  if (options.Gid === 'NONE' && existing.gid !== NOBODY_ID) return false;
  return true;
}

/** Did a file change between two looks at its attributes (before and after a read)? */
export function attributesChanged(before: FileMetadata, after: FileMetadata): boolean {
  return (
    before.type !== after.type ||
    before.size !== after.size ||
    before.mtimeNs !== after.mtimeNs ||
    before.ctimeNs !== after.ctimeNs ||
    before.fileId !== after.fileId ||
    before.fsId !== after.fsId
  );
}

/** Counters count files, symlinks and devices; directories are recorded but not counted. */
export function countsAsFile(meta: Pick<FileMetadata, 'type'>): boolean {
  return meta.type !== 'directory';
}

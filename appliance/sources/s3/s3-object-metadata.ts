// An S3 object's POSIX metadata, read back from the user-metadata keys floe's S3 destination writes
// (destinations/posix-metadata.ts; DOMAIN.md, "POSIX metadata in S3"): file-permissions (st_mode
// with the type bits), file-owner, file-group, file-mtime and file-atime in nanoseconds. An object
// without them gets DataSync's defaults: files 0644, folders 0755, symlinks 0777, uid and gid
// 65534, mtime the object's Last-Modified.
//
// What S3 has no notion of:
// - ctime: the object's Last-Modified stands in (an object changes only by being replaced, which
//   sets it), in whole seconds, the precision HeadObject's Last-Modified header has.
// - inode numbers: fileId is a hash of the key and the ETag, so a replaced object is a new file
//   (as a file replaced by rename is), and fsId a hash of the endpoint and bucket, one value for
//   the whole source. nlink is 1: every name of a hard-linked file was written as its own object.
// - device numbers: the destination does not write them, so devices come back as 0:0.
import { sha256 } from '../../crypto/hash.js';
import { META_ATIME, META_GROUP, META_MTIME, META_OWNER, META_PERMISSIONS, parseTimeNs, typeFromPermissions } from '../../destinations/posix-metadata.js';
import { NOBODY_ID } from '../../ingest/ingest-metadata.js';
import type { FileMetadata, FileType } from '../../journal/file-entry.js';

/** What HeadObject (or GetObject) says about an object. */
export interface ObjectFacts {
  /** The full key, prefix included. */
  readonly key: string;
  readonly size: number;
  readonly etag: string | undefined;
  readonly lastModified: Date | undefined;
  readonly metadata: Readonly<Record<string, string>> | undefined;
}

export function defaultMode(type: FileType): number {
  if (type === 'directory') return 0o755;
  if (type === 'symlink') return 0o777;
  return 0o644;
}

/** One fsId per bucket (and endpoint): the conformance rule for an opaque fsId. */
export function bucketFsId(endpoint: string | undefined, bucket: string): bigint {
  return firstU64(sha256(Buffer.from(`s3\0${endpoint ?? 'aws'}\0${bucket}`, 'utf8')));
}

/** A key's identity in this version of its object: a new ETag is a new file. */
export function objectFileId(key: string, etag: string | undefined): bigint {
  return firstU64(sha256(Buffer.from(`${key}\0${etag ?? ''}`, 'utf8')));
}

/** Last-Modified in nanoseconds, whole seconds (a listing gives milliseconds, HeadObject seconds). */
export function lastModifiedNs(date: Date | undefined): bigint {
  if (date === undefined || Number.isNaN(date.getTime())) return 0n;
  return BigInt(Math.floor(date.getTime() / 1000)) * 1_000_000_000n;
}

export function objectMetadata(facts: ObjectFacts, fsId: bigint): FileMetadata {
  const meta = facts.metadata ?? {};
  const isFolderKey = facts.key.endsWith('/');
  const permissions = meta[META_PERMISSIONS];
  const written = typeFromPermissions(permissions);
  // The key's shape wins over metadata that contradicts it: a 'key/' object is a folder, and a
  // folder's metadata on a plain key is someone else's object, read as a file.
  let type: FileType = written ?? (isFolderKey ? 'directory' : 'file');
  if (isFolderKey && type !== 'directory') type = 'directory';
  if (!isFolderKey && type === 'directory') type = 'file';
  const mode = written !== undefined ? parseInt(permissions!, 8) & 0o7777 : defaultMode(type);
  const ctimeNs = lastModifiedNs(facts.lastModified);
  const mtimeNs = parseTimeNs(meta[META_MTIME]) ?? ctimeNs;
  return {
    type,
    mode,
    uid: parseId(meta[META_OWNER]),
    gid: parseId(meta[META_GROUP]),
    size: type === 'file' || type === 'symlink' ? facts.size : 0,
    atimeNs: parseTimeNs(meta[META_ATIME]) ?? mtimeNs,
    mtimeNs,
    ctimeNs,
    fsId,
    fileId: objectFileId(facts.key, facts.etag),
    nlink: 1,
    rdevMajor: 0,
    rdevMinor: 0,
  };
}

/**
 * A folder no object stands for: only keys below it (a CommonPrefix), or the bucket root. Its
 * times are the epoch, so a listing gives the same entry every time.
 */
export function implicitFolderMetadata(key: string, fsId: bigint): FileMetadata {
  return {
    type: 'directory',
    mode: defaultMode('directory'),
    uid: NOBODY_ID,
    gid: NOBODY_ID,
    size: 0,
    atimeNs: 0n,
    mtimeNs: 0n,
    ctimeNs: 0n,
    fsId,
    fileId: objectFileId(key, undefined),
    nlink: 1,
    rdevMajor: 0,
    rdevMinor: 0,
  };
}

function parseId(text: string | undefined): number {
  if (text === undefined || !/^\d{1,10}$/u.test(text)) return NOBODY_ID;
  const value = Number(text);
  return value <= 0xffffffff ? value : NOBODY_ID;
}

function firstU64(digest: Buffer): bigint {
  return digest.readBigUInt64BE(0);
}

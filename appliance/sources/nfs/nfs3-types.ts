// NFSv3 data types (RFC 1813 §2.5-§2.6): nfsstat3, ftype3, fattr3, post_op_attr, and how they
// become floe's FileMetadata and FloeErrors.
import { FloeError, type ErrorCode } from '../../errors.js';
import type { FileMetadata, FileType } from '../../journal/file-entry.js';
import type { XdrReader } from './xdr.js';

export const NFS_PROGRAM = 100003;
export const NFS_V3 = 3;
/** RFC 1813 §2.5: nfs_fh3 is opaque<NFS3_FHSIZE>. */
export const NFS3_FHSIZE = 64;
export const NFS3_COOKIEVERFSIZE = 8;

/** RFC 1813 §2.6 nfsstat3. */
export const NFS3_STATUS: Record<number, string> = {
  0: 'NFS3_OK',
  1: 'NFS3ERR_PERM',
  2: 'NFS3ERR_NOENT',
  5: 'NFS3ERR_IO',
  6: 'NFS3ERR_NXIO',
  13: 'NFS3ERR_ACCES',
  17: 'NFS3ERR_EXIST',
  18: 'NFS3ERR_XDEV',
  19: 'NFS3ERR_NODEV',
  20: 'NFS3ERR_NOTDIR',
  21: 'NFS3ERR_ISDIR',
  22: 'NFS3ERR_INVAL',
  27: 'NFS3ERR_FBIG',
  28: 'NFS3ERR_NOSPC',
  30: 'NFS3ERR_ROFS',
  31: 'NFS3ERR_MLINK',
  63: 'NFS3ERR_NAMETOOLONG',
  66: 'NFS3ERR_NOTEMPTY',
  69: 'NFS3ERR_DQUOT',
  70: 'NFS3ERR_STALE',
  71: 'NFS3ERR_REMOTE',
  10001: 'NFS3ERR_BADHANDLE',
  10002: 'NFS3ERR_NOT_SYNC',
  10003: 'NFS3ERR_BAD_COOKIE',
  10004: 'NFS3ERR_NOTSUPP',
  10005: 'NFS3ERR_TOOSMALL',
  10006: 'NFS3ERR_SERVERFAULT',
  10007: 'NFS3ERR_BADTYPE',
  10008: 'NFS3ERR_JUKEBOX',
};

export const NFS3_OK = 0;
export const NFS3ERR_JUKEBOX = 10008;

export function nfsStatusName(status: number): string {
  return NFS3_STATUS[status] ?? `NFS3ERR_UNKNOWN(${status})`;
}

function errorCodeFor(status: number): ErrorCode {
  switch (status) {
    case 1:
    case 13:
      return 'SOURCE_ACCESS_DENIED';
    case 2:
      return 'SOURCE_NOT_FOUND';
    case 70:
      return 'SOURCE_STALE';
    case 5:
      return 'SOURCE_IO';
    case NFS3ERR_JUKEBOX:
      return 'SOURCE_BUSY';
    default:
      return 'SOURCE_PROTOCOL';
  }
}

/** Thrown for any status other than NFS3_OK; the message names the operation, the path and the status. */
export class NfsStatusError extends FloeError {
  constructor(
    readonly status: number,
    operation: string,
    pathText: string,
    server: string,
  ) {
    super(errorCodeFor(status), `${operation} '${pathText}' on ${server}: ${nfsStatusName(status)}`, {
      details: { nfsStatus: nfsStatusName(status), operation, path: pathText },
    });
  }
}

/** RFC 1813 §2.5 ftype3. */
const FTYPE3: Record<number, FileType> = { 1: 'file', 2: 'directory', 3: 'block', 4: 'char', 5: 'symlink', 6: 'socket', 7: 'fifo' };

/** RFC 1813 §2.5 fattr3, decoded without loss. */
export interface Fattr3 {
  readonly type: FileType;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: bigint;
  readonly used: bigint;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
  readonly fsid: bigint;
  readonly fileid: bigint;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** RFC 1813 §2.5 nfstime3: unsigned seconds and nanoseconds since 1970. */
function nfstime3(r: XdrReader): bigint {
  const seconds = r.uint32();
  const nseconds = r.uint32();
  return BigInt(seconds) * 1_000_000_000n + BigInt(nseconds);
}

export function decodeFattr3(r: XdrReader): Fattr3 {
  const ftype = r.uint32();
  const type = FTYPE3[ftype];
  if (!type) throw new FloeError('SOURCE_PROTOCOL', `NFS: unknown ftype3 ${ftype}`);
  return {
    type,
    mode: r.uint32(),
    nlink: r.uint32(),
    uid: r.uint32(),
    gid: r.uint32(),
    size: r.uint64(),
    used: r.uint64(),
    rdevMajor: r.uint32(), // specdata3.specdata1
    rdevMinor: r.uint32(), // specdata3.specdata2
    fsid: r.uint64(),
    fileid: r.uint64(),
    atimeNs: nfstime3(r),
    mtimeNs: nfstime3(r),
    ctimeNs: nfstime3(r),
  };
}

/** RFC 1813 §2.6 post_op_attr: attributes_follow, then fattr3. */
export function decodePostOpAttr(r: XdrReader): Fattr3 | undefined {
  return r.bool() ? decodeFattr3(r) : undefined;
}

/** RFC 1813 §2.6 post_op_fh3. */
export function decodePostOpFh(r: XdrReader): Buffer | undefined {
  return r.bool() ? Buffer.from(r.opaque(NFS3_FHSIZE)) : undefined;
}

/** fattr3 as floe's FileMetadata: FileMetadata.size is 0 for all but regular files and symlinks. */
export function toFileMetadata(a: Fattr3): FileMetadata {
  const keepSize = a.type === 'file' || a.type === 'symlink';
  if (a.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new FloeError('SOURCE_PROTOCOL', `NFS: file size ${a.size} is too large`);
  return {
    type: a.type,
    mode: a.mode & 0o7777,
    uid: a.uid,
    gid: a.gid,
    size: keepSize ? Number(a.size) : 0,
    atimeNs: a.atimeNs,
    mtimeNs: a.mtimeNs,
    ctimeNs: a.ctimeNs,
    fsId: a.fsid,
    fileId: a.fileid,
    nlink: a.nlink,
    rdevMajor: a.type === 'char' || a.type === 'block' ? a.rdevMajor : 0,
    rdevMinor: a.type === 'char' || a.type === 'block' ? a.rdevMinor : 0,
  };
}

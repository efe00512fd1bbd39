// The NFS client speaks as a source (SOURCE_* codes); writing into an export, its errors are the
// destination's: nfsstat3 (RFC 1813 §2.6) onto floe's DESTINATION_* codes (errors.ts).
import { FloeError, isFloeError, type ErrorCode } from '../../errors.js';
import { NfsStatusError } from '../../sources/nfs/nfs3-types.js';

/** nfsstat3 numbers the destination acts on. */
export const NFS3ERR = { PERM: 1, NOENT: 2, ACCES: 13, EXIST: 17, XDEV: 18, NOTDIR: 20, ISDIR: 21, NOSPC: 28, ROFS: 30, MLINK: 31, NAMETOOLONG: 63, NOTEMPTY: 66, DQUOT: 69, STALE: 70, NOTSUPP: 10004 } as const;

const BY_STATUS: Record<number, ErrorCode> = {
  [NFS3ERR.PERM]: 'DESTINATION_ACCESS_DENIED',
  [NFS3ERR.ACCES]: 'DESTINATION_ACCESS_DENIED',
  [NFS3ERR.ROFS]: 'DESTINATION_ACCESS_DENIED',
  [NFS3ERR.NOSPC]: 'DESTINATION_FULL',
  [NFS3ERR.DQUOT]: 'DESTINATION_FULL',
  [NFS3ERR.NAMETOOLONG]: 'DESTINATION_NAME_INVALID',
  [NFS3ERR.STALE]: 'DESTINATION_UNREACHABLE',
};

/** The status of an NFS error reply, or undefined for anything else. */
export function nfsStatus(err: unknown): number | undefined {
  return err instanceof NfsStatusError ? err.status : undefined;
}

/** An error of the NFS client as the destination's: same message, destination code. */
export function asDestinationError(err: unknown): unknown {
  if (err instanceof NfsStatusError) {
    return new FloeError(BY_STATUS[err.status] ?? 'DESTINATION_IO', err.message, { cause: err, ...(err.details === undefined ? {} : { details: err.details }) });
  }
  if (isFloeError(err, 'SOURCE_UNREACHABLE') || isFloeError(err, 'TIMEOUT') || isFloeError(err, 'SOURCE_BUSY')) {
    return new FloeError('DESTINATION_UNREACHABLE', err.message, { cause: err });
  }
  if (isFloeError(err, 'SOURCE_PROTOCOL')) return new FloeError('DESTINATION_IO', err.message, { cause: err });
  return err;
}

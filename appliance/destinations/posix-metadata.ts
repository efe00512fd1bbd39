// POSIX metadata as S3 user metadata, in the keys and formats DataSync and FSx for Lustre use
// (DOMAIN.md, "POSIX metadata in S3"; FSx for Lustre guide, "POSIX metadata support for data
// repositories"), so a bucket floe wrote imports into FSx for Lustre with owners, modes and times:
//
//   x-amz-meta-file-permissions  st_mode in octal with the type bits, e.g. "0100644", "040755", "0120777"
//   x-amz-meta-file-owner        uid as a decimal integer
//   x-amz-meta-file-group        gid as a decimal integer
//   x-amz-meta-file-mtime        nanoseconds since the Unix epoch, decimal, with an "ns" suffix
//   x-amz-meta-file-atime        same format ("1700000000123456789ns")
//
// Times before 1970 are written with a leading '-' ("-86400000000000ns"); AWS does not define
// them, floe keeps them rather than losing them. A symlink is marked by the symlink type bits in
// file-permissions (0120000), as FSx does; its body is the target's exact bytes.
// The filesystem destination reports what lstat says in the same keys, so one verifier compares
// a journal entry with either destination.
import { stMode, TYPE_BITS, type FileMetadata, type FileType } from '../journal/file-entry.js';

export const META_PERMISSIONS = 'file-permissions';
export const META_OWNER = 'file-owner';
export const META_GROUP = 'file-group';
export const META_MTIME = 'file-mtime';
export const META_ATIME = 'file-atime';

export const POSIX_METADATA_KEYS = [META_PERMISSIONS, META_OWNER, META_GROUP, META_MTIME, META_ATIME] as const;

export function formatTimeNs(ns: bigint): string {
  return `${ns.toString()}ns`;
}

export function parseTimeNs(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const match = /^(-?\d{1,30})ns$/u.exec(text);
  return match ? BigInt(match[1]!) : undefined;
}

/** st_mode in octal with a leading 0, e.g. "0100644" (FSx: <octal file type><octal permission mask>). */
export function formatMode(mode: number): string {
  return `0${mode.toString(8)}`;
}

export function posixMetadata(meta: Pick<FileMetadata, 'type' | 'mode' | 'uid' | 'gid' | 'mtimeNs' | 'atimeNs'>): Record<string, string> {
  return {
    [META_PERMISSIONS]: formatMode(stMode(meta)),
    [META_OWNER]: String(meta.uid),
    [META_GROUP]: String(meta.gid),
    [META_MTIME]: formatTimeNs(meta.mtimeNs),
    [META_ATIME]: formatTimeNs(meta.atimeNs),
  };
}

/** The file type encoded in file-permissions, or undefined when absent or malformed. */
export function typeFromPermissions(text: string | undefined): FileType | undefined {
  if (text === undefined || !/^0?[0-7]{1,7}$/u.test(text)) return undefined;
  const typeBits = parseInt(text, 8) & 0o170000;
  for (const [type, bits] of Object.entries(TYPE_BITS) as [FileType, number][]) if (bits === typeBits) return type;
  return undefined;
}

// Comparing a destination object with its journal entry: metadata (DataSync's "Metadata failure"),
// content (the journal's SHA-256, by reading the object back or from a checksum the destination
// declares: DataSync's "Checksum failure"), and whether an object a crashed run may have completed
// already holds this very entry (so it is recorded, not uploaded again).
import { md5Hex, sha256 } from '../crypto/hash.js';
import { sha256OfStream } from '../crypto/hash-pool.js';
import type { Destination, DestinationCapabilities, DestinationObject, OpenContent, ResumeState } from '../destinations/destination.js';
import { META_GROUP, META_MTIME, META_OWNER, META_PERMISSIONS, parseTimeNs, posixMetadata } from '../destinations/posix-metadata.js';
import type { ErrorCode } from '../errors.js';
import { displayPath, type FileEntry } from '../journal/file-entry.js';
import { heldTime, sameTime } from '../destinations/time-precision.js';
import { sameXattrs, xattrNames } from '../os/xattrs.js';
import type { ContentAttempt } from './source-content.js';

export interface Mismatch {
  readonly code: Extract<ErrorCode, 'VERIFY_CHECKSUM_FAILURE' | 'VERIFY_METADATA_FAILURE' | 'VERIFY_FILES_REMOVED'>;
  readonly message: string;
}

/** What of a destination's capabilities decides how its metadata is compared. */
export type TimeCapabilities = Pick<DestinationCapabilities, 'timePrecisionNs' | 'timeRangeSeconds' | 'symlinkTimes'>;

/**
 * The first metadata difference, or undefined. The mtime compares at the precision the destination
 * keeps (`timePrecisionNs`: probed on a file system, exact in S3 metadata), a symlink's only where
 * the destination keeps it (`symlinkTimes`).
 */
export function metadataMismatch(entry: FileEntry, object: DestinationObject, capabilities: TimeCapabilities = {}): Mismatch | undefined {
  const { timePrecisionNs = 1, timeRangeSeconds, symlinkTimes = false } = capabilities;
  const path = displayPath(entry.path);
  if ((entry.type === 'file' || entry.type === 'symlink') && object.size !== entry.size) {
    return { code: 'VERIFY_CHECKSUM_FAILURE', message: `${path}: the destination holds ${object.size} bytes, the journal ${entry.size}` };
  }
  const want = posixMetadata(entry);
  const have = object.metadata ?? {};
  const keys = entry.type === 'symlink' ? [META_OWNER, META_GROUP] : [META_PERMISSIONS, META_OWNER, META_GROUP];
  for (const key of keys) {
    if (have[key] !== want[key]) return { code: 'VERIFY_METADATA_FAILURE', message: `${path}: ${key} is ${have[key] ?? 'missing'}, expected ${want[key]}` };
  }
  if (object.xattrs !== undefined && !sameXattrs(object.xattrs, entry.xattrs ?? [])) {
    const held = xattrNames(object.xattrs);
    const want = xattrNames(entry.xattrs ?? []);
    const message = held === want ? `the value of an extended attribute differs (${held})` : `extended attributes are ${held}, expected ${want}`;
    return { code: 'VERIFY_METADATA_FAILURE', message: `${path}: ${message}` };
  }
  const mtime = parseTimeNs(have[META_MTIME]);
  if ((entry.type !== 'symlink' || symlinkTimes) && (mtime === undefined || !sameTime(mtime, heldTime(entry.mtimeNs, timeRangeSeconds), BigInt(timePrecisionNs)))) {
    return { code: 'VERIFY_METADATA_FAILURE', message: `${path}: ${META_MTIME} is ${have[META_MTIME] ?? 'missing'}, expected ${want[META_MTIME]}` };
  }
  return undefined;
}

/** The content difference, or undefined: a declared server-side SHA-256, else a full read back. */
export async function contentMismatch(destination: Destination, key: string, entry: FileEntry, signal?: AbortSignal): Promise<Mismatch | undefined> {
  const path = displayPath(entry.path);
  if (entry.type === 'file' && destination.capabilities.checksums.includes('sha256') && destination.checksum !== undefined) {
    const declared = await destination.checksum(key, 'sha256', { signal });
    if (declared !== null) {
      return declared.equals(entry.sha256) ? undefined : { code: 'VERIFY_CHECKSUM_FAILURE', message: `${path}: the destination's SHA-256 differs from the journal's` };
    }
  }
  if (entry.type !== 'file' && entry.type !== 'symlink') return undefined;
  const { digest, size } = await sha256OfStream(destination.read(key, { signal }), entry.size);
  const expected = entry.type === 'file' ? entry.sha256 : sha256(entry.target ?? Buffer.alloc(0));
  if (size !== entry.size || !digest.equals(expected)) {
    return { code: 'VERIFY_CHECKSUM_FAILURE', message: `${path}: the object read back (${size} bytes) does not match the journal's SHA-256` };
  }
  return undefined;
}

/** Stat + metadata + content: the whole verification of one delivered object. */
export async function verifyObject(destination: Destination, key: string, entry: FileEntry, signal?: AbortSignal): Promise<Mismatch | undefined> {
  const object = await destination.stat(key, { signal });
  if (object === null) return { code: 'VERIFY_FILES_REMOVED', message: `${displayPath(entry.path)}: ${key} is not in the destination` };
  return metadataMismatch(entry, object, destination.capabilities) ?? (await contentMismatch(destination, key, entry, signal));
}

/**
 * Whether the destination already holds exactly this entry, put by a run that crashed before it
 * recorded the delivery. S3 objects are compared by ETag computed from the journal's plaintext (the
 * MD5, or for a multipart upload the MD5 of the parts' MD5s with "-N", part size from the saved
 * resume state); objects without an ETag are read back. Returns the object when it matches.
 */
export async function heldAlready(
  destination: Destination,
  key: string,
  entry: FileEntry,
  open: OpenContent,
  resume: ResumeState | undefined,
  signal?: AbortSignal,
): Promise<DestinationObject | undefined> {
  const object = await destination.stat(key, { signal });
  if (object === null || metadataMismatch(entry, object, destination.capabilities) !== undefined) return undefined;
  if (entry.type !== 'file') return (await contentMismatch(destination, key, entry, signal)) === undefined ? object : undefined;
  const etag = object.etag?.replace(/"/gu, '');
  if (etag === undefined || etag === '') return (await contentMismatch(destination, key, entry, signal)) === undefined ? object : undefined;
  const parts = /-(\d+)$/u.exec(etag);
  const partSize = parts === null ? Math.max(entry.size, 1) : typeof resume?.partSize === 'number' ? resume.partSize : undefined;
  if (partSize === undefined) return undefined;
  const digests: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    digests.push(Buffer.from(md5Hex(Buffer.concat(pending, pendingBytes)), 'hex'));
    pending = [];
    pendingBytes = 0;
  };
  for await (const piece of open(0, signal)) {
    let rest = piece;
    while (rest.length > 0) {
      const take = Math.min(rest.length, partSize - pendingBytes);
      pending.push(rest.subarray(0, take));
      pendingBytes += take;
      rest = rest.subarray(take);
      if (pendingBytes === partSize) flush();
    }
  }
  if (pendingBytes > 0 || digests.length === 0) flush();
  const expected = parts === null ? digests[0]!.toString('hex') : `${md5Hex(Buffer.concat(digests))}-${digests.length}`;
  return expected === etag ? object : undefined;
}

/**
 * heldAlready for an agentless copy, whose catalog has no content hash to compare an ETag with: a
 * crashed copy may have put a file and not recorded it. The object is this file's copy when its
 * metadata equals the listed entry's (at the precision the destination keeps) and its content
 * equals what the source holds: the source is read once through `attempt` (hashed, proven of one
 * version: SOURCE_CHANGED otherwise) and the object is compared with that digest (a declared
 * SHA-256, else read back). The destination is read, never written again. Returns the object and
 * the source's digest when it matches.
 */
export async function copyHeldAlready(
  destination: Destination,
  key: string,
  entry: FileEntry,
  attempt: ContentAttempt,
  signal?: AbortSignal,
): Promise<{ readonly object: DestinationObject; readonly digest: Buffer } | undefined> {
  const object = await destination.stat(key, { signal });
  if (object === null || object.isDirectory !== (entry.type === 'directory')) return undefined;
  if (metadataMismatch(entry, object, destination.capabilities) !== undefined) return undefined;
  const digest = await attempt.finish(signal);
  if (entry.type !== 'file' && entry.type !== 'symlink') return { object, digest };
  const mismatch = await contentMismatch(destination, key, entry.type === 'file' ? { ...entry, sha256: digest } : entry, signal);
  return mismatch === undefined ? { object, digest } : undefined;
}

// A folder's listing as one digest (docs/journal-format.md §8, "Folder digests"): TransferMode
// CHANGED compares it with the digest the index keeps for the folder, so a re-run over a folder
// where nothing changed costs one lookup for the folder instead of one for each entry (restic
// compares against its parent snapshot's tree one folder at a time for the same reason).
//
// The digest covers exactly what `unchanged` (ingest-metadata.ts) compares, for every entry the
// walk selected: name, type, size, ctime, identity (fsid, fileid), mode, uid, gid, mtime (not
// under Mtime NONE, where the ingest time stands in), device numbers and a symlink's target. The
// entries are sorted by name first, so the order a server lists them in does not matter.
import { Sha256 } from '../crypto/hash.js';
import { FILE_TYPES, type FileMetadata } from '../journal/file-entry.js';
import type { TaskOptions } from '../tasks/options.js';

const FORMAT = Buffer.from('floe/v1/listing\0', 'latin1');
// name length, type, size (two u32), ctime, fsid, fileid, mode, uid, gid, mtime, rdev major and minor, target length
const FIXED = 4 + 1 + 8 + 8 + 8 + 8 + 4 + 4 + 4 + 8 + 4 + 4 + 4;
const U64 = (1n << 64n) - 1n;

export interface ListedEntry extends FileMetadata {
  readonly name: Buffer;
}

/** The digest of a folder's selected entries, each already passed through recordedMetadata. */
export function listingDigest(entries: readonly ListedEntry[], options: Pick<TaskOptions, 'Mtime'>): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.name, b.name));
  let total = FORMAT.length + 1;
  for (const e of sorted) total += FIXED + e.name.length + (e.target?.length ?? 0);
  const b = Buffer.allocUnsafe(total);
  let at = FORMAT.copy(b, 0);
  const withMtime = options.Mtime !== 'NONE';
  b[at++] = withMtime ? 1 : 0;
  for (const e of sorted) {
    at = b.writeUInt32LE(e.name.length, at);
    at += e.name.copy(b, at);
    at = b.writeUInt8(FILE_TYPES.indexOf(e.type), at);
    at = b.writeUInt32LE(e.size % 0x1_0000_0000, at);
    at = b.writeUInt32LE(Math.floor(e.size / 0x1_0000_0000), at);
    at = b.writeBigInt64LE(BigInt.asIntN(64, e.ctimeNs), at);
    at = b.writeBigUInt64LE(e.fsId & U64, at);
    at = b.writeBigUInt64LE(e.fileId & U64, at);
    at = b.writeUInt32LE(e.mode, at);
    at = b.writeUInt32LE(e.uid, at);
    at = b.writeUInt32LE(e.gid, at);
    at = b.writeBigInt64LE(withMtime ? BigInt.asIntN(64, e.mtimeNs) : 0n, at);
    at = b.writeUInt32LE(e.rdevMajor, at);
    at = b.writeUInt32LE(e.rdevMinor, at);
    const target = e.type === 'symlink' ? e.target : undefined;
    at = b.writeUInt32LE(target?.length ?? 0, at);
    if (target !== undefined) at += target.copy(b, at);
  }
  return new Sha256().update(b.subarray(0, at)).digest();
}

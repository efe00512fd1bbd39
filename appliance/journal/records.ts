// Record plaintexts of docs/journal-format.md §7.
import { FloeError } from '../errors.js';
import { FILE_TYPES, type ChunkRef, type FileEntry, type FileType, type Xattr } from './file-entry.js';

export const RecordType = {
  chunk: 0x01,
  fileEntry: 0x02,
  tombstone: 0x03,
  event: 0x04,
  seal: 0x05,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

export const CHUNK_PREFIX = 1 + 32;
/** Version 1: no extended attributes; version 2 adds them after the chunk list (written only when there are some). */
const FILE_ENTRY_VERSION = 1;
const FILE_ENTRY_VERSION_XATTRS = 2;
const FIXED_ENTRY_BYTES = 1 + 1 + 2 + 4 + 4 + 4 + 8 + 8 * 3 + 8 + 8 + 4 + 4;

function corrupt(message: string): FloeError {
  return new FloeError('JOURNAL_CORRUPT', message);
}

/** The record plaintext of a file entry, type byte included. */
export function encodeFileEntry(e: FileEntry): Buffer {
  const target = e.target ?? Buffer.alloc(0);
  const xattrs = e.xattrs ?? [];
  const xattrBytes = xattrs.length === 0 ? 0 : 4 + xattrs.reduce((n, x) => n + 1 + x.name.length + 4 + x.value.length, 0);
  const len = 1 + FIXED_ENTRY_BYTES + 4 + e.path.length + 4 + target.length + 32 + 4 + e.chunks.length * 36 + xattrBytes;
  const b = Buffer.allocUnsafe(len);
  let o = 0;
  o = b.writeUInt8(RecordType.fileEntry, o);
  o = b.writeUInt8(xattrs.length === 0 ? FILE_ENTRY_VERSION : FILE_ENTRY_VERSION_XATTRS, o);
  o = b.writeUInt8(FILE_TYPES.indexOf(e.type) + 1, o);
  o = b.writeUInt16LE(e.mode & 0o7777, o);
  o = b.writeUInt32LE(e.uid >>> 0, o);
  o = b.writeUInt32LE(e.gid >>> 0, o);
  o = b.writeUInt32LE(e.nlink >>> 0, o);
  o = b.writeBigUInt64LE(BigInt(e.size), o);
  o = b.writeBigInt64LE(e.atimeNs, o);
  o = b.writeBigInt64LE(e.mtimeNs, o);
  o = b.writeBigInt64LE(e.ctimeNs, o);
  o = b.writeBigUInt64LE(e.fsId, o);
  o = b.writeBigUInt64LE(e.fileId, o);
  o = b.writeUInt32LE(e.rdevMajor >>> 0, o);
  o = b.writeUInt32LE(e.rdevMinor >>> 0, o);
  o = b.writeUInt32LE(e.path.length, o);
  o += e.path.copy(b, o);
  o = b.writeUInt32LE(target.length, o);
  o += target.copy(b, o);
  o += e.sha256.copy(b, o);
  o = b.writeUInt32LE(e.chunks.length, o);
  for (const c of e.chunks) {
    o += c.sha256.copy(b, o);
    o = b.writeUInt32LE(c.size, o);
  }
  if (xattrs.length > 0) {
    o = b.writeUInt32LE(xattrs.length, o);
    for (const x of xattrs) {
      if (x.name.length === 0 || x.name.length > 255) throw new FloeError('INVALID_ARGUMENT', `an xattr name is 1-255 bytes; got ${x.name.length}`);
      o = b.writeUInt8(x.name.length, o);
      o += x.name.copy(b, o);
      o = b.writeUInt32LE(x.value.length, o);
      o += x.value.copy(b, o);
    }
  }
  return b;
}

/** Decodes a file entry from its body (the bytes after the type byte). */
export function decodeFileEntry(body: Buffer): FileEntry {
  if (body.length < FIXED_ENTRY_BYTES + 8 + 36) throw corrupt('file entry is too short');
  let o = 0;
  const version = body.readUInt8(o++);
  if (version !== FILE_ENTRY_VERSION && version !== FILE_ENTRY_VERSION_XATTRS) throw corrupt(`file entry version ${version} is not supported`);
  const type: FileType | undefined = FILE_TYPES[body.readUInt8(o++) - 1];
  if (type === undefined) throw corrupt('file entry has an unknown file type');
  const mode = body.readUInt16LE(o); o += 2;
  const uid = body.readUInt32LE(o); o += 4;
  const gid = body.readUInt32LE(o); o += 4;
  const nlink = body.readUInt32LE(o); o += 4;
  const size = Number(body.readBigUInt64LE(o)); o += 8;
  const atimeNs = body.readBigInt64LE(o); o += 8;
  const mtimeNs = body.readBigInt64LE(o); o += 8;
  const ctimeNs = body.readBigInt64LE(o); o += 8;
  const fsId = body.readBigUInt64LE(o); o += 8;
  const fileId = body.readBigUInt64LE(o); o += 8;
  const rdevMajor = body.readUInt32LE(o); o += 4;
  const rdevMinor = body.readUInt32LE(o); o += 4;
  const take = (n: number): Buffer => {
    if (o + n > body.length) throw corrupt('file entry is truncated');
    const out = Buffer.from(body.subarray(o, o + n));
    o += n;
    return out;
  };
  const path = take(take(4).readUInt32LE(0));
  const targetLen = take(4).readUInt32LE(0);
  const target = targetLen > 0 || type === 'symlink' ? take(targetLen) : undefined;
  const sha256 = take(32);
  const count = take(4).readUInt32LE(0);
  const chunkBytes = count * 36;
  if (version === FILE_ENTRY_VERSION ? chunkBytes !== body.length - o : chunkBytes + 4 > body.length - o) throw corrupt('file entry chunk list does not match its length');
  const chunks: ChunkRef[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const id = take(32);
    const csize = take(4).readUInt32LE(0);
    chunks.push({ sha256: id, size: csize });
    total += csize;
  }
  if (type === 'file' && total !== size) throw corrupt(`file entry chunks add up to ${total} bytes, size says ${size}`);
  const xattrs: Xattr[] = [];
  if (version === FILE_ENTRY_VERSION_XATTRS) {
    const n = take(4).readUInt32LE(0);
    if (n === 0) throw corrupt('file entry version 2 has no xattr');
    for (let i = 0; i < n; i++) {
      const name = take(take(1).readUInt8(0));
      if (name.length === 0) throw corrupt('file entry has an empty xattr name');
      xattrs.push({ name, value: take(take(4).readUInt32LE(0)) });
    }
    if (o !== body.length) throw corrupt('file entry has bytes after its xattrs');
  }
  const entry: FileEntry = { path, type, mode, uid, gid, nlink, size, atimeNs, mtimeNs, ctimeNs, fsId, fileId, rdevMajor, rdevMinor, sha256, chunks };
  if (target === undefined && xattrs.length === 0) return entry;
  return { ...entry, ...(target === undefined ? {} : { target }), ...(xattrs.length === 0 ? {} : { xattrs }) };
}

export function encodeTombstone(path: Buffer, timeNs: bigint): Buffer {
  const b = Buffer.allocUnsafe(1 + 4 + path.length + 8);
  b.writeUInt8(RecordType.tombstone, 0);
  b.writeUInt32LE(path.length, 1);
  path.copy(b, 5);
  b.writeBigInt64LE(timeNs, 5 + path.length);
  return b;
}

export function decodeTombstone(body: Buffer): { path: Buffer; timeNs: bigint } {
  if (body.length < 12) throw corrupt('tombstone is too short');
  const len = body.readUInt32LE(0);
  if (4 + len + 8 !== body.length) throw corrupt('tombstone length is wrong');
  return { path: Buffer.from(body.subarray(4, 4 + len)), timeNs: body.readBigInt64LE(4 + len) };
}

export type JournalEvent = { readonly kind: string } & Readonly<Record<string, unknown>>;

export function encodeEvent(event: JournalEvent): Buffer {
  return Buffer.concat([Buffer.from([RecordType.event]), Buffer.from(JSON.stringify(event), 'utf8')]);
}

export function decodeEvent(body: Buffer): JournalEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw corrupt('event record is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { kind?: unknown }).kind !== 'string') {
    throw corrupt('event record has no kind');
  }
  return parsed as JournalEvent;
}

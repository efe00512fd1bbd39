// Byte layouts of docs/journal-format.md §3 (segment header) and §4 (frame), and the nonce and
// additional data of §6.
import { crc32 } from 'node:zlib';
import { FloeError } from '../errors.js';

export const FORMAT_VERSION = 1;
export const SEGMENT_MAGIC = Buffer.from('FLOESEG\0', 'latin1');
export const SEGMENT_HEADER_LENGTH = 64;
export const FRAME_HEADER_LENGTH = 16;
export const TAG_LENGTH = 16;
export const MAX_PAYLOAD = 1 << 26;
export const MIN_PAYLOAD = 1 + TAG_LENGTH;
export const CHUNK_SIZE = 1 << 20;
export const DEFAULT_SEGMENT_LIMIT = 256 * 1024 * 1024;
export const JOURNAL_ID_LENGTH = 16;

export interface SegmentHeader {
  readonly segmentNumber: number;
  readonly journalId: Buffer;
  readonly salt: Buffer;
  readonly firstSeq: bigint;
}

export function encodeSegmentHeader(h: SegmentHeader): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_LENGTH);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b.writeUInt16LE(SEGMENT_HEADER_LENGTH, 10);
  b.writeUInt32LE(h.segmentNumber, 12);
  h.journalId.copy(b, 16);
  h.salt.copy(b, 32);
  b.writeBigUInt64LE(h.firstSeq, 48);
  b.writeUInt32LE(crc32(b.subarray(0, 56)), 56);
  return b;
}

/** Decodes a segment header, or explains why it is not one (§3). */
export function decodeSegmentHeader(b: Buffer): SegmentHeader | { problem: string } {
  if (b.length < SEGMENT_HEADER_LENGTH) return { problem: `segment header is ${b.length} bytes, expected ${SEGMENT_HEADER_LENGTH}` };
  if (!b.subarray(0, 8).equals(SEGMENT_MAGIC)) return { problem: 'segment header magic is wrong' };
  if (b.readUInt32LE(56) !== crc32(b.subarray(0, 56))) return { problem: 'segment header checksum is wrong' };
  const version = b.readUInt16LE(8);
  if (version !== FORMAT_VERSION) return { problem: `segment format version ${version} is not supported (this floe reads version ${FORMAT_VERSION})` };
  if (b.readUInt16LE(10) !== SEGMENT_HEADER_LENGTH) return { problem: 'segment header length is wrong' };
  return {
    segmentNumber: b.readUInt32LE(12),
    journalId: Buffer.from(b.subarray(16, 32)),
    salt: Buffer.from(b.subarray(32, 48)),
    firstSeq: b.readBigUInt64LE(48),
  };
}

export interface FrameHeader {
  readonly length: number;
  readonly seq: bigint;
}

export function encodeFrameHeader(length: number, seq: bigint): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  b.writeUInt32LE(length, 0);
  b.writeBigUInt64LE(seq, 4);
  b.writeUInt32LE(crc32(b.subarray(0, 12)), 12);
  return b;
}

/** A frame header, or null when its CRC or length is not valid (damage, §4). */
export function decodeFrameHeader(b: Buffer): FrameHeader | null {
  if (b.length < FRAME_HEADER_LENGTH) return null;
  if (b.readUInt32LE(12) !== crc32(b.subarray(0, 12))) return null;
  const length = b.readUInt32LE(0);
  if (length < MIN_PAYLOAD || length > MAX_PAYLOAD) return null;
  return { length, seq: b.readBigUInt64LE(4) };
}

/** §6: four zero bytes, then seq as u64. */
export function recordNonce(seq: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64LE(seq, 4);
  return n;
}

/** §6: journal-id || u32 segment-number || u64 seq. */
export function recordAdditionalData(journalId: Buffer, segmentNumber: number, seq: bigint): Buffer {
  const ad = Buffer.allocUnsafe(28);
  journalId.copy(ad, 0);
  ad.writeUInt32LE(segmentNumber, 16);
  ad.writeBigUInt64LE(seq, 20);
  return ad;
}

export function segmentFileName(segmentNumber: number): string {
  return `${String(segmentNumber).padStart(8, '0')}.seg`;
}

export function parseSegmentFileName(name: string): number | null {
  const m = /^(\d{8})\.seg$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function formatError(message: string): FloeError {
  return new FloeError('JOURNAL_FORMAT', message);
}

// Sequential reading of a segment file (docs/journal-format.md §3, §4, §9): yields each frame, a
// torn tail, or a damaged region; after damage it resynchronises on the next frame whose header
// checksum holds, so that verify can go on and name everything affected.
import { open, type FileHandle } from 'node:fs/promises';
import { FRAME_HEADER_LENGTH, SEGMENT_HEADER_LENGTH, decodeFrameHeader, decodeSegmentHeader, type FrameHeader, type SegmentHeader } from './format.js';

export type ScanItem =
  | { readonly kind: 'frame'; readonly offset: number; readonly header: FrameHeader; readonly headerBytes: Buffer; readonly payload: Buffer }
  | { readonly kind: 'torn'; readonly offset: number; readonly length: number }
  | { readonly kind: 'damage'; readonly offset: number; readonly length: number; readonly problem: string };

const WINDOW = 8 * 1024 * 1024;

/** Positional reads through an 8 MiB window. */
export class BlockReader {
  #buf = Buffer.alloc(0);
  #start = 0;
  constructor(
    readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(offset + length, this.size);
    if (offset >= this.#start && end <= this.#start + this.#buf.length) {
      return this.#buf.subarray(offset - this.#start, end - this.#start);
    }
    const want = Math.max(end - offset, Math.min(WINDOW, this.size - offset));
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.handle.read(buf, 0, want, offset);
    this.#buf = buf.subarray(0, bytesRead);
    this.#start = offset;
    return this.#buf.subarray(0, Math.min(end - offset, bytesRead));
  }
}

export interface OpenedSegment {
  readonly path: string;
  readonly size: number;
  readonly header: SegmentHeader | { problem: string };
  readonly reader: BlockReader;
  close(): Promise<void>;
}

export async function openSegment(path: string): Promise<OpenedSegment> {
  const handle = await open(path, 'r');
  const size = (await handle.stat()).size;
  const reader = new BlockReader(handle, size);
  const header = decodeSegmentHeader(Buffer.from(await reader.read(0, SEGMENT_HEADER_LENGTH)));
  return { path, size, header, reader, close: () => handle.close() };
}

/** Frames from `from` (default: just after the header) to the end of the file. */
export async function* scanFrames(seg: OpenedSegment, from = SEGMENT_HEADER_LENGTH, expectSeq?: bigint): AsyncGenerator<ScanItem> {
  let offset = from;
  let lastSeq = expectSeq === undefined ? 0n : expectSeq - 1n;
  while (offset < seg.size) {
    const remaining = seg.size - offset;
    const headerBytes = await seg.reader.read(offset, FRAME_HEADER_LENGTH);
    const header = decodeFrameHeader(Buffer.from(headerBytes));
    if (header !== null && offset + FRAME_HEADER_LENGTH + header.length <= seg.size) {
      const payload = Buffer.from(await seg.reader.read(offset + FRAME_HEADER_LENGTH, header.length));
      yield { kind: 'frame', offset, header, headerBytes: Buffer.from(headerBytes), payload };
      lastSeq = header.seq;
      offset += FRAME_HEADER_LENGTH + header.length;
      continue;
    }
    if (remaining < FRAME_HEADER_LENGTH || header !== null || (await isZeroTail(seg, offset))) {
      // A partial header, a whole header whose payload runs past the end, or zeros: a torn tail (§9).
      yield { kind: 'torn', offset, length: remaining };
      return;
    }
    const next = await resync(seg, offset + 1, lastSeq);
    yield { kind: 'damage', offset, length: next - offset, problem: 'frame header checksum is wrong' };
    offset = next;
  }
}

async function isZeroTail(seg: OpenedSegment, offset: number): Promise<boolean> {
  for (let o = offset; o < seg.size; o += WINDOW) {
    const b = await seg.reader.read(o, Math.min(WINDOW, seg.size - o));
    for (const byte of b) if (byte !== 0) return false;
  }
  return true;
}

/** The next offset at which a plausible frame starts, or the end of the file. */
async function resync(seg: OpenedSegment, from: number, lastSeq: bigint): Promise<number> {
  for (let o = from; o + FRAME_HEADER_LENGTH <= seg.size; o++) {
    const h = decodeFrameHeader(Buffer.from(await seg.reader.read(o, FRAME_HEADER_LENGTH)));
    if (h !== null && h.seq > lastSeq && h.seq < lastSeq + (1n << 24n) && o + FRAME_HEADER_LENGTH + h.length <= seg.size) return o;
  }
  return seg.size;
}

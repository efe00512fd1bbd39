import { describe, expect, it } from 'vitest';
import { ContentReader } from './content-reader.js';
import type { ContentFill, OpenContent } from './destination.js';

/**
 * Content in pieces of `piece` bytes, each in one shared buffer that the next piece overwrites,
 * as the journal reuses its memory: a reader that keeps a piece past the next sees other bytes.
 */
function reusedSharedMemory(data: Buffer, piece: number): OpenContent {
  return async function* (offset) {
    const memory = Buffer.from(new SharedArrayBuffer(piece));
    for (let at = offset; at < data.length; at += piece) {
      const n = data.copy(memory, 0, at, Math.min(at + piece, data.length));
      yield memory.subarray(0, n);
      memory.fill(0xee);
    }
  };
}

const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251));

describe('ContentReader', () => {
  it('copies pieces in shared memory, so blocks stay right after the journal reuses that memory', async () => {
    const reader = new ContentReader(reusedSharedMemory(data, 1000), data.length);
    const blocks = [await reader.read(0, 800), await reader.read(800, 2500), await reader.read(3300, 6700)];
    await reader.expectEnd();
    expect(Buffer.concat(blocks).equals(data)).toBe(true);
    expect(blocks.every((b) => !(b.buffer instanceof SharedArrayBuffer))).toBe(true);
  });

  it('fills the buffer it is given, and reopens the content to skip ahead', async () => {
    const reader = new ContentReader(reusedSharedMemory(data, 1000), data.length);
    const into = Buffer.alloc(4000);
    const block = await reader.read(2000, 3000, into);
    expect(block.buffer).toBe(into.buffer);
    expect(block.equals(data.subarray(2000, 5000))).toBe(true);
    const last = await reader.read(9000, 1000, into);
    expect(last.equals(data.subarray(9000))).toBe(true);
    await reader.expectEnd();
  });

  it('hands over a piece it may keep without a copy, and fails on content shorter or longer than the size', async () => {
    const owned = Buffer.from(data);
    const reader = new ContentReader(async function* () {
      yield owned;
    }, data.length);
    expect((await reader.read(0, data.length)).buffer).toBe(owned.buffer);
    const short = new ContentReader(reusedSharedMemory(data.subarray(0, 500), 100), 1000);
    await expect(short.read(0, 1000)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: "content ended at byte 500, but the entry's size is 1000" });
    const long = new ContentReader(reusedSharedMemory(data, 1000), 5000);
    await long.read(0, 5000);
    await expect(long.expectEnd()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: "content is longer than the entry's size 5000" });
  });

  it('lets content that can fill blocks in shared memory fill them, following on or opened again at an offset; others still get copies', async () => {
    const opened: number[] = [];
    const closed: number[] = [];
    const content = Object.assign(reusedSharedMemory(data, 1000), {
      fill: (offset: number): ContentFill => {
        let at = offset;
        opened.push(offset);
        return {
          fill: async (block: Buffer) => {
            if (at + block.length > data.length) throw new Error('past the end');
            data.copy(block, 0, at, at + block.length);
            at += block.length;
          },
          get atEnd() {
            return at === data.length;
          },
          close: () => void closed.push(offset),
        };
      },
    });
    const reader = new ContentReader(content, data.length);
    const shared = Buffer.from(new SharedArrayBuffer(5000));
    expect((await reader.read(0, 3000, shared)).equals(data.subarray(0, 3000))).toBe(true);
    expect((await reader.read(3000, 3000, shared)).equals(data.subarray(3000, 6000))).toBe(true);
    expect(opened).toEqual([0]);
    await reader.expectEnd(); // not at the entry's size yet: nothing to check
    expect((await reader.read(8000, 2000, shared)).equals(data.subarray(8000))).toBe(true);
    expect(opened).toEqual([0, 8000]);
    expect(closed).toEqual([0]);
    await reader.expectEnd();
    // A block in ordinary memory is read from the stream and copied.
    const ordinary = await reader.read(1000, 500, Buffer.alloc(500));
    expect(ordinary.equals(data.subarray(1000, 1500))).toBe(true);
    await reader.close();
    expect(closed).toEqual([0, 8000]);
    // Content that holds more than the entry's size fails at the end, as a stream does.
    const long = new ContentReader(content, 5000);
    await long.read(0, 5000, shared);
    await expect(long.expectEnd()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: "content is longer than the entry's size 5000" });
  });
});

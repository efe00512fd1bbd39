import { describe, expect, it } from 'vitest';
import { ContentReader } from './content-reader.js';
import type { OpenContent } from './destination.js';

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
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Stream } from '../crypto/hash-pool.js';
import type { ChunkRef, FileEntry } from './file-entry.js';
import { FileFill, type ChunkSource } from './file-fill.js';

const KIB = 1024;
const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

/** A file cut in chunks of `size`, served from memory with a delay; counts opens in flight. */
function chunkedFile(content: Buffer, size: number, onOpen: (opened: number) => void = () => undefined) {
  const chunks: ChunkRef[] = [];
  const bytes = new Map<string, Buffer>();
  for (let at = 0; at < content.length; at += size) {
    const data = content.subarray(at, at + size);
    chunks.push({ sha256: sha256(data), size: data.length });
    bytes.set(sha256(data).toString('hex'), data);
  }
  const entry = { path: Buffer.from('f'), sha256: sha256(content), chunks, size: content.length } as unknown as FileEntry;
  const stats = { inFlight: 0, most: 0, opened: 0 };
  const open = async (ref: ChunkRef): Promise<Buffer> => {
    onOpen(++stats.opened);
    stats.most = Math.max(stats.most, ++stats.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    stats.inFlight--;
    return bytes.get(ref.sha256.toString('hex'))!;
  };
  const source: ChunkSource = {
    chunk: async (ref) => ({ data: await open(ref), release: () => undefined }),
    chunkInto: async (ref, into) => void (await open(ref)).copy(into),
    wholeHash: (n) => sha256Stream(n),
  };
  return { entry, source, stats };
}

describe('FileFill', () => {
  const content = Buffer.from(Array.from({ length: 1000 * KIB + 3 }, (_, i) => (i * 31) % 251));

  it('opens at most four chunks at once however large the block, and fills it with the file', async () => {
    const { entry, source, stats } = chunkedFile(content, 64 * KIB);
    const fill = new FileFill(entry, 0, source);
    const block = Buffer.alloc(content.length);
    await fill.fill(block);
    expect(block.equals(content)).toBe(true);
    expect(fill.atEnd).toBe(true);
    expect(stats.opened).toBe(entry.chunks.length);
    expect(stats.most).toBe(4);
  });

  it('stops between chunks when cancelled, with no open left running', async () => {
    const abort = new AbortController();
    const { entry, source, stats } = chunkedFile(content, 64 * KIB, (opened) => opened === 3 && abort.abort());
    const fill = new FileFill(entry, 0, source);
    await expect(fill.fill(Buffer.alloc(content.length), abort.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(stats.inFlight).toBe(0);
    expect(stats.opened).toBeLessThan(entry.chunks.length);
    await expect(fill.fill(Buffer.alloc(10))).rejects.toThrow('a failed FileFill cannot fill again');
  });

  it('checks an empty file against the SHA-256 of nothing', async () => {
    const empty = chunkedFile(Buffer.alloc(0), 64 * KIB);
    const fill = new FileFill(empty.entry, 0, empty.source);
    await fill.fill(Buffer.alloc(0));
    expect(fill.atEnd).toBe(true);
    const wrong = new FileFill({ ...empty.entry, sha256: Buffer.alloc(32, 1) }, 0, empty.source);
    await expect(wrong.fill(Buffer.alloc(0))).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  });
});

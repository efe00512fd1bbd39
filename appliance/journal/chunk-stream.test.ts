import { describe, expect, it } from 'vitest';
import { chunkStream } from './chunk-stream.js';

async function cut(pieces: number[], size: number, expected?: number): Promise<number[][]> {
  let n = 0;
  const source = (async function* () {
    for (const len of pieces) yield Buffer.from(Array.from({ length: len }, () => n++ & 0xff));
  })();
  const out: number[][] = [];
  for await (const b of chunkStream(source, size, 2, expected)) out.push([...b.subarray(2)]);
  return out;
}

describe('chunkStream', () => {
  it('cuts at the chunk size whatever the piece sizes, keeping every byte in order', async () => {
    const out = await cut([3, 5, 1, 7], 4);
    expect(out.map((c) => c.length)).toEqual([4, 4, 4, 4]);
    expect(out.flat()).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('is right when the stream is longer or shorter than expected', async () => {
    expect((await cut([10, 10], 8, 3)).map((c) => c.length)).toEqual([8, 8, 4]);
    expect((await cut([2], 8, 100)).map((c) => c.length)).toEqual([2]);
    expect((await cut([], 8, 100)).length).toBe(0);
    expect((await cut([10, 10], 8, 3)).flat()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

// Cuts a byte stream into fixed-size chunks (docs/journal-format.md §7: at most 1 MiB). Each block
// is allocated with `prefix` spare bytes in front, so the record header can be filled in place
// without copying the data again. `expectedSize` (the size the source reported) sizes the blocks,
// so a small file costs a small allocation; a file that turns out longer is still cut correctly.
// `alloc` gives the blocks (the journal puts large ones in memory the crypto workers read in place).
export async function* chunkStream(
  source: AsyncIterable<Uint8Array>,
  size: number,
  prefix: number,
  expectedSize = size,
  alloc: (bytes: number) => Buffer = Buffer.allocUnsafe,
): AsyncGenerator<Buffer> {
  let consumed = 0;
  const allocate = (): Buffer => alloc(prefix + Math.max(1, Math.min(size, expectedSize - consumed)));
  let block = allocate();
  let fill = prefix;
  for await (const piece of source) {
    let p = 0;
    while (p < piece.length) {
      if (fill === block.length) {
        // Longer than expected: grow this block up to the chunk size.
        const grown = alloc(prefix + Math.min(size, Math.max(2 * (block.length - prefix), piece.length - p + fill - prefix)));
        block.copy(grown, 0, 0, fill);
        block = grown;
      }
      const n = Math.min(piece.length - p, block.length - fill);
      block.set(piece.subarray(p, p + n), fill);
      fill += n;
      p += n;
      consumed += n;
      if (fill - prefix === size) {
        yield block;
        block = allocate();
        fill = prefix;
      }
    }
  }
  if (fill > prefix) yield block.subarray(0, fill);
}

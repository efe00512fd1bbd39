// Cuts a byte stream into fixed-size chunks (docs/journal-format.md §7: at most 1 MiB). Each block
// is allocated with `prefix` spare bytes in front, so the record header can be filled in place
// without copying the data again.
export async function* chunkStream(source: AsyncIterable<Uint8Array>, size: number, prefix: number): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafe(prefix + size);
  let fill = prefix;
  for await (const piece of source) {
    let p = 0;
    while (p < piece.length) {
      const n = Math.min(piece.length - p, block.length - fill);
      block.set(piece.subarray(p, p + n), fill);
      fill += n;
      p += n;
      if (fill === block.length) {
        yield block;
        block = Buffer.allocUnsafe(prefix + size);
        fill = prefix;
      }
    }
  }
  if (fill > prefix) yield block.subarray(0, fill);
}

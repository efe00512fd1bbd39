// Pipelined sequential READs (RFC 1813 §3.3.6): keep `depth` READs of `chunkSize` bytes in flight
// on one connection and yield their data in file order, so the link stays busy while the consumer
// works. RFC 1813 allows a READ to return fewer bytes than asked without being at the end of the
// file; such a gap is filled by reading the rest of that range before moving on. A file that one
// READ holds whole (most small files) costs that one READ, whose post-op attributes (§3.3.6
// file_attributes) say what the file was after it was read.
import { setMaxListeners } from 'node:events';
import { FloeError } from '../../errors.js';
import type { Nfs3Client, OpContext, ReadResult } from './nfs3-procedures.js';
import type { Fattr3 } from './nfs3-types.js';

export interface PipelineOptions {
  readonly chunkSize: number;
  readonly depth: number;
  /**
   * The size the file had when listed. READs cover it; one READ past it is sent only when they end
   * exactly there (a READ that asks past the end already says whether the file grew), and more
   * when the server says the file goes on.
   */
  readonly sizeHint: number;
  /**
   * Called when the file was read from offset 0 by a single READ that reached the end, with the
   * attributes the server sent with it: the file as it was after its bytes were read.
   */
  readonly onWholeFileAttributes?: (attributes: Fattr3) => void;
}

/**
 * The reason a finished stream aborts what it still has in flight. Given, so abort() does not
 * build a DOMException with a stack for every file read (16 us each, per small file).
 */
const STREAM_DONE = Object.freeze(new Error('the read stream is done'));

interface InFlight {
  readonly offset: number;
  readonly count: number;
  readonly result: Promise<ReadResult>;
}

export async function* pipelinedRead(nfs: Nfs3Client, fh: Buffer, offset: number, options: PipelineOptions, outerCtx: OpContext): AsyncGenerator<Buffer> {
  // One signal of our own for this stream's READs: the caller's signal gets a single listener
  // however deep the pipeline, and a consumer that stops early cancels what is still in flight.
  const stop = new AbortController();
  setMaxListeners(options.depth * 2 + 16, stop.signal);
  const outer = outerCtx.signal;
  const onOuterAbort = (): void => stop.abort();
  if (outer?.aborted) stop.abort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const ctx: OpContext = { path: outerCtx.path, signal: stop.signal };
  try {
    yield* readInOrder(nfs, fh, offset, options, ctx);
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
    stop.abort(STREAM_DONE);
  }
}

async function* readInOrder(nfs: Nfs3Client, fh: Buffer, offset: number, options: PipelineOptions, ctx: OpContext): AsyncGenerator<Buffer> {
  const queue: InFlight[] = [];
  let next = offset;
  let beyondHint = 0;

  const issue = (): void => {
    const result = nfs.read(fh, next, options.chunkSize, ctx);
    result.catch(() => undefined); // consumed (or abandoned) below; never an unhandled rejection
    queue.push({ offset: next, count: options.chunkSize, result });
    if (next >= options.sizeHint) beyondHint++;
    next += options.chunkSize;
  };
  let issued = 0;
  // READs cover the listed size; one more asks past it when they end exactly there (or the read
  // starts past it). `growing`: the server said the file goes on past what was asked, so the next
  // READ goes out, one at a time.
  const fill = (growing = false): void => {
    while (queue.length < options.depth && (next < options.sizeHint || (beyondHint === 0 && (next === options.sizeHint || growing || issued === 0)))) {
      issue();
      issued++;
    }
  };
  const checkAbort = (): void => {
    if (ctx.signal?.aborted) throw new FloeError('CANCELLED', `read of '${ctx.path}' cancelled`);
  };

  fill();
  while (queue.length > 0) {
    const head = queue.shift()!;
    if (head.offset >= options.sizeHint) beyondHint--;
    fill();
    const { data, eof, attributes } = await head.result;
    checkAbort();
    if (data.length > 0) yield data;
    if (eof || data.length === 0) {
      if (eof && issued === 1 && offset === 0 && attributes !== undefined) options.onWholeFileAttributes?.(attributes);
      return;
    }
    // A short READ that is not at the end of the file: read the rest of this range in order.
    let position = head.offset + data.length;
    const end = head.offset + head.count;
    while (position < end) {
      const more = await nfs.read(fh, position, end - position, ctx);
      checkAbort();
      if (more.data.length > 0) yield more.data;
      if (more.eof || more.data.length === 0) return;
      position += more.data.length;
    }
    // The file grew beyond what it was listed with: keep reading until the server says EOF.
    if (queue.length === 0) fill(true);
  }
}

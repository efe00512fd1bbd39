// Pipelined sequential READs (RFC 1813 §3.3.6): keep `depth` READs of `chunkSize` bytes in flight
// on one connection and yield their data in file order, so the link stays busy while the consumer
// works. RFC 1813 allows a READ to return fewer bytes than asked without being at the end of the
// file; such a gap is filled by reading the rest of that range before moving on.
import { setMaxListeners } from 'node:events';
import { FloeError } from '../../errors.js';
import type { Nfs3Client, OpContext, ReadResult } from './nfs3-procedures.js';

export interface PipelineOptions {
  readonly chunkSize: number;
  readonly depth: number;
  /** The size the file had when listed: at most one READ is sent beyond it, to learn of growth. */
  readonly sizeHint: number;
}

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
    stop.abort();
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
  const fill = (): void => {
    while (queue.length < options.depth && (next < options.sizeHint || beyondHint === 0)) issue();
  };
  const checkAbort = (): void => {
    if (ctx.signal?.aborted) throw new FloeError('CANCELLED', `read of '${ctx.path}' cancelled`);
  };

  fill();
  while (queue.length > 0) {
    const head = queue.shift()!;
    if (head.offset >= options.sizeHint) beyondHint--;
    fill();
    const { data, eof } = await head.result;
    checkAbort();
    if (data.length > 0) yield data;
    if (eof || data.length === 0) return;
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
    if (queue.length === 0) fill();
  }
}

// A file's content into an NFS file handle (RFC 1813 §3.3.7, §3.3.21): WRITEs of `blockSize`
// bytes sent UNSTABLE, `depth` in flight, and a COMMIT after every `windowBytes`. The COMMIT's write
// verifier is compared with every WRITE's of the window: a different one means the server
// restarted and may have lost what it had not made stable, so the window is sent again, read anew
// from the journal from its first byte. Only committed bytes count as written (`onCommitted`),
// which is what a resumed put may skip; a file that one WRITE holds is sent FILE_SYNC instead, with
// no COMMIT (one call less for each small file). Blocks of zeros aligned to HOLE_BLOCK are not sent: the
// file is extended to its size at the end by the caller (SETATTR size), so holes stay holes.
import { FloeError } from '../../errors.js';
import type { OpContext } from '../../sources/nfs/nfs3-procedures.js';
import { STABLE_HOW, type Nfs3WriteClient, type WriteResult } from '../../sources/nfs/nfs3-write-procedures.js';
import type { OpenContent } from '../destination.js';

const HOLE_BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

export interface WriterOptions {
  readonly blockSize: number;
  readonly depth: number;
  readonly windowBytes: number;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((bytes: number) => void) | undefined;
  /** Bytes up to `offset` are on the server's stable storage. */
  readonly onCommitted?: ((offset: number) => void | Promise<void>) | undefined;
}

export interface WriteOutcome {
  /** One past the last byte sent: less than the size when the file ends in a hole. */
  readonly end: number;
  /** Bytes sent again after a verifier change. */
  readonly resentBytes: number;
  readonly verifierChanges: number;
}

/** Writes bytes [from, size) of `content` into `fh` and commits them. */
export async function writeContent(nfs: Nfs3WriteClient, fh: Buffer, content: OpenContent, from: number, size: number, options: WriterOptions, ctx: OpContext): Promise<WriteOutcome> {
  let committed = from;
  let end = from;
  let resentBytes = 0;
  let verifierChanges = 0;
  // Bytes reported as progress: a window sent again counts none twice.
  let reported = from;
  // One stream for the whole file; opened again only where a window must be sent again.
  let pieces: AsyncIterator<Buffer> | undefined;
  let carry: Buffer | undefined;
  let window: Window | undefined;
  const closeStream = async (): Promise<void> => {
    const open = pieces;
    pieces = undefined;
    carry = undefined;
    await open?.return?.();
  };
  const next = async (): Promise<Buffer | undefined> => {
    if (carry !== undefined) {
      const piece = carry;
      carry = undefined;
      return piece;
    }
    pieces ??= content(committed, options.signal)[Symbol.asyncIterator]();
    const r = await pieces.next();
    return r.done === true ? undefined : r.value;
  };
  try {
    while (committed < size) {
      const windowStart = committed;
      // A file (or its rest) that one WRITE holds goes FILE_SYNC: stable when answered, no COMMIT.
      window = new Window(nfs, fh, options, ctx, size - windowStart <= options.blockSize ? STABLE_HOW.FILE_SYNC : STABLE_HOW.UNSTABLE);
      let position = windowStart;
      const windowEnd = Math.min(size, windowStart + options.windowBytes);
      while (position < windowEnd) {
        const block = Buffer.allocUnsafe(Math.min(options.blockSize, windowEnd - position));
        let filled = 0;
        while (filled < block.length) {
          const piece = await next();
          if (piece === undefined) break;
          if (position + filled + piece.length > size) throw new FloeError('INVALID_ARGUMENT', `content is longer than the entry's size ${size}`);
          const take = Math.min(piece.length, block.length - filled);
          piece.copy(block, filled, 0, take);
          filled += take;
          if (take < piece.length) carry = piece.subarray(take);
        }
        if (filled === 0) throw new FloeError('INVALID_ARGUMENT', `content ended at byte ${position}, but the entry's size is ${size}`);
        // The block is the WRITE's until it is answered (a retransmission encodes it again).
        await window.send(block.subarray(0, filled), position);
        position += filled;
        end = Math.max(end, position);
        if (position > reported) {
          options.onProgress?.(position - reported);
          reported = position;
        }
      }
      const writeVerifiers = await window.drain();
      const stable = window.allFileSync;
      window = undefined;
      if (stable) {
        committed = position;
        await options.onCommitted?.(committed);
        continue;
      }
      const verifier = await nfs.commit(fh, windowStart, position - windowStart, ctx);
      if (writeVerifiers.some((v) => !v.equals(verifier))) {
        // The server restarted since some of these WRITEs: what it held unstable may be gone.
        verifierChanges++;
        resentBytes += position - windowStart;
        await closeStream();
        continue;
      }
      committed = position;
      await options.onCommitted?.(committed);
    }
  } catch (err) {
    // Keep what was written: commit it and say how far it goes, so a retry resumes there.
    const written = window;
    if (written !== undefined && !(err instanceof FloeError && err.code === 'CANCELLED')) {
      await written
        .settle()
        .then(async (range) => {
          if (range === undefined || range.end <= committed) return;
          const verifier = await nfs.commit(fh, committed, 0, ctx);
          if (range.verifiers.every((v) => v.equals(verifier)) && range.contiguousFrom === committed) await options.onCommitted?.(range.end);
        })
        .catch(() => undefined);
    }
    throw err;
  } finally {
    await closeStream().catch(() => undefined);
  }
  return { end, resentBytes, verifierChanges };
}

/** The WRITEs of one commit window, at most `depth` in flight. */
class Window {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #verifiers: Buffer[] = [];
  /** Ranges the server took, [start, end), to find how far they reach without a gap. */
  readonly #taken: Array<[number, number]> = [];
  #failure: unknown;
  /** Every WRITE was answered FILE_SYNC (or nothing was sent): nothing to COMMIT. */
  allFileSync = true;

  constructor(
    private readonly nfs: Nfs3WriteClient,
    private readonly fh: Buffer,
    private readonly options: WriterOptions,
    private readonly ctx: OpContext,
    private readonly stable: number = STABLE_HOW.UNSTABLE,
  ) {}

  /** Sends `data` at `offset`, leaving out aligned blocks of zeros; waits while `depth` WRITEs are out. */
  async send(data: Buffer, offset: number): Promise<void> {
    let start = 0;
    let at = 0;
    while (at < data.length) {
      const stop = Math.min(data.length, at + HOLE_BLOCK - ((offset + at) % HOLE_BLOCK));
      if (stop - at === HOLE_BLOCK && data.subarray(at, stop).equals(ZEROS)) {
        if (at > start) await this.#write(data.subarray(start, at), offset + start);
        this.#taken.push([offset + at, offset + stop]); // a hole: reads as zeros once the file reaches past it
        start = stop;
      }
      at = stop;
    }
    if (start < data.length) await this.#write(data.subarray(start), offset + start);
  }

  /** Waits for every WRITE; their verifiers. */
  async drain(): Promise<Buffer[]> {
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
    return this.#verifiers;
  }

  /**
   * After a failure: waits for what is still out, then says how far the bytes the server took
   * reach from the window's first one without a gap (holes left out count as taken), and their verifiers.
   */
  async settle(): Promise<{ contiguousFrom: number; end: number; verifiers: Buffer[] } | undefined> {
    await Promise.allSettled(this.#inFlight);
    if (this.#taken.length === 0) return undefined;
    const ranges = [...this.#taken].sort((x, y) => x[0] - y[0]);
    const start = ranges[0]![0];
    let end = start;
    for (const [s, e] of ranges) {
      if (s > end) break;
      end = Math.max(end, e);
    }
    return { contiguousFrom: start, end, verifiers: this.#verifiers };
  }

  async #write(data: Buffer, offset: number): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.options.signal?.aborted) throw new FloeError('CANCELLED', `write of '${this.ctx.path}' cancelled`);
    while (this.#inFlight.size >= this.options.depth) {
      await Promise.race(this.#inFlight);
      if (this.#failure !== undefined) throw this.#failure;
    }
    const task = this.#writeAll(data, offset).then(
      () => undefined,
      (err: unknown) => {
        this.#failure ??= err;
      },
    );
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  /** A WRITE may take fewer bytes than sent (§3.3.7 count): the rest goes in another. */
  async #writeAll(data: Buffer, offset: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const result: WriteResult = await this.nfs.write(this.fh, offset + done, data.subarray(done), this.stable, this.ctx);
      // A server may answer a FILE_SYNC request with less (RFC 1813 §3.3.7 committed): then COMMIT.
      if (result.committed !== STABLE_HOW.FILE_SYNC) this.allFileSync = false;
      if (result.count === 0) throw new FloeError('DESTINATION_IO', `WRITE '${this.ctx.path}': the server took 0 of ${data.length - done} bytes`);
      this.#verifiers.push(result.verifier);
      this.#taken.push([offset + done, offset + done + result.count]);
      done += result.count;
    }
  }
}

// A file's content into an NFS file handle (RFC 1813 §3.3.7, §3.3.21): WRITEs of `blockSize`
// bytes sent UNSTABLE, `depth` in flight, and a COMMIT after every `windowBytes`. The COMMIT's write
// verifier is compared with every WRITE's of the window: a different one means the server
// restarted and may have lost what it had not made stable, so the window is sent again, read anew
// from the journal from its first byte. Only committed bytes count as written (`onCommitted`),
// which is what a resumed put may skip. Blocks of zeros aligned to HOLE_BLOCK are not sent: the
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
  // Bytes of the current window sent before: a window sent again counts no progress twice.
  let reported = from;
  while (committed < size) {
    const windowStart = committed;
    const window = new Window(nfs, fh, options, ctx);
    let position = windowStart;
    let block = Buffer.allocUnsafe(Math.min(options.blockSize, size - position));
    let filled = 0;
    const send = async (): Promise<void> => {
      await window.send(block.subarray(0, filled), position - filled);
      end = Math.max(end, position);
      if (position > reported) {
        options.onProgress?.(position - reported);
        reported = position;
      }
    };
    for await (const piece of content(windowStart, options.signal)) {
      if (position + piece.length > size) throw new FloeError('INVALID_ARGUMENT', `content is longer than the entry's size ${size}`);
      let rest = piece;
      while (rest.length > 0) {
        const take = Math.min(rest.length, block.length - filled);
        rest.copy(block, filled, 0, take);
        filled += take;
        position += take;
        rest = rest.subarray(take);
        if (filled === block.length) {
          await send();
          filled = 0;
          if (position - windowStart >= options.windowBytes || position === size) break;
          block = Buffer.allocUnsafe(Math.min(options.blockSize, size - position));
        }
      }
      if (position - windowStart >= options.windowBytes || position === size) break;
    }
    if (filled > 0) await send();
    if (position === windowStart) throw new FloeError('INVALID_ARGUMENT', `content ended at byte ${position}, but the entry's size is ${size}`);
    const writeVerifiers = await window.drain();
    const verifier = await nfs.commit(fh, windowStart, position - windowStart, ctx);
    if (writeVerifiers.some((v) => !v.equals(verifier))) {
      // The server restarted since some of these WRITEs: what it held unstable may be gone.
      verifierChanges++;
      resentBytes += position - windowStart;
      continue;
    }
    committed = position;
    await options.onCommitted?.(committed);
  }
  if (from === size) return { end: size, resentBytes, verifierChanges };
  return { end, resentBytes, verifierChanges };
}

/** The WRITEs of one commit window, at most `depth` in flight. */
class Window {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #verifiers: Buffer[] = [];
  #failure: unknown;

  constructor(
    private readonly nfs: Nfs3WriteClient,
    private readonly fh: Buffer,
    private readonly options: WriterOptions,
    private readonly ctx: OpContext,
  ) {}

  /** Sends `data` at `offset`, leaving out aligned blocks of zeros; waits while `depth` WRITEs are out. */
  async send(data: Buffer, offset: number): Promise<void> {
    let start = 0;
    let at = 0;
    while (at < data.length) {
      const stop = Math.min(data.length, at + HOLE_BLOCK - ((offset + at) % HOLE_BLOCK));
      if (stop - at === HOLE_BLOCK && data.subarray(at, stop).equals(ZEROS)) {
        if (at > start) await this.#write(data.subarray(start, at), offset + start);
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
      const result: WriteResult = await this.nfs.write(this.fh, offset + done, data.subarray(done), STABLE_HOW.UNSTABLE, this.ctx);
      if (result.count === 0) throw new FloeError('DESTINATION_IO', `WRITE '${this.ctx.path}': the server took 0 of ${data.length - done} bytes`);
      this.#verifiers.push(result.verifier);
      done += result.count;
    }
  }
}

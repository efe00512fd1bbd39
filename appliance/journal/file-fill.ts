// A file's plaintext written straight into the caller's buffers, block after block (an upload's
// parts): each large chunk that lies whole inside a block is opened by a crypto worker directly
// into it, so the plaintext is not copied again on the event loop; a chunk across a block's end,
// and a small one, is opened as Journal.readFile opens it and copied. Every check of readFile is
// made: each chunk's tag and SHA-256 and, read from offset 0, the whole file's SHA-256, whose
// mismatch fails the block holding the last byte.
import { WORKER_MIN_BYTES } from '../crypto/crypto-workers.js';
import type { StreamingHash } from '../crypto/hash-pool.js';
import { FloeError } from '../errors.js';
import type { ChunkRef, FileEntry } from './file-entry.js';

/** A chunk opened in memory the journal owns: `release` gives that memory back. */
export interface HeldChunk {
  readonly data: Buffer;
  readonly release: () => void;
}

/** What a FileFill needs of the journal. */
export interface ChunkSource {
  /** A chunk opened (in pooled shared memory when large) and checked. */
  chunk(ref: ChunkRef): Promise<HeldChunk>;
  /** A chunk's data written into `into` (exactly its size), checked. */
  chunkInto(ref: ChunkRef, into: Buffer): Promise<void>;
  /** A SHA-256 stream for the whole file. */
  wholeHash(size: number): StreamingHash;
}

/** Chunks opened ahead of the one a fill is copying or hashing: about 4 MiB of frames in memory. */
const OPENS_AHEAD = 3;

/** One chunk of a block: where it goes, and its open once started. */
interface Step {
  readonly ref: ChunkRef;
  readonly skip: number;
  readonly at: number;
  readonly length: number;
  /** Opened straight into the block (else opened aside, then copied). */
  readonly direct: boolean;
  opened: Promise<HeldChunk | undefined> | undefined;
}

/** The rest of a chunk that ran past the last block's end, kept for the next block. */
interface Carry {
  readonly held: HeldChunk;
  rest: Buffer;
}

export class FileFill {
  readonly #entry: FileEntry;
  readonly #source: ChunkSource;
  readonly #wanted: ReadonlyArray<{ ref: ChunkRef; skip: number }>;
  /** The whole file's SHA-256, when read from offset 0 and of more than one chunk. */
  readonly #whole: StreamingHash | null;
  readonly #single: ChunkRef | undefined;
  #next = 0;
  #carry: Carry | undefined;
  #failed = false;

  constructor(entry: FileEntry, offset: number, source: ChunkSource) {
    this.#entry = entry;
    this.#source = source;
    this.#wanted = chunksFrom(entry, offset);
    // A file of one chunk is that chunk: its id, whose SHA-256 every open checks, is the file's hash.
    this.#single = offset === 0 && entry.chunks.length === 1 ? entry.chunks[0] : undefined;
    this.#whole = offset === 0 && entry.chunks.length !== 1 ? source.wholeHash(entry.size) : null;
  }

  /** True once every byte of the file was written into a block. */
  get atEnd(): boolean {
    return this.#carry === undefined && this.#next === this.#wanted.length;
  }

  /**
   * Fills `block` with the next `block.length` bytes. When it settles, no worker writes into the
   * block and no hash reads it any more, whether it succeeded or not; after a failure the fill is
   * unusable.
   */
  async fill(block: Buffer, signal?: AbortSignal): Promise<void> {
    if (this.#failed) throw new Error('a failed FileFill cannot fill again');
    signal?.throwIfAborted();
    // Each step, in file order: a chunk opened into the block, or one opened aside and copied. At
    // most OPENS_AHEAD are opened ahead of the one being settled, whatever the block's size.
    const steps: Step[] = [];
    const hashed: Array<Promise<void>> = [];
    const hash = (bytes: Buffer): Promise<void> => {
      const p = Promise.resolve(this.#whole?.updateShared(bytes));
      p.catch(() => undefined); // awaited below, maybe only after a later step failed
      hashed.push(p);
      return p;
    };
    let at = 0;
    let started = 0;
    const startUpTo = (limit: number): void => {
      for (; started < Math.min(limit, steps.length); started++) {
        const step = steps[started]!;
        step.opened = step.direct ? this.#source.chunkInto(step.ref, block.subarray(step.at, step.at + step.length)).then(() => undefined) : this.#source.chunk(step.ref);
        step.opened.catch(() => undefined);
      }
    };
    try {
      if (this.#carry !== undefined) at = this.#takeCarry(block);
      for (let planned = at; planned < block.length && this.#next < this.#wanted.length; ) {
        const { ref, skip } = this.#wanted[this.#next++]!;
        const length = ref.size - skip;
        const direct = skip === 0 && planned + length <= block.length && ref.size >= WORKER_MIN_BYTES;
        steps.push({ ref, skip, at: planned, length, direct, opened: undefined });
        planned += length;
      }
      // Settle in order: the whole-file hash takes the bytes in file order.
      for (const [i, step] of steps.entries()) {
        startUpTo(i + 1 + OPENS_AHEAD);
        signal?.throwIfAborted();
        const held = await step.opened;
        if (held === undefined) {
          // A block in ordinary memory is copied into the hash's stage: wait, so that the next
          // piece is posted after all of this one.
          const done = hash(block.subarray(step.at, step.at + step.length));
          if (!(block.buffer instanceof SharedArrayBuffer)) await done;
          at = step.at + step.length;
          continue;
        }
        const data = held.data.subarray(step.skip);
        const hashedData = hash(data);
        if (!(data.buffer instanceof SharedArrayBuffer)) await hashedData;
        const n = Math.min(data.length, block.length - at);
        data.copy(block, at, 0, n);
        at += n;
        // The chunk's memory goes back once the whole-file hash has read it.
        const release = (): void => void hashedData.then(held.release, held.release);
        if (n < data.length) this.#carry = { held: { data: held.data, release }, rest: data.subarray(n) };
        else release();
      }
      await Promise.all(hashed);
      if (at < block.length) throw new FloeError('INVALID_ARGUMENT', `content ended ${block.length - at} bytes before the block's end, at the entry's size ${this.#entry.size}`);
      if (this.atEnd) await this.#checkWhole();
    } catch (err) {
      this.#failed = true;
      // Nothing may write into the block or read it once this returns: wait for every open and
      // hash, then give back what they hold (a chunk's release runs once however often called).
      await Promise.allSettled(hashed);
      for (const step of steps.slice(0, started)) (await step.opened!.catch(() => undefined))?.release();
      this.close();
      throw err;
    }
  }

  /** Gives back what the fill holds (a chunk carried over, the hash stream). */
  close(): void {
    this.#carry?.held.release();
    this.#carry = undefined;
    this.#whole?.dispose();
  }

  #takeCarry(block: Buffer): number {
    const carry = this.#carry!;
    const n = Math.min(carry.rest.length, block.length);
    carry.rest.copy(block, 0, 0, n);
    carry.rest = carry.rest.subarray(n);
    if (carry.rest.length === 0) {
      carry.held.release();
      this.#carry = undefined;
    }
    return n;
  }

  async #checkWhole(): Promise<void> {
    const content = this.#single !== undefined ? this.#single.sha256 : this.#whole !== null ? await this.#whole.digest() : undefined;
    if (content !== undefined && !content.equals(this.#entry.sha256)) throw contentMismatch();
  }
}

/** A file whose chunks all check but whose whole content does not hash to the entry's SHA-256. */
export function contentMismatch(): FloeError {
  return new FloeError('CHECKSUM_MISMATCH', 'the file content does not match its recorded SHA-256');
}

/** The chunks holding a file's bytes from `offset`, with how many bytes of each come before it. */
export function chunksFrom(entry: Pick<FileEntry, 'chunks'>, offset: number): Array<{ ref: ChunkRef; skip: number }> {
  const wanted: Array<{ ref: ChunkRef; skip: number }> = [];
  let pos = 0;
  for (const ref of entry.chunks) {
    if (pos + ref.size > offset) wanted.push({ ref, skip: Math.max(0, offset - pos) });
    pos += ref.size;
  }
  return wanted;
}

// Reads an entry's plaintext in exact-size blocks from any offset, opening the journal stream
// again only when a block does not follow the previous one (a resumed upload skips parts). A block
// to fill in shared memory is filled by the content itself when it can (OpenContent.fill).
import { FloeError } from '../errors.js';
import type { ContentFill, OpenContent } from './destination.js';

export class ContentReader {
  readonly #open: OpenContent;
  readonly #size: number;
  readonly #signal: AbortSignal | undefined;
  #iterator: AsyncIterator<Buffer> | undefined;
  /** Offset of the next byte the iterator (plus `#pending`) yields. */
  #position = -1;
  #pending: Buffer | undefined;
  #filler: ContentFill | undefined;

  constructor(open: OpenContent, size: number, signal?: AbortSignal) {
    this.#open = open;
    this.#size = size;
    this.#signal = signal;
  }

  /**
   * Exactly `length` bytes from `offset`; fails when the content ends early or runs past `size`.
   * The bytes are copied into `into` when given (at least `length` long), else into a new buffer
   * unless one piece the caller may keep holds them all. Pieces in shared memory are the journal's,
   * valid until the next is asked for (OpenContent), so they are always copied.
   */
  async read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    if (into !== undefined && into.buffer instanceof SharedArrayBuffer && this.#open.fill !== undefined) return this.#fill(offset, into.subarray(0, length));
    if (offset !== this.#position || this.#iterator === undefined) await this.#reopen(offset);
    let target = into;
    let have = 0;
    while (have < length) {
      let piece = this.#pending;
      this.#pending = undefined;
      if (piece === undefined) {
        const next = await this.#iterator!.next();
        if (next.done) {
          throw new FloeError('INVALID_ARGUMENT', `content ended at byte ${offset + have}, but the entry's size is ${this.#size}`);
        }
        piece = next.value;
      }
      const take = Math.min(piece.length, length - have);
      if (take < piece.length) this.#pending = piece.subarray(take);
      if (target === undefined && have === 0 && take === length && !(piece.buffer instanceof SharedArrayBuffer)) {
        this.#position = offset + length;
        return piece.subarray(0, take);
      }
      target ??= Buffer.allocUnsafe(length);
      piece.copy(target, have, 0, take);
      have += take;
    }
    this.#position = offset + length;
    return (target ?? Buffer.alloc(0)).subarray(0, length);
  }

  /** Fails when the content holds more bytes than the entry's size (call after the last block). */
  async expectEnd(): Promise<void> {
    if (this.#position !== this.#size) return;
    if (this.#filler !== undefined && !this.#filler.atEnd) throw this.#tooLong();
    if (this.#iterator === undefined) return;
    if (this.#pending !== undefined && this.#pending.length > 0) throw this.#tooLong();
    for (;;) {
      const next = await this.#iterator.next();
      if (next.done) return;
      if (next.value.length > 0) throw this.#tooLong();
    }
  }

  async close(): Promise<void> {
    this.#filler?.close();
    this.#filler = undefined;
    const iterator = this.#iterator;
    this.#iterator = undefined;
    this.#pending = undefined;
    if (iterator?.return !== undefined) await iterator.return(undefined);
  }

  async #fill(offset: number, block: Buffer): Promise<Buffer> {
    if (offset !== this.#position || this.#filler === undefined) {
      await this.close();
      this.#filler = this.#open.fill!(offset);
      this.#position = offset;
    }
    try {
      await this.#filler.fill(block, this.#signal);
    } catch (err) {
      await this.close();
      throw err;
    }
    this.#position = offset + block.length;
    return block;
  }

  async #reopen(offset: number): Promise<void> {
    await this.close();
    this.#iterator = this.#open(offset, this.#signal)[Symbol.asyncIterator]();
    this.#position = offset;
  }

  #tooLong(): FloeError {
    return new FloeError('INVALID_ARGUMENT', `content is longer than the entry's size ${this.#size}`);
  }
}

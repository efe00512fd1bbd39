// Reads an entry's plaintext in exact-size blocks from any offset, opening the journal stream
// again only when a block does not follow the previous one (a resumed upload skips parts).
import { FloeError } from '../errors.js';
import type { OpenContent } from './destination.js';

export class ContentReader {
  readonly #open: OpenContent;
  readonly #size: number;
  readonly #signal: AbortSignal | undefined;
  #iterator: AsyncIterator<Buffer> | undefined;
  /** Offset of the next byte the iterator (plus `#pending`) yields. */
  #position = -1;
  #pending: Buffer | undefined;

  constructor(open: OpenContent, size: number, signal?: AbortSignal) {
    this.#open = open;
    this.#size = size;
    this.#signal = signal;
  }

  /** Exactly `length` bytes from `offset`; fails when the content ends early or runs past `size`. */
  async read(offset: number, length: number): Promise<Buffer> {
    if (offset !== this.#position || this.#iterator === undefined) await this.#reopen(offset);
    const pieces: Buffer[] = [];
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
      pieces.push(take === piece.length ? piece : piece.subarray(0, take));
      if (take < piece.length) this.#pending = piece.subarray(take);
      have += take;
    }
    this.#position = offset + length;
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
  }

  /** Fails when the content holds more bytes than the entry's size (call after the last block). */
  async expectEnd(): Promise<void> {
    if (this.#position !== this.#size || this.#iterator === undefined) return;
    if (this.#pending !== undefined && this.#pending.length > 0) throw this.#tooLong();
    for (;;) {
      const next = await this.#iterator.next();
      if (next.done) return;
      if (next.value.length > 0) throw this.#tooLong();
    }
  }

  async close(): Promise<void> {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    this.#pending = undefined;
    if (iterator?.return !== undefined) await iterator.return(undefined);
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

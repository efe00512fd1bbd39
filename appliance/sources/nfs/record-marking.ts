// ONC RPC record marking over TCP (RFC 5531 §11): each record is sent as fragments, each fragment
// preceded by a four-byte header whose highest bit marks the last fragment of the record and whose
// other 31 bits give the fragment's length.
import { FloeError } from '../../errors.js';

export const LAST_FRAGMENT = 0x80000000;
/** A record larger than this is not something NFSv3 sends us; treat it as a broken stream. */
export const MAX_RECORD = 64 * 1024 * 1024;

/**
 * Reassembles records from TCP chunks. A chunk is only read during `push`, so the socket can read
 * into one reused buffer: each record costs one allocation of its own size and one copy, and the
 * bytes in between cost none (a 1 MiB READ reply arrives in dozens of socket reads).
 */
export class RecordAssembler {
  private readonly header = Buffer.alloc(4);
  private headerFill = 0;
  /** Bytes left in the current fragment, or -1 while waiting for a fragment header. */
  private fragmentRemaining = -1;
  private lastFragment = false;
  private record: Buffer = Buffer.alloc(0);
  private recordLength = 0;

  constructor(private readonly onRecord: (record: Buffer) => void) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.fragmentRemaining < 0) {
        const n = Math.min(4 - this.headerFill, chunk.length - at);
        this.header.set(chunk.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill < 4) return;
        this.headerFill = 0;
        const word = this.header.readUInt32BE(0);
        this.lastFragment = (word & LAST_FRAGMENT) !== 0;
        this.fragmentRemaining = word & ~LAST_FRAGMENT & 0x7fffffff;
        if (this.recordLength + this.fragmentRemaining > MAX_RECORD) {
          throw new FloeError('SOURCE_PROTOCOL', `RPC record of more than ${MAX_RECORD} bytes: the stream is out of sync`);
        }
        this.reserve(this.recordLength + this.fragmentRemaining);
      }
      const n = Math.min(chunk.length - at, this.fragmentRemaining);
      this.record.set(chunk.subarray(at, at + n), this.recordLength);
      this.recordLength += n;
      this.fragmentRemaining -= n;
      at += n;
      if (this.fragmentRemaining > 0) return;
      this.fragmentRemaining = -1;
      if (this.lastFragment) {
        const record = this.record.subarray(0, this.recordLength);
        this.record = Buffer.alloc(0);
        this.recordLength = 0;
        this.lastFragment = false;
        this.onRecord(record);
      }
    }
  }

  /** Makes room for a record of `length` bytes; a record of many fragments grows as they come. */
  private reserve(length: number): void {
    if (this.record.length >= length) return;
    const grown = Buffer.allocUnsafe(length);
    this.record.copy(grown, 0, 0, this.recordLength);
    this.record = grown;
  }
}

/** Writes the single-fragment record mark into the first four bytes of `message`. */
export function markLastFragment(message: Buffer): Buffer {
  message.writeUInt32BE((LAST_FRAGMENT | (message.length - 4)) >>> 0, 0);
  return message;
}

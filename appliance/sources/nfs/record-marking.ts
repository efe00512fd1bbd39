// ONC RPC record marking over TCP (RFC 5531 §11): each record is sent as fragments, each fragment
// preceded by a four-byte header whose highest bit marks the last fragment of the record and whose
// other 31 bits give the fragment's length.
import { FloeError } from '../../errors.js';

export const LAST_FRAGMENT = 0x80000000;
/** A record larger than this is not something NFSv3 sends us; treat it as a broken stream. */
export const MAX_RECORD = 64 * 1024 * 1024;

/** Reassembles records from TCP chunks without copying more than once per record. */
export class RecordAssembler {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes left in the current fragment, or -1 while waiting for a fragment header. */
  private fragmentRemaining = -1;
  private lastFragment = false;
  private parts: Buffer[] = [];
  private recordLength = 0;

  constructor(private readonly onRecord: (record: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.fragmentRemaining < 0) {
        if (this.buffered < 4) return;
        const header = this.take(4);
        const word = header.length === 1 ? header[0]!.readUInt32BE(0) : Buffer.concat(header).readUInt32BE(0);
        this.lastFragment = (word & LAST_FRAGMENT) !== 0;
        this.fragmentRemaining = word & ~LAST_FRAGMENT & 0x7fffffff;
        if (this.recordLength + this.fragmentRemaining > MAX_RECORD) {
          throw new FloeError('SOURCE_PROTOCOL', `RPC record of more than ${MAX_RECORD} bytes: the stream is out of sync`);
        }
      }
      if (this.fragmentRemaining > 0) {
        if (this.buffered === 0) return;
        const n = Math.min(this.buffered, this.fragmentRemaining);
        for (const part of this.take(n)) this.parts.push(part);
        this.recordLength += n;
        this.fragmentRemaining -= n;
        if (this.fragmentRemaining > 0) return;
      }
      this.fragmentRemaining = -1;
      if (this.lastFragment) {
        const record = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.recordLength);
        this.parts = [];
        this.recordLength = 0;
        this.onRecord(record);
      }
    }
  }

  /** Removes `n` buffered bytes (n <= buffered) and returns them as views of the chunks. */
  private take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const head = this.chunks[0]!;
      if (head.length <= left) {
        out.push(head);
        this.chunks.shift();
        left -= head.length;
      } else {
        out.push(head.subarray(0, left));
        this.chunks[0] = head.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return out;
  }
}

/** Writes the single-fragment record mark into the first four bytes of `message`. */
export function markLastFragment(message: Buffer): Buffer {
  message.writeUInt32BE((LAST_FRAGMENT | (message.length - 4)) >>> 0, 0);
  return message;
}

// The catalog of one execution as the engine keeps it (docs/transfer.md, "The engine"): each file
// as the bytes of its encoded entry record (what its fingerprint hashes), its fingerprint and the
// seq of its record, packed into shared slabs. An entry held as objects (path, hash and chunk ids
// as buffers, a key and a fingerprint as strings) cost about 1.5 KB of heap; packed, a small file
// costs about 250 bytes, so the plan of a 200,000-file task (Snowcone's quota) stays near 50 MiB.
// Entries are decoded again when their turn comes.
import type { FileEntry } from '../journal/file-entry.js';
import { decodeFileEntry } from '../journal/records.js';

const SLAB_BYTES = 1024 * 1024;
const FINGERPRINT_BYTES = 32;

export class PlanTable {
  readonly #slabs: Buffer[] = [];
  #used = SLAB_BYTES;
  // One number per file in each: plain arrays of small integers and doubles stay unboxed.
  readonly #slab: number[] = [];
  readonly #offset: number[] = [];
  readonly #length: number[] = [];
  readonly #seq: number[] = [];

  get size(): number {
    return this.#seq.length;
  }

  /**
   * Adds a file: `record` is its encoded entry record (type byte included, as encodeFileEntry makes
   * it), `fingerprint` its SHA-256. Returns the file's index.
   */
  add(record: Uint8Array, fingerprint: Uint8Array, seq: bigint): number {
    if (fingerprint.length !== FINGERPRINT_BYTES) throw new RangeError('a fingerprint is 32 bytes');
    const need = record.length + FINGERPRINT_BYTES;
    if (this.#used + need > SLAB_BYTES) {
      this.#slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, need)));
      this.#used = 0;
    }
    const slab = this.#slabs.length - 1;
    const buf = this.#slabs[slab]!;
    buf.set(fingerprint, this.#used);
    buf.set(record, this.#used + FINGERPRINT_BYTES);
    this.#slab.push(slab);
    this.#offset.push(this.#used);
    this.#length.push(record.length);
    this.#seq.push(Number(seq));
    // A slab made for one oversized record is full; the next record starts a new one.
    this.#used = need > SLAB_BYTES ? SLAB_BYTES : this.#used + need;
    return this.#seq.length - 1;
  }

  /** The file's entry, decoded anew (its buffers belong to the caller). */
  entry(index: number): FileEntry {
    const start = this.#start(index) + FINGERPRINT_BYTES;
    // Skip the record's type byte: decodeFileEntry takes the body.
    return decodeFileEntry(this.#buf(index).subarray(start + 1, start + this.#length[index]!));
  }

  /** The file's fingerprint in hex (entryFingerprint of its entry). */
  fingerprint(index: number): string {
    const start = this.#start(index);
    return this.#buf(index).toString('hex', start, start + FINGERPRINT_BYTES);
  }

  /** The seq of the file's entry record in the journal. */
  seq(index: number): number {
    this.#start(index);
    return this.#seq[index]!;
  }

  #start(index: number): number {
    const offset = this.#offset[index];
    if (offset === undefined) throw new RangeError(`no file ${index} in a plan of ${this.size}`);
    return offset;
  }

  #buf(index: number): Buffer {
    return this.#slabs[this.#slab[index]!]!;
  }
}

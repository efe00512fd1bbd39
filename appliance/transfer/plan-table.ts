// The part of an execution's plan held in memory (docs/transfer.md, "The engine"): each file as the
// bytes of its encoded entry record (what its fingerprint hashes), its fingerprint, its class (what
// TRANSFERRING does with it), its sort key within the class and its ordinal in the catalog, packed
// into shared slabs. An entry held as objects (path, hash and chunk ids as buffers, a key and a
// fingerprint as strings) cost about 1.5 KB of heap; packed, a small file costs about 250 bytes.
// A plan larger than its memory budget writes full tables out as sorted runs (plan-spill.ts).
// Entries are decoded again when their turn comes.
import type { FileEntry } from '../journal/file-entry.js';
import { decodeFileEntry } from '../journal/records.js';

const SLAB_BYTES = 1024 * 1024;
export const FINGERPRINT_BYTES = 32;

export class PlanTable {
  readonly #slabs: Buffer[] = [];
  #used = SLAB_BYTES;
  #bytes = 0;
  // One number per file in each: plain arrays of small integers and doubles stay unboxed.
  readonly #slab: number[] = [];
  readonly #offset: number[] = [];
  readonly #length: number[] = [];
  readonly #class: number[] = [];
  readonly #sortKey: number[] = [];
  readonly #ordinal: number[] = [];

  get size(): number {
    return this.#offset.length;
  }

  /** Bytes of slabs allocated (the records and fingerprints; the per-file numbers add 48 bytes a file). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds a file: `record` is its encoded entry record (type byte included, as encodeFileEntry makes
   * it), `fingerprint` its SHA-256. Returns the file's index in this table.
   */
  add(record: Uint8Array, fingerprint: Uint8Array, sortKey: number, cls = 0, ordinal = this.size): number {
    if (fingerprint.length !== FINGERPRINT_BYTES) throw new RangeError('a fingerprint is 32 bytes');
    const need = record.length + FINGERPRINT_BYTES;
    if (this.#used + need > SLAB_BYTES) {
      this.#slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, need)));
      this.#bytes += Math.max(SLAB_BYTES, need);
      this.#used = 0;
    }
    const slab = this.#slabs.length - 1;
    const buf = this.#slabs[slab]!;
    buf.set(fingerprint, this.#used);
    buf.set(record, this.#used + FINGERPRINT_BYTES);
    this.#slab.push(slab);
    this.#offset.push(this.#used);
    this.#length.push(record.length);
    this.#class.push(cls);
    this.#sortKey.push(sortKey);
    this.#ordinal.push(ordinal);
    // A slab made for one oversized record is full; the next record starts a new one.
    this.#used = need > SLAB_BYTES ? SLAB_BYTES : this.#used + need;
    return this.size - 1;
  }

  /** The file's entry, decoded anew (its buffers belong to the caller). */
  entry(index: number): FileEntry {
    // Skip the record's type byte: decodeFileEntry takes the body.
    return decodeFileEntry(this.record(index).subarray(1));
  }

  /** The file's encoded entry record, type byte included (a view of the table's memory). */
  record(index: number): Buffer {
    const start = this.#start(index) + FINGERPRINT_BYTES;
    return this.#buf(index).subarray(start, start + this.#length[index]!);
  }

  /** The file's fingerprint in hex (entryFingerprint of its entry). */
  fingerprint(index: number): string {
    const start = this.#start(index);
    return this.#buf(index).toString('hex', start, start + FINGERPRINT_BYTES);
  }

  /** The file's fingerprint (a view of the table's memory). */
  fingerprintBytes(index: number): Buffer {
    const start = this.#start(index);
    return this.#buf(index).subarray(start, start + FINGERPRINT_BYTES);
  }

  sortKey(index: number): number {
    this.#start(index);
    return this.#sortKey[index]!;
  }

  cls(index: number): number {
    this.#start(index);
    return this.#class[index]!;
  }

  ordinal(index: number): number {
    this.#start(index);
    return this.#ordinal[index]!;
  }

  /** The table's indexes in plan order: by class, then sort key, then ordinal. */
  sorted(): number[] {
    const c = this.#class;
    const k = this.#sortKey;
    const o = this.#ordinal;
    return Array.from({ length: this.size }, (_, i) => i).sort((a, b) => c[a]! - c[b]! || k[a]! - k[b]! || o[a]! - o[b]!);
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

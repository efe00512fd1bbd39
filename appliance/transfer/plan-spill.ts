// Where a plan larger than its memory budget goes (docs/transfer.md, "A plan on disk"): sorted runs
// of plan entries in one scratch file on the journal's disk, sealed block by block with AES-256-GCM
// under a key made for this file that lives only in this process's memory. The file is unlinked as
// soon as it is open, so a crash leaves nothing behind and the disk never holds a readable name.
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AeadKey, NONCE_LENGTH } from '../crypto/aead.js';
import { randomId } from '../crypto/random.js';
import { SecretKey } from '../crypto/secret-key.js';
import { FloeError } from '../errors.js';
import { FINGERPRINT_BYTES } from './plan-table.js';

/** One file of a plan as a run holds it. `fingerprint` and `record` are views of the run's block. */
export interface PlanEntry {
  readonly cls: number;
  readonly sortKey: number;
  readonly ordinal: number;
  readonly fingerprint: Buffer;
  /** The encoded entry record, type byte included. */
  readonly record: Buffer;
}

interface Block {
  readonly offset: number;
  readonly length: number;
  readonly counter: number;
  readonly firstClass: number;
  readonly lastClass: number;
}

/** One sorted run: its blocks, in order. */
export interface SpillRun {
  readonly blocks: readonly Block[];
}

/** Plaintext bytes a block collects before it is sealed and written (one entry larger than this is a block alone). */
const BLOCK_BYTES = 64 * 1024;
/** Class (u8), sort key (f64), ordinal (f64), record length (u32); then the fingerprint and the record. */
const ENTRY_HEAD = 1 + 8 + 8 + 4;

export class PlanSpill {
  readonly #file: FileHandle;
  readonly #key: AeadKey;
  readonly runs: SpillRun[] = [];
  #end = 0;
  #blocks = 0;
  #closed = false;

  private constructor(file: FileHandle, key: AeadKey) {
    this.#file = file;
    this.#key = key;
  }

  /** A new spill file in `dir` (made 0700 if missing), already unlinked. */
  static async create(dir: string): Promise<PlanSpill> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `plan-${randomId()}`);
    const file = await open(path, 'wx+', 0o600);
    try {
      await unlink(path);
    } catch (err) {
      await file.close();
      throw err;
    }
    return new PlanSpill(file, new AeadKey(SecretKey.random()));
  }

  /** Bytes written so far (sealed). */
  get bytes(): number {
    return this.#end;
  }

  /** Writes one run: `entries` must come in plan order (class, sort key, ordinal). */
  async writeRun(entries: Iterable<PlanEntry>): Promise<void> {
    const blocks: Block[] = [];
    let parts: Buffer[] = [];
    let bytes = 0;
    let firstClass = -1;
    let lastClass = -1;
    const flush = async () => {
      if (parts.length === 0) return;
      blocks.push(await this.#writeBlock(Buffer.concat(parts, bytes), firstClass, lastClass));
      parts = [];
      bytes = 0;
      firstClass = -1;
    };
    for (const e of entries) {
      const head = Buffer.allocUnsafe(ENTRY_HEAD);
      head.writeUInt8(e.cls, 0);
      head.writeDoubleLE(e.sortKey, 1);
      head.writeDoubleLE(e.ordinal, 9);
      head.writeUInt32LE(e.record.length, 17);
      parts.push(head, e.fingerprint, e.record);
      bytes += ENTRY_HEAD + FINGERPRINT_BYTES + e.record.length;
      if (firstClass < 0) firstClass = e.cls;
      lastClass = e.cls;
      if (bytes >= BLOCK_BYTES) await flush();
    }
    await flush();
    this.runs.push({ blocks });
  }

  /** The entries of `run` in class `cls`, in the run's order; one block in memory at a time. */
  async *entries(run: SpillRun, cls: number): AsyncGenerator<PlanEntry> {
    for (const block of run.blocks) {
      if (block.lastClass < cls) continue;
      if (block.firstClass > cls) return;
      const plain = await this.#readBlock(block);
      for (let o = 0; o < plain.length; ) {
        const entryClass = plain.readUInt8(o);
        const length = plain.readUInt32LE(o + 17);
        const start = o + ENTRY_HEAD;
        o = start + FINGERPRINT_BYTES + length;
        if (entryClass < cls) continue;
        if (entryClass > cls) return;
        yield {
          cls: entryClass,
          sortKey: plain.readDoubleLE(start - ENTRY_HEAD + 1),
          ordinal: plain.readDoubleLE(start - ENTRY_HEAD + 9),
          fingerprint: plain.subarray(start, start + FINGERPRINT_BYTES),
          record: plain.subarray(start + FINGERPRINT_BYTES, o),
        };
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#key.dispose();
    await this.#file.close();
  }

  async #writeBlock(plain: Buffer, firstClass: number, lastClass: number): Promise<Block> {
    const counter = this.#blocks++;
    const offset = this.#end;
    // Each block has its own nonce (the key is this file's alone) and is bound to its place.
    const sealed = this.#key.seal(nonceFor(counter), plain, placeOf(offset));
    plain.fill(0);
    this.#end += sealed.length;
    for (let done = 0; done < sealed.length; ) {
      const { bytesWritten } = await this.#file.write(sealed, done, sealed.length - done, offset + done);
      if (bytesWritten === 0) throw new FloeError('INTERNAL', `the plan's scratch file could not grow past ${offset + done} bytes`);
      done += bytesWritten;
    }
    return { offset, length: sealed.length, counter, firstClass, lastClass };
  }

  async #readBlock(block: Block): Promise<Buffer> {
    if (this.#closed) throw new FloeError('INTERNAL', 'the plan was read after its execution closed it');
    const sealed = Buffer.allocUnsafe(block.length);
    const { bytesRead } = await this.#file.read(sealed, 0, block.length, block.offset);
    if (bytesRead !== block.length) throw new FloeError('INTERNAL', `the plan's scratch file ends at a block (${bytesRead} of ${block.length} bytes)`);
    try {
      return this.#key.open(nonceFor(block.counter), sealed, placeOf(block.offset));
    } catch (err) {
      throw new FloeError('INTERNAL', `a block of the plan's scratch file failed its check: ${(err as Error).message}`, { cause: err });
    }
  }
}

function nonceFor(counter: number): Buffer {
  const nonce = Buffer.alloc(NONCE_LENGTH);
  nonce.writeBigUInt64BE(BigInt(counter), NONCE_LENGTH - 8);
  return nonce;
}

function placeOf(offset: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(offset));
  return b;
}

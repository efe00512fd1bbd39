// The index of docs/journal-format.md §8: LevelDB, a cache of the segments. Keys are HMACs and
// values are sealed, so the index reveals no names, contents or content hashes.
import { Level } from 'level';
import { FloeError } from '../errors.js';
import type { FileEntry } from './file-entry.js';
import type { JournalKeys } from './journal-keys.js';
import { decodeFileEntry, encodeFileEntry, type JournalEvent } from './records.js';
import type { FrameLocation } from './segment-writer.js';

export interface IndexMeta {
  /** Every record with seq ≤ watermark is reflected in the index. */
  readonly watermark: bigint;
  /** Chain value after the watermark record. */
  readonly chainHead: Buffer;
  /** Where the record after the watermark starts. */
  readonly resumeSegment: number;
  readonly resumeOffset: number;
  readonly files: number;
  readonly logicalBytes: number;
  readonly chunks: number;
  readonly chunkBytes: number;
}

export interface CatalogRecord {
  readonly entry: FileEntry;
  readonly location: FrameLocation;
}

type Op = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

const META_KEY = Buffer.from('mstate', 'latin1');

// LevelDB (1.20, in classic-level) maps every table file it holds open into memory, and every page
// a lookup or the catalog's iteration touches counts in the daemon's RSS: with its defaults (1,000
// open tables of 2 MiB) RSS grew with the index, about 315 bytes per file, 389 MiB at 1,000,000
// files. 64 open tables of 1 MiB bound the mapped part to 64 MiB; a table beyond them is reopened
// when needed (docs/benchmarks/journal.md, "Journal catalog memory").
const TABLE_LIMITS = { maxOpenFiles: 64 + 10, maxFileSize: 1 << 20 };

export class IndexStore {
  readonly #db: Level<Uint8Array, Uint8Array>;
  readonly #keys: JournalKeys;

  private constructor(db: Level<Uint8Array, Uint8Array>, keys: JournalKeys) {
    this.#db = db;
    this.#keys = keys;
  }

  static async open(dir: string, keys: JournalKeys): Promise<IndexStore> {
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view', ...TABLE_LIMITS });
    try {
      await db.open();
    } catch (err) {
      throw new FloeError('JOURNAL_CORRUPT', `index cannot be opened: ${(err as Error).message}`, { cause: err });
    }
    return new IndexStore(db, keys);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  async readMeta(): Promise<IndexMeta | undefined> {
    const raw = await this.#db.get(META_KEY);
    if (raw === undefined) return undefined;
    const json = JSON.parse(this.#keys.openValue(META_KEY, Buffer.from(raw)).toString('utf8')) as Record<string, string | number>;
    return {
      watermark: BigInt(json.watermark!),
      chainHead: Buffer.from(String(json.chainHead), 'hex'),
      resumeSegment: Number(json.resumeSegment),
      resumeOffset: Number(json.resumeOffset),
      files: Number(json.files),
      logicalBytes: Number(json.logicalBytes),
      chunks: Number(json.chunks),
      chunkBytes: Number(json.chunkBytes),
    };
  }

  metaOp(meta: IndexMeta): Op {
    const json = JSON.stringify({ ...meta, watermark: meta.watermark.toString(), chainHead: meta.chainHead.toString('hex') });
    return { type: 'put', key: META_KEY, value: this.#keys.sealValue(META_KEY, Buffer.from(json, 'utf8')) };
  }

  chunkKey(chunkId: Buffer): Buffer {
    return this.#keys.indexKey('c', chunkId);
  }

  // getChunk and getFile look up in place (getSync): LevelDB answers a miss from its bloom filters
  // and a hit from tables it keeps mapped, in about a microsecond, where an asynchronous get costs
  // a trip through libuv's thread pool, 7-45 us of CPU, most of it waking a pool thread that on two
  // cores takes the event loop's core (docs/benchmarks/ingest.md, "Fewer thread-pool trips per file").
  async getChunk(chunkId: Buffer): Promise<FrameLocation | undefined> {
    const raw = this.#db.getSync(this.chunkKey(chunkId));
    return raw === undefined ? undefined : decodeLocation(Buffer.from(raw));
  }

  /** getChunk for many chunks in one call into LevelDB. */
  async getChunks(chunkIds: readonly Buffer[]): Promise<Array<FrameLocation | undefined>> {
    const raws = await this.#db.getMany(chunkIds.map((id) => this.chunkKey(id)));
    return raws.map((raw) => (raw === undefined ? undefined : decodeLocation(Buffer.from(raw))));
  }

  chunkOp(chunkId: Buffer, loc: FrameLocation): Op {
    return { type: 'put', key: this.chunkKey(chunkId), value: encodeLocation(loc) };
  }

  fileKey(path: Buffer): Buffer {
    return this.#keys.indexKey('f', path);
  }

  async getFile(path: Buffer): Promise<CatalogRecord | undefined> {
    const key = this.fileKey(path);
    const raw = this.#db.getSync(key);
    return raw === undefined ? undefined : this.#decodeCatalog(key, Buffer.from(raw));
  }

  fileOp(entry: FileEntry, loc: FrameLocation): Op {
    const key = this.fileKey(entry.path);
    const value = Buffer.concat([encodeLocation(loc), encodeFileEntry(entry).subarray(1)]);
    return { type: 'put', key, value: this.#keys.sealValue(key, value) };
  }

  fileDeleteOp(path: Buffer): Op {
    return { type: 'del', key: this.fileKey(path) };
  }

  eventOp(seq: bigint, event: JournalEvent): Op {
    const key = eventKey(seq);
    return { type: 'put', key, value: this.#keys.sealValue(key, Buffer.from(JSON.stringify(event), 'utf8')) };
  }

  async write(ops: Op[]): Promise<void> {
    if (ops.length > 0) await this.#db.batch(ops);
  }

  /** Every catalog record, in index order (not path order: keys are HMACs). Memory stays flat. */
  async *files(): AsyncGenerator<CatalogRecord> {
    for await (const [key, value] of this.#db.iterator({ gte: Buffer.from('f'), lt: Buffer.from('g') })) {
      yield this.#decodeCatalog(Buffer.from(key), Buffer.from(value));
    }
  }

  async *events(): AsyncGenerator<{ seq: bigint; event: JournalEvent }> {
    for await (const [key, value] of this.#db.iterator({ gte: Buffer.from('e'), lt: Buffer.from('f') })) {
      const k = Buffer.from(key);
      yield { seq: k.readBigUInt64BE(1), event: JSON.parse(this.#keys.openValue(k, Buffer.from(value)).toString('utf8')) as JournalEvent };
    }
  }

  #decodeCatalog(key: Buffer, sealed: Buffer): CatalogRecord {
    const plain = this.#keys.openValue(key, sealed);
    return { location: decodeLocation(plain.subarray(0, 24)), entry: decodeFileEntry(plain.subarray(24)) };
  }
}

function eventKey(seq: bigint): Buffer {
  const k = Buffer.alloc(9);
  k.write('e', 0, 'latin1');
  k.writeBigUInt64BE(seq, 1);
  return k;
}

function encodeLocation(loc: FrameLocation): Buffer {
  const b = Buffer.allocUnsafe(24);
  b.writeUInt32LE(loc.segment, 0);
  b.writeBigUInt64LE(BigInt(loc.offset), 4);
  b.writeUInt32LE(loc.length, 12);
  b.writeBigUInt64LE(loc.seq, 16);
  return b;
}

function decodeLocation(b: Buffer): FrameLocation {
  return { segment: b.readUInt32LE(0), offset: Number(b.readBigUInt64LE(4)), length: b.readUInt32LE(12), seq: b.readBigUInt64LE(16) };
}

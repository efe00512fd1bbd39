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

/** One version of a path in the history (§8): a file entry, or a tombstone (entry null). */
export interface HistoryRecord {
  readonly entry: FileEntry | null;
  readonly location: FrameLocation;
}

/** A recovery point (§8): an ingest execution that ended, where it ended in the journal. */
export interface PointRecord {
  /** The execution's id (TaskExecutionId). */
  readonly id: string;
  /** Seq of the execution's `task.execution.finished` event: the point covers every record up to it. */
  readonly seq: bigint;
  /** Chain value after that record (§11). */
  readonly chain: string;
  readonly taskId: string;
  readonly taskName: string;
  readonly status: string;
  readonly startTime: string;
  readonly endTime: string;
  /** Catalog entries of every type (folders included) and regular-file bytes when the point was applied. */
  readonly files: number;
  readonly bytes: number;
}

type Op = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

const META_KEY = Buffer.from('mstate', 'latin1');
/**
 * Version 2 adds the history (`h`) and the recovery points (`p`); version 3 the folder digests
 * (`d`). An index of version 2 is taken as it is (it has no digests, and its meta is written as
 * version 3 with the next batch); one of another version is rebuilt from the segments when the
 * journal opens (readMeta answers undefined). A floe that knows only version 2 rebuilds a version 3
 * index, so it never keeps a digest it would not invalidate.
 */
export const INDEX_VERSION = 3;
const UPGRADABLE_VERSIONS: readonly unknown[] = [2, INDEX_VERSION];
const HISTORY_ENTRY = 1;
const HISTORY_TOMBSTONE = 0;

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
    if (!UPGRADABLE_VERSIONS.includes(json.version)) return undefined;
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
    const json = JSON.stringify({ ...meta, version: INDEX_VERSION, watermark: meta.watermark.toString(), chainHead: meta.chainHead.toString('hex') });
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

  /** `key`: fileKey(path), when the caller has it already (each is an HMAC). */
  async getFile(path: Buffer, key = this.fileKey(path)): Promise<CatalogRecord | undefined> {
    const raw = this.#db.getSync(key);
    return raw === undefined ? undefined : this.#decodeCatalog(key, Buffer.from(raw));
  }

  fileOp(entry: FileEntry, loc: FrameLocation, key = this.fileKey(entry.path)): Op {
    const value = Buffer.concat([encodeLocation(loc), encodeFileEntry(entry).subarray(1)]);
    return { type: 'put', key, value: this.#keys.sealValue(key, value) };
  }

  fileDeleteOp(path: Buffer): Op {
    return { type: 'del', key: this.fileKey(path) };
  }

  folderDigestKey(folder: Buffer): Buffer {
    return this.#keys.indexKey('d', folder);
  }

  /** The digest of a folder's listing last found equal to the catalog (§8, "Folder digests"). */
  async getFolderDigest(folder: Buffer): Promise<Buffer | undefined> {
    const key = this.folderDigestKey(folder);
    const raw = this.#db.getSync(key);
    return raw === undefined ? undefined : this.#keys.openValue(key, Buffer.from(raw));
  }

  folderDigestOp(folder: Buffer, digest: Buffer): Op {
    const key = this.folderDigestKey(folder);
    return { type: 'put', key, value: this.#keys.sealValue(key, digest) };
  }

  eventOp(seq: bigint, event: JournalEvent): Op {
    const key = eventKey(seq);
    return { type: 'put', key, value: this.#keys.sealValue(key, Buffer.from(JSON.stringify(event), 'utf8')) };
  }

  /** `h` || HMAC("h" || path) || u64 seq (big-endian): versions of one path sort together, oldest first. */
  historyKey(path: Buffer, seq: bigint): Buffer {
    const k = Buffer.allocUnsafe(1 + 32 + 8);
    k.write('h', 0, 'latin1');
    this.#keys.indexKey('h', path).copy(k, 1, 1);
    k.writeBigUInt64BE(seq, 33);
    return k;
  }

  /** A version of a path: its entry, or a tombstone when `entry` is null. */
  historyOp(path: Buffer, loc: FrameLocation, entry: FileEntry | null): Op {
    const key = this.historyKey(path, loc.seq);
    const head = Buffer.from([entry === null ? HISTORY_TOMBSTONE : HISTORY_ENTRY]);
    const value = entry === null ? Buffer.concat([head, encodeLocation(loc)]) : Buffer.concat([head, encodeLocation(loc), encodeFileEntry(entry).subarray(1)]);
    return { type: 'put', key, value: this.#keys.sealValue(key, value) };
  }

  pointOp(point: PointRecord): Op {
    const key = pointKey(point.seq);
    return { type: 'put', key, value: this.#keys.sealValue(key, Buffer.from(JSON.stringify({ ...point, seq: point.seq.toString() }), 'utf8')) };
  }

  /** Every recovery point, oldest first. */
  async *points(): AsyncGenerator<PointRecord> {
    for await (const [key, value] of this.#db.iterator({ gte: Buffer.from('p'), lt: Buffer.from('q') })) {
      const k = Buffer.from(key);
      const json = JSON.parse(this.#keys.openValue(k, Buffer.from(value)).toString('utf8')) as PointRecord & { seq: string };
      yield { ...json, seq: BigInt(json.seq) };
    }
  }

  /**
   * The catalog as it was after record `seq`: for each path, its newest version with a seq at most
   * `seq`, unless that version is a tombstone. Decided from the keys, so only the versions kept are
   * opened. In index order; memory stays flat.
   */
  async *catalogAt(seq: bigint): AsyncGenerator<CatalogRecord> {
    let group: Buffer | undefined;
    let kept: { key: Buffer; value: Buffer } | undefined;
    const emit = (): CatalogRecord | undefined => {
      if (kept === undefined) return undefined;
      const version = this.#decodeHistory(kept.key, kept.value);
      kept = undefined;
      return version.entry === null ? undefined : { entry: version.entry, location: version.location };
    };
    for await (const [rawKey, value] of this.#db.iterator({ gte: Buffer.from('h'), lt: Buffer.from('i') })) {
      const key = Buffer.from(rawKey);
      if (group === undefined || key.compare(group, 0, 33, 0, 33) !== 0) {
        const record = emit();
        if (record !== undefined) yield record;
        group = key;
      }
      if (key.readBigUInt64BE(33) <= seq) kept = { key, value: Buffer.from(value) };
    }
    const record = emit();
    if (record !== undefined) yield record;
  }

  /** Every version of one path, oldest first. */
  async *pathHistory(path: Buffer): AsyncGenerator<HistoryRecord> {
    const first = this.historyKey(path, 0n);
    const last = this.historyKey(path, 0xffffffffffffffffn);
    for await (const [key, value] of this.#db.iterator({ gte: first, lte: last })) yield this.#decodeHistory(Buffer.from(key), Buffer.from(value));
  }

  #decodeHistory(key: Buffer, sealed: Buffer): HistoryRecord {
    const plain = this.#keys.openValue(key, sealed);
    const location = decodeLocation(plain.subarray(1, 25));
    return { location, entry: plain[0] === HISTORY_ENTRY ? decodeFileEntry(plain.subarray(25)) : null };
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

function pointKey(seq: bigint): Buffer {
  const k = Buffer.alloc(9);
  k.write('p', 0, 'latin1');
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

// The encrypted journal (docs/journal-format.md). Create or open it with the job's key ring;
// every write follows the ordering rules of §9, every read the checks of §9 "Reads".
import { mkdir, readFile, rm, stat, writeFile as fsWriteFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../crypto/hash.js';
import { sha256Stream } from '../crypto/hash-pool.js';
import { WORKER_MIN_BYTES, releaseSharedBuffer, sharedBuffer } from '../crypto/crypto-workers.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { randomBytes } from '../crypto/random.js';
import { FloeError } from '../errors.js';
import type { ChunkRef, FileEntry, FileMetadata } from './file-entry.js';
import { CHUNK_SIZE, DEFAULT_SEGMENT_LIMIT, JOURNAL_ID_LENGTH, SEGMENT_HEADER_LENGTH, segmentFileName } from './format.js';
import { FileFill, chunksFrom, contentMismatch } from './file-fill.js';
import { FrameReader } from './frame-reader.js';
import { fsyncDirectory } from '../fs-durable.js';
import { IndexApplier } from './index-applier.js';
import { IndexStore, type HistoryRecord, type IndexMeta, type PointRecord } from './index-store.js';
import { applyScannedRecord } from './journal-replay.js';
import { listSegments, scanJournal, type Problem } from './journal-scan.js';
import { JournalKeys } from './journal-keys.js';
import { chunkStream } from './chunk-stream.js';
import { CHUNK_PREFIX, RecordType, encodeEvent, encodeFileEntry, encodeTombstone, type JournalEvent } from './records.js';
import { SegmentWriter, type FrameLocation, type SegmentExtent } from './segment-writer.js';

export interface JournalOptions {
  /** Segment size limit in bytes (default 256 MiB). */
  readonly segmentLimit?: number;
  /**
   * Cut a torn tail off the newest segment on open (§9). Default true; false keeps every byte as
   * evidence, e.g. when a sealed device is opened at the facility.
   */
  readonly repairTornTail?: boolean;
}

export interface RecoveryReport {
  /** Bytes of torn tail cut off the newest segment. */
  readonly tornBytes: number;
  /** Records replayed into the index after its watermark. */
  readonly replayedRecords: number;
  /** The index was missing or unusable and was rebuilt from seq 1. */
  readonly rebuilt: boolean;
  /** Damage seen while replaying (verify gives the full picture). */
  readonly problems: readonly Problem[];
}

export interface JournalStats {
  readonly files: number;
  readonly logicalBytes: number;
  readonly chunks: number;
  readonly chunkBytes: number;
  /** Bytes of all segment files on disk. */
  readonly storedBytes: number;
  readonly segments: number;
  /** logicalBytes / chunkBytes (1 when nothing is stored). */
  readonly dedupRatio: number;
  readonly records: number;
}

export interface WriteOptions {
  readonly signal?: AbortSignal;
}

export type NewFile = FileMetadata & { readonly path: Buffer };

interface Descriptor {
  format: 'floe-journal';
  version: 1;
  journalId: string;
}

const READ_AHEAD = 3;
/** Chunk locations held ahead of their reads at most (about 100 bytes each). */
const MAX_KNOWN_LOCATIONS = 4096;
const CHUNKS_IN_FLIGHT = 4;

/** A chunk's block: in shared memory when a crypto worker will hash and seal it, else ordinary. */
function chunkBuffer(bytes: number): Buffer {
  return bytes >= WORKER_MIN_BYTES ? sharedBuffer(bytes) : Buffer.allocUnsafe(bytes);
}

export class Journal {
  readonly dir: string;
  readonly journalId: Buffer;
  readonly recovery: RecoveryReport;
  readonly #keys: JournalKeys;
  readonly #applier: IndexApplier;
  readonly #writer: SegmentWriter;
  readonly #reader: FrameReader;
  readonly #pending = new Map<string, Promise<FrameLocation>>();
  /** Chunk locations looked up ahead of their reads (prefetch), each used once. */
  readonly #known = new Map<string, FrameLocation>();
  #closed = false;

  private constructor(dir: string, journalId: Buffer, keys: JournalKeys, applier: IndexApplier, writer: SegmentWriter, recovery: RecoveryReport) {
    this.dir = dir;
    this.journalId = journalId;
    this.#keys = keys;
    this.#applier = applier;
    this.#writer = writer;
    this.#reader = new FrameReader(join(dir, 'segments'), journalId, keys);
    this.recovery = recovery;
  }

  static async exists(dir: string): Promise<boolean> {
    return stat(join(dir, 'JOURNAL')).then(
      () => true,
      () => false,
    );
  }

  /** Creates an empty journal in `dir` (§2) and opens it. */
  static async create(dir: string, ring: KeyRing, options: JournalOptions = {}): Promise<Journal> {
    if (await Journal.exists(dir)) throw new FloeError('CONFLICT', `a journal already exists in ${dir}`);
    await mkdir(join(dir, 'segments'), { recursive: true, mode: 0o700 });
    const descriptor: Descriptor = { format: 'floe-journal', version: 1, journalId: randomBytes(JOURNAL_ID_LENGTH).toString('hex') };
    const tmp = join(dir, 'JOURNAL.tmp');
    await fsWriteFile(tmp, JSON.stringify(descriptor) + '\n', { mode: 0o600, flush: true });
    const { rename } = await import('node:fs/promises');
    await rename(tmp, join(dir, 'JOURNAL'));
    await fsyncDirectory(dir);
    return Journal.open(dir, ring, options);
  }

  /** Opens a journal: replays what the index lacks, cuts a torn tail (§9), and starts a new segment. */
  static async open(dir: string, ring: KeyRing, options: JournalOptions = {}): Promise<Journal> {
    const descriptor = await readDescriptor(dir);
    const journalId = Buffer.from(descriptor.journalId, 'hex');
    const keys = new JournalKeys(ring, journalId);
    const segDir = join(dir, 'segments');
    const indexDir = join(dir, 'index');

    let store = await IndexStore.open(indexDir, keys);
    let meta: IndexMeta | undefined;
    try {
      meta = await store.readMeta();
    } catch {
      meta = undefined;
    }
    let rebuilt = meta === undefined;
    if (meta !== undefined && !(await metaFitsSegments(segDir, meta))) {
      meta = undefined;
      rebuilt = true;
    }
    if (meta === undefined) {
      await store.close();
      await rm(indexDir, { recursive: true, force: true });
      store = await IndexStore.open(indexDir, keys);
      meta = emptyMeta(journalId);
    }
    const applier = new IndexApplier(store, meta);
    const problems: Problem[] = [];
    const result = await scanJournal({
      dir: segDir,
      journalId,
      keys,
      start: { segment: meta.resumeSegment, offset: meta.resumeOffset, seq: meta.watermark + 1n, chain: meta.chainHead },
      repairTornTail: options.repairTornTail ?? true,
      onProblem: (p) => problems.push(p),
      onRecord: (r) => applyScannedRecord(applier, r, (p) => problems.push(p)),
    });
    await applier.flush();
    if (result.records === 0 && meta.watermark === 0n) {
      // Nothing readable at all: make sure it is not a wrong key on a journal that has records.
      const segs = await listSegments(segDir);
      if (segs.length > 0 && problems.some((p) => p.kind === 'unauthenticated')) {
        await store.close();
        throw new FloeError('UNAUTHENTICATED', 'the journal does not open with this key (wrong job data key?)');
      }
    }
    const segments = await listSegments(segDir);
    const extents: SegmentExtent[] = [];
    for (const n of segments) extents.push({ number: n, bytes: (await stat(join(segDir, segmentFileName(n)))).size, records: 0 });
    const writer = new SegmentWriter({
      dir: segDir,
      journalId,
      keys,
      nextSeq: result.nextSeq,
      nextSegment: (segments.at(-1) ?? 0) + 1,
      chainHead: result.chain,
      segmentLimit: options.segmentLimit ?? DEFAULT_SEGMENT_LIMIT,
      closedSegments: extents,
    });
    return new Journal(dir, journalId, keys, applier, writer, { tornBytes: result.tornBytes, replayedRecords: result.records, rebuilt, problems });
  }

  get keys(): JournalKeys {
    return this.#keys;
  }

  /** The seq the next record will get; nextSeq - 1 records exist. */
  get nextSeq(): bigint {
    return this.#writer.nextSeq;
  }

  get chainHead(): Buffer {
    return this.#writer.chainHead;
  }

  get segmentExtents(): readonly SegmentExtent[] {
    return this.#writer.extents;
  }

  /**
   * Writes one file, directory, symlink or device. Resolves when the file is committed: its
   * chunks and entry are durable and the index knows it (§9 rules 1-3): lookups see it at once,
   * LevelDB gets it with the next batch of index writes (flush() waits for that).
   */
  async writeFile(file: NewFile, content?: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<FileEntry> {
    this.#checkWritable();
    validateNewFile(file);
    // A large file's hashes run on a crypto worker, beside reading and encryption. A large chunk is
    // read into shared memory, where the workers hash it (its own SHA-256, its id, and its part of
    // the whole-file SHA-256 in one pass) and seal it in place; #storeChunk gives the buffer back.
    const whole = sha256Stream(file.type === 'file' ? file.size : 0);
    const refs: ChunkRef[] = [];
    const locations: Array<Promise<FrameLocation>> = [];
    const ownSeqs: Array<Promise<FrameLocation>> = [];
    let size = 0;
    try {
      if (file.type === 'file' && content !== undefined) {
        const inFlight: Array<Promise<unknown>> = [];
        for await (const block of chunkStream(content, CHUNK_SIZE, CHUNK_PREFIX, file.size, chunkBuffer)) {
          options.signal?.throwIfAborted();
          const data = block.subarray(CHUNK_PREFIX);
          const id = whole.updateAndDigest(data);
          size += data.length;
          const index = refs.length;
          refs.push({ sha256: Buffer.alloc(0), size: data.length });
          const task = this.#storeChunk(block, id, ownSeqs).then((r) => {
            refs[index] = { sha256: r.id, size: data.length };
            return r.location;
          });
          locations.push(task);
          inFlight.push(task);
          if (inFlight.length >= CHUNKS_IN_FLIGHT) await inFlight.shift();
        }
      }
      const all = await Promise.all(locations);
      options.signal?.throwIfAborted();
      const entry: FileEntry = {
        ...file,
        size: file.type === 'file' ? size : file.type === 'symlink' ? (file.target?.length ?? 0) : 0,
        sha256: await whole.digest(),
        chunks: refs,
      };
      // Rule 1: every chunk the entry names is durable before the entry is written.
      const newest = all.reduce((m, l) => (l.seq > m ? l.seq : m), 0n);
      if (newest > 0n) await this.#writer.waitDurable(newest);
      const { seq, written } = await this.#writer.append(encodeFileEntry(entry));
      const loc = await written;
      // Rule 2: the entry is durable before the index records it.
      await this.#writer.waitDurable(seq);
      await this.#applyOwnChunks(ownSeqs, refs);
      await this.#applier.applyFile(entry, loc);
      this.#markApplied(loc);
      // Committed (rule 2); LevelDB gets it with the next batch, the overlays answer until then.
      this.#applier.flushSoon();
      return entry;
    } catch (err) {
      whole.dispose();
      // Chunks already appended are orphans: index them once durable, so dedup can reuse them.
      void this.#settleOrphans(ownSeqs);
      throw err;
    }
  }

  /** Records that `path` no longer exists at the source. Returns false if it was not in the catalog. */
  async removeFile(path: Buffer, timeNs: bigint = BigInt(Date.now()) * 1_000_000n): Promise<boolean> {
    this.#checkWritable();
    const existing = await this.#applier.file(path);
    const { seq, written } = await this.#writer.append(encodeTombstone(path, timeNs));
    const loc = await written;
    await this.#writer.waitDurable(seq);
    await this.#applier.applyTombstone(path, loc);
    this.#markApplied(loc);
    this.#applier.flushSoon();
    return existing !== undefined;
  }

  /** Appends a durable event record (lifecycle, execution marker, delivery). Returns its seq. */
  async appendEvent(event: JournalEvent): Promise<bigint> {
    return this.appendRecord(encodeEvent(event), (seq) => this.#applier.applyEvent(seq, event, this.#chainAfter.get(seq)));
  }

  /** Appends any record plaintext durably and marks it applied (used by the seal). */
  async appendRecord(plaintext: Buffer, apply?: (seq: bigint) => void): Promise<bigint> {
    this.#checkWritable();
    const { seq, written } = await this.#writer.append(plaintext);
    const loc = await written;
    await this.#writer.waitDurable(seq);
    apply?.(seq);
    this.#markApplied(loc);
    this.#applier.flushSoon();
    return seq;
  }

  /** Waits until everything appended so far is durable, and everything applied is in the index. */
  async flush(): Promise<void> {
    const last = this.#writer.nextSeq - 1n;
    if (last > 0n) await this.#writer.waitDurable(last);
    await this.#applier.flush();
  }

  async getFile(path: Buffer): Promise<FileEntry | undefined> {
    this.#checkOpen();
    return (await this.#applier.file(path))?.entry;
  }

  /**
   * The digest of `folder`'s listing that was last found equal to the catalog (docs/journal-format.md
   * §8, "Folder digests"), unless an entry under the folder changed since: an ingest that lists the
   * folder again with the same digest knows every listed entry unchanged without looking each up.
   */
  async folderDigest(folder: Buffer): Promise<Buffer | undefined> {
    this.#checkOpen();
    return this.#applier.folderDigest(folder);
  }

  /**
   * Keeps `digest` for `folder`: the caller found every entry of the listing it hashes in the
   * catalog as listed, and nothing has been written under the folder since. A cache, as the index
   * is: it goes with the next batch, and a rebuilt index has none.
   */
  setFolderDigest(folder: Buffer, digest: Buffer): void {
    this.#checkOpen();
    this.#applier.applyFolderDigest(folder, digest);
    this.#applier.flushSoon();
  }

  /** Every current file entry (the catalog), in index order. Memory stays flat. */
  async *files(): AsyncGenerator<FileEntry> {
    this.#checkOpen();
    await this.#applier.flush();
    for await (const r of this.#applier.store.files()) yield r.entry;
  }

  /**
   * The catalog as files(), each entry with the sequence number of its record: records are written
   * in seq order, a file's new chunks just before its entry, so files sorted by seq read the journal
   * front to back (one pass over the disk at the facility, not a seek per file).
   */
  async *catalog(): AsyncGenerator<{ entry: FileEntry; seq: bigint }> {
    this.#checkOpen();
    await this.#applier.flush();
    for await (const r of this.#applier.store.files()) yield { entry: r.entry, seq: r.location.seq };
  }

  /** The recovery points (§8): every ingest execution that ended, oldest first. */
  async *points(): AsyncGenerator<PointRecord> {
    this.#checkOpen();
    await this.#applier.flush();
    yield* this.#applier.store.points();
  }

  /**
   * The catalog as it was at a point (after record `seq`), derived from the history: tombstones
   * respected, each entry with the seq of its record, as catalog(). Memory stays flat.
   */
  async *catalogAt(seq: bigint): AsyncGenerator<{ entry: FileEntry; seq: bigint }> {
    this.#checkOpen();
    await this.#applier.flush();
    for await (const r of this.#applier.store.catalogAt(seq)) yield { entry: r.entry, seq: r.location.seq };
  }

  /** Every version of `path` (entries and tombstones), oldest first. */
  async *history(path: Buffer): AsyncGenerator<HistoryRecord> {
    this.#checkOpen();
    await this.#applier.flush();
    yield* this.#applier.store.pathHistory(path);
  }

  async *events(): AsyncGenerator<{ seq: bigint; event: JournalEvent }> {
    this.#checkOpen();
    await this.#applier.flush();
    yield* this.#applier.store.events();
  }

  /**
   * Streams a file's content from `offset`. Each chunk is authenticated and hashed before it is
   * yielded; the whole-file SHA-256 is checked at the end when reading from offset 0. With
   * `transient`, a large chunk is opened in place in pooled shared memory and a yielded buffer in
   * shared memory is valid only until the next one is asked for, and read-only (copy what must be
   * kept longer).
   */
  async *readFile(entry: FileEntry, options: { offset?: number; signal?: AbortSignal; transient?: boolean } = {}): AsyncGenerator<Buffer> {
    this.#checkOpen();
    const offset = options.offset ?? 0;
    const transient = options.transient === true;
    // A file of one chunk is that chunk, whose SHA-256 readChunk checks: its whole-file hash is the
    // chunk's id, compared at the end instead of hashing the same bytes twice.
    const single = offset === 0 && entry.chunks.length === 1 ? entry.chunks[0]! : undefined;
    const whole = offset === 0 && single === undefined ? sha256Stream(entry.size) : null;
    const wanted = chunksFrom(entry, offset);
    type Held = { data: Buffer; release: () => void };
    const fetch = (ref: ChunkRef): Promise<Held> => this.#readChunk(ref, transient);
    const ahead: Array<Promise<Held>> = [];
    let next = 0;
    // The chunk last yielded, and the whole-file hash still reading it in place.
    let current: { held: Held; hashed: Promise<void> } | undefined;
    const giveBack = (c: { held: Held; hashed: Promise<void> }): void => void c.hashed.then(c.held.release, c.held.release);
    try {
      while (next < wanted.length || ahead.length > 0) {
        while (ahead.length < READ_AHEAD && next < wanted.length) {
          const p = fetch(wanted[next++]!.ref);
          p.catch(() => undefined);
          ahead.push(p);
        }
        options.signal?.throwIfAborted();
        const item = wanted[next - ahead.length]!;
        const held = await ahead.shift()!;
        const hashed = Promise.resolve(whole?.updateShared(held.data));
        hashed.catch(() => undefined);
        // Bytes in ordinary memory are the caller's once yielded: hash them first. Shared memory is
        // the journal's, read in place by the hash while the caller reads it too.
        if (!(held.data.buffer instanceof SharedArrayBuffer)) await hashed;
        current = { held, hashed };
        yield item.skip > 0 ? held.data.subarray(item.skip) : held.data;
        await current.hashed;
        giveBack(current);
        current = undefined;
      }
      const content = single !== undefined ? single.sha256 : whole !== null ? await whole.digest() : undefined;
      if (content !== undefined && !content.equals(entry.sha256)) throw contentMismatch();
    } finally {
      // A reader that stops early (or fails) leaves no stream open on a hash worker, and gives back
      // the chunks it holds once nothing reads them.
      whole?.dispose();
      if (current !== undefined) giveBack(current);
      for (const p of ahead) p.then((h) => h.release(), () => undefined);
    }
  }

  /**
   * A file's whole content in one buffer the caller keeps, with every check readFile makes: for the
   * small files of an import, one chunk read without a stream around it.
   */
  async readWhole(entry: FileEntry, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    this.#checkOpen();
    options.signal?.throwIfAborted();
    if (entry.chunks.length !== 1) {
      const pieces: Buffer[] = [];
      for await (const piece of this.readFile(entry, options)) pieces.push(piece);
      return Buffer.concat(pieces);
    }
    const ref = entry.chunks[0]!;
    const { data } = await this.#readChunk(ref, false);
    // One chunk: the whole-file SHA-256 is the chunk's id, whose hash the read checked.
    if (!ref.sha256.equals(entry.sha256)) throw contentMismatch();
    return data;
  }

  /**
   * A file's content from `offset` written into the caller's blocks (FileFill: an upload's parts),
   * with every check readFile makes; large chunks are opened by the crypto workers straight into
   * blocks in shared memory. Close it when done.
   */
  fillFile(entry: FileEntry, options: { offset?: number } = {}): FileFill {
    this.#checkOpen();
    return new FileFill(entry, options.offset ?? 0, {
      chunk: (ref) => this.#readChunk(ref, true),
      chunkInto: async (ref, into) => this.#reader.readChunkInto(await this.#locate(ref), ref.sha256, into),
      wholeHash: (size) => sha256Stream(size),
    });
  }

  /** Where a chunk of a file is; a chunk the index does not know is a corrupt journal. */
  async #locate(ref: ChunkRef): Promise<FrameLocation> {
    const loc = this.#chunkLocation(ref.sha256);
    return located(loc instanceof Promise ? await loc : loc);
  }

  /** One chunk of a file, checked (readChunk) and of the size the entry names. */
  async #readChunk(ref: ChunkRef, transient: boolean): Promise<{ data: Buffer; release: () => void }> {
    const loc = this.#chunkLocation(ref.sha256);
    // No await for a location already known (most small files of an import).
    const found = located(loc instanceof Promise ? await loc : loc);
    const held = await this.#reader.readChunk(found, ref.sha256, transient);
    if (held.data.length !== ref.size) {
      held.release();
      throw new FloeError('JOURNAL_CORRUPT', 'a chunk has the wrong size');
    }
    return held;
  }

  async stats(): Promise<JournalStats> {
    this.#checkOpen();
    const m = this.#applier.meta;
    const segDir = join(this.dir, 'segments');
    let storedBytes = 0;
    const segments = await listSegments(segDir);
    for (const n of segments) storedBytes += (await stat(join(segDir, segmentFileName(n)))).size;
    return {
      files: m.files,
      logicalBytes: m.logicalBytes,
      chunks: m.chunks,
      chunkBytes: m.chunkBytes,
      storedBytes,
      segments: segments.length,
      dedupRatio: m.chunkBytes === 0 ? 1 : m.logicalBytes / m.chunkBytes,
      records: Number(this.#writer.nextSeq - 1n),
    };
  }

  /** Closes the journal: flushes and fsyncs the segment, closes the index. Keys stay with the ring. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#writer.close();
      await this.#applier.flush();
    } finally {
      await this.#reader.close();
      await this.#applier.store.close();
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** For the seal and verify: the index applier. */
  get applier(): IndexApplier {
    return this.#applier;
  }

  /**
   * Stores one chunk unless the journal has it. Gives `block` back to the shared pool once hashed
   * and, if new, sealed; on a failure it is left to the collector (a worker may still read it).
   */
  async #storeChunk(block: Buffer, chunkId: Promise<Buffer> | Buffer, ownSeqs: Array<Promise<FrameLocation>>): Promise<{ id: Buffer; location: FrameLocation }> {
    const id = await chunkId;
    const hex = id.toString('hex');
    const pending = this.#pending.get(hex);
    if (pending !== undefined) {
      releaseSharedBuffer(block);
      return { id, location: await pending };
    }
    let settle!: (l: Promise<FrameLocation>) => void;
    const placeholder = new Promise<FrameLocation>((r) => (settle = r));
    this.#pending.set(hex, placeholder);
    try {
      const existing = await this.#applier.chunk(id);
      if (existing !== undefined) {
        settle(Promise.resolve(existing));
        this.#pending.delete(hex);
        releaseSharedBuffer(block);
        return { id, location: existing };
      }
      block[0] = RecordType.chunk;
      id.copy(block, 1);
      const { written } = await this.#writer.append(block);
      ownSeqs.push(written);
      settle(written);
      const location = await written;
      // Written means sealed: the writer is done with the plaintext.
      releaseSharedBuffer(block);
      return { id, location };
    } catch (err) {
      settle(Promise.reject(err));
      throw err;
    } finally {
      // The index (or the overlay) answers for this chunk once this file applies it; until then the
      // placeholder does. Keep it until applied: #applyOwnChunks removes it.
      void placeholder.catch(() => this.#pending.delete(hex));
    }
  }

  async #applyOwnChunks(ownSeqs: Array<Promise<FrameLocation>>, refs: readonly ChunkRef[]): Promise<void> {
    const locs = await Promise.all(ownSeqs);
    const bySeq = new Map<bigint, FrameLocation>(locs.map((l) => [l.seq, l]));
    for (const ref of refs) {
      const hex = ref.sha256.toString('hex');
      const loc = await this.#pending.get(hex);
      if (loc !== undefined && bySeq.has(loc.seq)) {
        // This file wrote the chunk after finding it in neither the index nor the pending map.
        await this.#applier.applyChunk(ref.sha256, ref.size, loc, { known: 'new' });
        this.#markApplied(loc);
        bySeq.delete(loc.seq);
        this.#pending.delete(hex);
      }
    }
  }

  async #settleOrphans(ownSeqs: Array<Promise<FrameLocation>>): Promise<void> {
    const locs = (await Promise.allSettled(ownSeqs)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (locs.length === 0 || this.#closed) return;
    try {
      await this.#writer.waitDurable(locs.reduce((m, l) => (l.seq > m ? l.seq : m), 0n));
      for (const loc of locs) {
        const plain = await this.#reader.readRecord(loc);
        const id = Buffer.from(plain.subarray(1, CHUNK_PREFIX));
        await this.#applier.applyChunk(id, plain.length - CHUNK_PREFIX, loc);
        this.#markApplied(loc);
        this.#pending.delete(id.toString('hex'));
      }
      await this.#applier.flush();
    } catch {
      // The journal was closed or failed; the next open replays these records.
    }
  }

  /** Where a chunk is; without a promise when it is known already (a write in flight, or prefetched). */
  #chunkLocation(id: Buffer): FrameLocation | Promise<FrameLocation | undefined> {
    const hex = id.toString('hex');
    const pending = this.#pending.get(hex);
    if (pending !== undefined) return pending;
    const known = this.#known.get(hex);
    if (known !== undefined) {
      this.#known.delete(hex);
      return known;
    }
    return this.#applier.chunk(id);
  }

  /**
   * Gets the chunks of `entries` ready ahead of their reads (an import of many small files): their
   * locations in one call into the index instead of one get per file, then their small frames read
   * from the segments, neighbours together (FrameReader.readAhead), so that files in journal order
   * (catalog()'s seq) cost a read per run of frames rather than one each. Each location and frame
   * found serves the next read of that chunk, which checks it as any read does. A location never
   * goes stale: records are never moved, and any frame of a chunk id holds that chunk.
   */
  async prefetch(entries: readonly FileEntry[]): Promise<void> {
    this.#checkOpen();
    const ids = entries.flatMap((e) => e.chunks.map((c) => c.sha256)).filter((id) => !this.#known.has(id.toString('hex')));
    if (ids.length === 0) return;
    // Locations nobody read (their files were skipped or failed) are dropped rather than kept.
    if (this.#known.size + ids.length > MAX_KNOWN_LOCATIONS) this.#known.clear();
    const locations = await this.#applier.store.getChunks(ids);
    const found: FrameLocation[] = [];
    locations.forEach((loc, i) => {
      if (loc === undefined || this.#known.size >= MAX_KNOWN_LOCATIONS) return;
      this.#known.set(ids[i]!.toString('hex'), loc);
      found.push(loc);
    });
    await this.#reader.readAhead(found);
  }

  #markApplied(loc: FrameLocation): void {
    const chain = this.#chainAfter.get(loc.seq);
    this.#chainAfter.delete(loc.seq);
    this.#applier.markApplied(loc.seq, { chain: chain ?? Buffer.alloc(32), segment: loc.segment, end: loc.offset + 16 + loc.length });
  }

  get #chainAfter(): Map<bigint, Buffer> {
    return this.#writer.chainBySeq;
  }

  #checkOpen(): void {
    if (this.#closed) throw new FloeError('JOURNAL_CLOSED', 'journal is closed');
  }

  /** Open, and the index has not failed a write (its meta in memory would be ahead of LevelDB). */
  #checkWritable(): void {
    this.#checkOpen();
    this.#applier.throwIfFailed();
  }
}

function validateNewFile(f: NewFile): void {
  if (f.path.length === 0 || f.path[0] === 0x2f || f.path.includes(0)) {
    throw new FloeError('INVALID_ARGUMENT', 'a journal path must be relative, non-empty and contain no NUL byte');
  }
  if (f.path.length > 4096) throw new FloeError('INVALID_ARGUMENT', 'a journal path is at most 4,096 bytes');
}

async function readDescriptor(dir: string): Promise<Descriptor> {
  let raw: string;
  try {
    raw = await readFile(join(dir, 'JOURNAL'), 'utf8');
  } catch (err) {
    throw new FloeError('NOT_FOUND', `no journal in ${dir}`, { cause: err });
  }
  const d = JSON.parse(raw) as Descriptor;
  if (d.format !== 'floe-journal' || d.version !== 1 || !/^[0-9a-f]{32}$/.test(d.journalId)) {
    throw new FloeError('JOURNAL_FORMAT', `unsupported journal descriptor in ${dir} (format ${d.format}, version ${d.version})`);
  }
  return d;
}

function emptyMeta(journalId: Buffer): IndexMeta {
  return {
    watermark: 0n,
    chainHead: initialChain(journalId),
    resumeSegment: 1,
    resumeOffset: SEGMENT_HEADER_LENGTH,
    files: 0,
    logicalBytes: 0,
    chunks: 0,
    chunkBytes: 0,
  };
}

/** §11: C0 = SHA-256("floe/v1/chain" || journal-id). */
export function initialChain(journalId: Buffer): Buffer {
  return sha256(Buffer.from('floe/v1/chain', 'latin1'), journalId);
}

async function metaFitsSegments(segDir: string, meta: IndexMeta): Promise<boolean> {
  if (meta.watermark === 0n) return true;
  try {
    const s = await stat(join(segDir, segmentFileName(meta.resumeSegment)));
    return s.size >= meta.resumeOffset;
  } catch {
    return false;
  }
}

function located(loc: FrameLocation | undefined): FrameLocation {
  if (loc === undefined) throw new FloeError('JOURNAL_CORRUPT', `a chunk of this file is not in the journal`, { details: { chunk: 'missing' } });
  return loc;
}


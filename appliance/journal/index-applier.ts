// Applies records to the index (docs/journal-format.md §8): the same code for live writes, replay
// on open, and the temporary index verify builds. Application is idempotent, and the watermark only
// advances over a gap-free run of applied seqs, so a crash at any point leaves a replayable index.
import { FloeError } from '../errors.js';
import type { FileEntry } from './file-entry.js';
import type { CatalogRecord, IndexMeta, IndexStore, PointRecord } from './index-store.js';
import type { JournalEvent } from './records.js';
import type { FrameLocation } from './segment-writer.js';

type Op = Parameters<IndexStore['write']>[0][number];

/** flushSoon() writes once this many operations wait, or after FLUSH_DELAY_MS. */
const FLUSH_OPS = 1024;
const FLUSH_DELAY_MS = 50;
const CLEARED_FOLDERS = 8192;
const EMPTY = Buffer.alloc(0);

export interface AppliedPosition {
  readonly chain: Buffer;
  readonly segment: number;
  readonly end: number;
}

export class IndexApplier {
  readonly store: IndexStore;
  #meta: IndexMeta;
  #ops: Op[] = [];
  // Overlays answer lookups for what is applied but not yet in LevelDB: the current batch, and
  // the batch being written. Each is dropped once LevelDB has it, so memory stays flat.
  #chunks = new Map<string, FrameLocation>();
  #files = new Map<string, CatalogRecord | null>();
  #chunksInFlight = new Map<string, FrameLocation>();
  #filesInFlight = new Map<string, CatalogRecord | null>();
  // Folder digests (§8): a digest put, or null once a change under the folder removed it.
  #digests = new Map<string, Buffer | null>();
  #digestsInFlight = new Map<string, Buffer | null>();
  // The folder whose digest the last applied entry removed: siblings applied one after another
  // (an ingest writes a folder's files together) make its key once.
  #lastFolder: { path: Buffer; key: Buffer } | undefined;
  // Folders whose digest a batch removed and none was kept for since (the latest CLEARED_FOLDERS):
  // files written across many folders at once (a restore's or a copy's order, 64 files in flight
  // over a wide tree) remove each folder's digest once, not once a batch per file.
  readonly #cleared = new Map<string, true>();
  readonly #applied = new Map<bigint, AppliedPosition>();
  #draining: Promise<void> | null = null;
  #again = false;
  #failure: { error: unknown } | undefined;
  #flushTimer: NodeJS.Timeout | undefined;

  readonly #history: boolean;

  /** `history: false` (verify's temporary index) keeps only the current catalog, no versions or points. */
  constructor(store: IndexStore, meta: IndexMeta, options: { history?: boolean } = {}) {
    this.store = store;
    this.#meta = meta;
    this.#history = options.history ?? true;
  }

  get meta(): IndexMeta {
    return this.#meta;
  }

  async chunk(id: Buffer): Promise<FrameLocation | undefined> {
    const hex = id.toString('hex');
    return this.#chunks.get(hex) ?? this.#chunksInFlight.get(hex) ?? (await this.store.getChunk(id));
  }

  async file(path: Buffer, key = this.store.fileKey(path)): Promise<CatalogRecord | undefined> {
    const hex = key.toString('hex');
    if (this.#files.has(hex)) return this.#files.get(hex) ?? undefined;
    if (this.#filesInFlight.has(hex)) return this.#filesInFlight.get(hex) ?? undefined;
    return this.store.getFile(path, key);
  }

  /** The digest kept for a folder's listing (§8, "Folder digests"), if no change since removed it. */
  async folderDigest(folder: Buffer): Promise<Buffer | undefined> {
    const key = this.store.folderDigestKey(folder).toString('hex');
    if (this.#digests.has(key)) return this.#digests.get(key) ?? undefined;
    if (this.#digestsInFlight.has(key)) return this.#digestsInFlight.get(key) ?? undefined;
    return this.store.getFolderDigest(folder);
  }

  /**
   * Keeps the digest of a folder's listing whose every entry the catalog holds as listed. Ops go to
   * LevelDB in order, so a change applied after this removes it again.
   */
  applyFolderDigest(folder: Buffer, digest: Buffer): void {
    const hex = this.store.folderDigestKey(folder).toString('hex');
    this.#cleared.delete(hex);
    this.#digests.set(hex, digest);
    this.#ops.push(this.store.folderDigestOp(folder, digest));
  }

  /** A change to `path` makes its folder's digest stale: removed in the same batch as the change. */
  #invalidateFolderOf(path: Buffer): void {
    const slash = path.lastIndexOf(0x2f);
    const folder = slash < 0 ? EMPTY : path.subarray(0, slash);
    let key: Buffer;
    if (this.#lastFolder !== undefined && this.#lastFolder.path.equals(folder)) key = this.#lastFolder.key;
    else {
      key = this.store.folderDigestKey(folder);
      this.#lastFolder = { path: Buffer.from(folder), key };
    }
    const hex = key.toString('hex');
    if (this.#digests.get(hex) === null) return; // already removed in this batch
    if (this.#cleared.has(hex) && !this.#digests.has(hex)) return; // removed in an earlier batch, none kept since
    this.#digests.set(hex, null);
    this.#ops.push({ type: 'del', key });
    this.#cleared.set(hex, true);
    if (this.#cleared.size > CLEARED_FOLDERS) this.#cleared.delete(this.#cleared.keys().next().value!);
  }

  /** Indexes a chunk once. `known: 'new'` skips the lookup when the caller just checked. */
  async applyChunk(id: Buffer, size: number, loc: FrameLocation, options: { known?: 'new' } = {}): Promise<void> {
    if (options.known !== 'new' && (await this.chunk(id)) !== undefined) return;
    this.#chunks.set(id.toString('hex'), loc);
    this.#ops.push(this.store.chunkOp(id, loc));
    this.#count({ chunks: 1, chunkBytes: size });
  }

  async applyFile(entry: FileEntry, loc: FrameLocation): Promise<void> {
    // Every version goes into the history, also one older than the catalog's (a replay): the key
    // holds its seq, so writing it again changes nothing.
    if (this.#history) this.#ops.push(this.store.historyOp(entry.path, loc, entry));
    // The path's index key once (an HMAC) for the lookup, the overlay and the put.
    const key = this.store.fileKey(entry.path);
    const existing = await this.file(entry.path, key);
    if (existing !== undefined && existing.location.seq > loc.seq) return;
    this.#invalidateFolderOf(entry.path);
    this.#files.set(key.toString('hex'), { entry, location: loc });
    this.#ops.push(this.store.fileOp(entry, loc, key));
    const bytes = entry.type === 'file' ? entry.size : 0;
    if (existing === undefined) this.#count({ files: 1, logicalBytes: bytes });
    else this.#count({ logicalBytes: bytes - (existing.entry.type === 'file' ? existing.entry.size : 0) });
  }

  async applyTombstone(path: Buffer, loc: FrameLocation): Promise<void> {
    const seq = loc.seq;
    if (this.#history) this.#ops.push(this.store.historyOp(path, loc, null));
    const existing = await this.file(path);
    if (existing === undefined || existing.location.seq > seq) return;
    this.#invalidateFolderOf(path);
    this.#files.set(this.store.fileKey(path).toString('hex'), null);
    this.#ops.push(this.store.fileDeleteOp(path));
    this.#count({ files: -1, logicalBytes: -(existing.entry.type === 'file' ? existing.entry.size : 0) });
  }

  /** `chain`: the chain value after the event's record, kept with a recovery point. */
  applyEvent(seq: bigint, event: JournalEvent, chain?: Buffer): void {
    this.#ops.push(this.store.eventOp(seq, event));
    if (this.#history && event.kind === 'task.execution.finished') {
      const point = recoveryPoint(seq, event, chain, this.#meta);
      if (point !== undefined) this.#ops.push(this.store.pointOp(point));
    }
  }

  /** Marks `seq` as reflected in the index; the watermark advances over gap-free runs. */
  markApplied(seq: bigint, position: AppliedPosition): void {
    if (seq <= this.#meta.watermark) return;
    this.#applied.set(seq, position);
    let w = this.#meta.watermark;
    let last: AppliedPosition | undefined;
    for (let next = this.#applied.get(w + 1n); next !== undefined; next = this.#applied.get(w + 1n)) {
      this.#applied.delete(w + 1n);
      w += 1n;
      last = next;
    }
    if (last !== undefined) {
      this.#meta = { ...this.#meta, watermark: w, chainHead: last.chain, resumeSegment: last.segment, resumeOffset: last.end };
    }
  }

  /**
   * Resolves once everything applied before the call is in LevelDB, with the new meta. Writes are
   * batched: while one batch is being written, what is applied meanwhile waits for the next, so
   * concurrent callers share batches. A failed write fails this and every later flush: the meta in
   * memory is then ahead of LevelDB, so nothing more may be written (the next open replays).
   */
  async flush(): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure.error;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#draining === null) this.#draining = this.#drain();
    else this.#again = true;
    await this.#draining;
  }

  /**
   * Starts a flush without waiting for it: a commit is durable once its records are, and the
   * overlays answer lookups until LevelDB has them (docs/journal-format.md §8, §9). A failure is
   * kept and thrown by the next flush() or throwIfFailed().
   */
  flushSoon(): void {
    if (this.#ops.length >= FLUSH_OPS) {
      this.flush().catch(() => undefined);
      return;
    }
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      this.flush().catch(() => undefined);
    }, FLUSH_DELAY_MS).unref();
  }

  /** Throws the error of a failed index write, if one failed. */
  throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  /** Writes batches until nothing applied is left unwritten; #draining is null again when it ends. */
  async #drain(): Promise<void> {
    for (;;) {
      this.#again = false;
      const ops = this.#ops;
      this.#ops = [];
      ops.push(this.store.metaOp(this.#meta));
      this.#chunksInFlight = this.#chunks;
      this.#filesInFlight = this.#files;
      this.#digestsInFlight = this.#digests;
      this.#chunks = new Map();
      this.#files = new Map();
      this.#digests = new Map();
      try {
        await this.store.write(ops);
      } catch (err) {
        this.#failure ??= { error: indexWriteError(err) };
        this.#draining = null;
        throw this.#failure.error;
      } finally {
        this.#chunksInFlight = new Map();
        this.#filesInFlight = new Map();
        this.#digestsInFlight = new Map();
      }
      // Checked and cleared in one step: a flush() arriving later starts a new drain.
      if (!this.#again) {
        this.#draining = null;
        return;
      }
    }
  }

  #count(delta: Partial<Record<'files' | 'logicalBytes' | 'chunks' | 'chunkBytes', number>>): void {
    const m = this.#meta;
    this.#meta = {
      ...m,
      files: m.files + (delta.files ?? 0),
      logicalBytes: m.logicalBytes + (delta.logicalBytes ?? 0),
      chunks: m.chunks + (delta.chunks ?? 0),
      chunkBytes: m.chunkBytes + (delta.chunkBytes ?? 0),
    };
  }
}

/**
 * The recovery point an ingest execution's end makes (§8). Its counts are the catalog's as the
 * index has it when the event is applied: one execution runs at a time, and each of its files is
 * applied before the execution ends.
 */
function recoveryPoint(seq: bigint, event: JournalEvent, chain: Buffer | undefined, meta: IndexMeta): PointRecord | undefined {
  const d = event.execution as Record<string, unknown> | undefined;
  if (d === undefined || typeof d.TaskExecutionId !== 'string') return undefined;
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    id: d.TaskExecutionId,
    seq,
    chain: chain?.toString('hex') ?? '',
    taskId: text(d.TaskId),
    taskName: text(d.TaskName),
    status: text(d.Status),
    startTime: text(d.StartTime),
    endTime: text(d.EndTime),
    files: meta.files,
    bytes: meta.logicalBytes,
  };
}

function indexWriteError(err: unknown): FloeError {
  const message = err instanceof Error ? err.message : String(err);
  if (/no space left/i.test(message)) return new FloeError('JOURNAL_FULL', 'the device disk is full: the index could not be written', { cause: err });
  return new FloeError('JOURNAL_CORRUPT', `the index could not be written (${message}); reopen the journal, which replays what the index lacks`, { cause: err });
}

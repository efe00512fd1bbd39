// Appends frames to the newest segment in seq order (docs/journal-format.md §3, §4, §9).
// Encryption runs ahead in the thread pool; the single write loop puts frames on disk in order,
// extends the chain (§11), and group-commits: concurrent waiters share one fdatasync.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { WORKER_MIN_BYTES, releaseSharedBuffer, sharedBuffer } from '../crypto/crypto-workers.js';
import { sha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import { FloeError, asFloeError } from '../errors.js';
import {
  FRAME_HEADER_LENGTH,
  MAX_PAYLOAD,
  TAG_LENGTH,
  encodeFrameHeader,
  encodeSegmentHeader,
  recordAdditionalData,
  recordNonce,
  segmentFileName,
  SEGMENT_HEADER_LENGTH,
} from './format.js';
import type { JournalKeys } from './journal-keys.js';
import { fsyncDirectory } from '../fs-durable.js';

export interface FrameLocation {
  readonly segment: number;
  readonly offset: number;
  readonly length: number;
  readonly seq: bigint;
}

export interface SegmentExtent {
  readonly number: number;
  bytes: number;
  records: number;
}

interface OpenSegment extends SegmentExtent {
  readonly salt: Buffer;
  readonly firstSeq: bigint;
  handle: FileHandle | null;
  lastSeq: bigint;
}

interface Pending {
  readonly seq: bigint;
  readonly segment: OpenSegment;
  readonly payload: Promise<Buffer>;
  /** The payload once sealed, so the pump can take records that are ready without awaiting each. */
  sealed?: Buffer;
  readonly size: number;
  readonly resolve: (loc: FrameLocation) => void;
  readonly reject: (err: unknown) => void;
}

interface Waiter {
  readonly seq: bigint;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

const QUEUE_LIMIT_BYTES = 48 * 1024 * 1024;
/**
 * After this many bytes written since the last fdatasync began, one starts in the background. The
 * disk then writes while the CPU encrypts, instead of a commit or a segment's close finding
 * hundreds of MiB dirty and the writer waiting for all of it (§9: it also makes records durable
 * sooner, never later).
 */
const EARLY_SYNC_BYTES = 16 * 1024 * 1024;
/** At most this many frames (two iovecs each, under IOV_MAX) and bytes go in one writev. */
const WRITE_BATCH_RECORDS = 128;
const WRITE_BATCH_BYTES = 1024 * 1024;

export interface SegmentWriterOptions {
  readonly dir: string;
  readonly journalId: Buffer;
  readonly keys: JournalKeys;
  readonly nextSeq: bigint;
  readonly nextSegment: number;
  readonly chainHead: Buffer;
  readonly segmentLimit: number;
  /** Extents of the closed segments, for the seal. */
  readonly closedSegments: SegmentExtent[];
}

export class SegmentWriter {
  readonly #o: SegmentWriterOptions;
  #nextSeq: bigint;
  #nextSegment: number;
  #assigning: OpenSegment | null = null;
  #writing: OpenSegment | null = null;
  #queue: Pending[] = [];
  #queuedBytes = 0;
  #pumping = false;
  #capacityWaiters: Array<() => void> = [];
  #writtenWaiters: Waiter[] = [];
  #writtenSeq: bigint;
  #durableSeq: bigint;
  #syncing: Promise<void> | null = null;
  #unsynced = 0;
  #failure: FloeError | null = null;
  #chain: Buffer;
  readonly #extents: SegmentExtent[];
  /** Chain value after each written record, until the journal marks it applied and drops it. */
  readonly chainBySeq = new Map<bigint, Buffer>();

  constructor(options: SegmentWriterOptions) {
    this.#o = options;
    this.#nextSeq = options.nextSeq;
    this.#nextSegment = options.nextSegment;
    this.#writtenSeq = options.nextSeq - 1n;
    this.#durableSeq = options.nextSeq - 1n;
    this.#chain = options.chainHead;
    this.#extents = [...options.closedSegments];
  }

  /** The seq the next appended record gets. */
  get nextSeq(): bigint {
    return this.#nextSeq;
  }

  get writtenSeq(): bigint {
    return this.#writtenSeq;
  }

  get durableSeq(): bigint {
    return this.#durableSeq;
  }

  /** Chain value after the last written record. */
  get chainHead(): Buffer {
    return this.#chain;
  }

  /** Extents of every segment, the one being written included, as far as written. */
  get extents(): readonly SegmentExtent[] {
    return this.#extents;
  }

  /**
   * Assigns the next seq to `plaintext` and queues it. Resolves once queued (after waiting for
   * queue space); `written` resolves with the frame's location once it is on disk (not yet durable).
   */
  async append(plaintext: Buffer): Promise<{ seq: bigint; written: Promise<FrameLocation> }> {
    this.#throwIfFailed();
    while (this.#queuedBytes > QUEUE_LIMIT_BYTES) {
      await new Promise<void>((r) => this.#capacityWaiters.push(r));
      this.#throwIfFailed();
    }
    const size = FRAME_HEADER_LENGTH + plaintext.length + TAG_LENGTH;
    if (plaintext.length + TAG_LENGTH > MAX_PAYLOAD) throw new FloeError('INVALID_ARGUMENT', 'record too large');
    const segment = this.#segmentFor(size);
    const seq = this.#nextSeq++;
    segment.records++;
    segment.bytes += size;
    segment.lastSeq = seq;
    const key = this.#o.keys.segmentKey(segment.number, segment.salt);
    const nonce = recordNonce(seq);
    const ad = recordAdditionalData(this.#o.journalId, segment.number, seq);
    // A large record is sealed into shared memory the pump gives back once the frame is written.
    const into = plaintext.length >= WORKER_MIN_BYTES ? sharedBuffer(plaintext.length + TAG_LENGTH) : undefined;
    const payload = key.sealAsync(nonce, plaintext, ad, into);
    let resolve!: (loc: FrameLocation) => void;
    let reject!: (err: unknown) => void;
    const written = new Promise<FrameLocation>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    written.catch(() => undefined);
    const item: Pending = { seq, segment, payload, size, resolve, reject };
    payload.then(
      (sealed) => (item.sealed = sealed),
      () => undefined,
    );
    this.#queue.push(item);
    this.#queuedBytes += size;
    void this.#pump();
    return { seq, written };
  }

  /** Resolves when every record up to `seq` is on disk and fsynced (group commit, §9 rule 5). */
  async waitDurable(seq: bigint): Promise<void> {
    while (this.#durableSeq < seq) {
      this.#throwIfFailed();
      await this.#waitWritten(seq);
      if (this.#durableSeq >= seq) return;
      this.#syncing ??= this.#sync();
      await this.#syncing;
    }
  }

  /** Flushes, fsyncs and closes the current segment. The writer cannot be used afterwards. */
  async close(): Promise<void> {
    try {
      if (this.#nextSeq > 1n && this.#failure === null) await this.waitDurable(this.#nextSeq - 1n);
    } finally {
      const seg = this.#writing;
      this.#writing = null;
      if (seg?.handle) await seg.handle.close().catch(() => undefined);
      this.#fail(new FloeError('JOURNAL_CLOSED', 'journal is closed'));
    }
  }

  #segmentFor(size: number): OpenSegment {
    const cur = this.#assigning;
    if (cur !== null && (cur.records === 0 || cur.bytes + size <= this.#o.segmentLimit)) return cur;
    const seg: OpenSegment = {
      number: this.#nextSegment++,
      salt: randomBytes(16),
      firstSeq: this.#nextSeq,
      handle: null,
      bytes: SEGMENT_HEADER_LENGTH,
      records: 0,
      lastSeq: this.#nextSeq - 1n,
    };
    this.#assigning = seg;
    this.#extents.push(seg);
    return seg;
  }

  /**
   * Writes queued records in seq order. The first record and the sealed ones right behind it in the
   * same segment go in one writev (up to WRITE_BATCH_RECORDS and WRITE_BATCH_BYTES): when many small
   * files commit at once, a syscall and a thread-pool trip serve many frames instead of one each.
   */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && this.#failure === null) {
        try {
          const first = this.#queue[0]!;
          const firstPayload = await first.payload;
          await this.#ensureOpen(first.segment);
          const seg = first.segment;
          const offset = this.#positionOf(seg);
          const batch: Array<{ item: Pending; header: Buffer; payload: Buffer }> = [];
          let total = 0;
          for (const item of this.#queue) {
            const payload = item === first ? firstPayload : item.sealed;
            if (payload === undefined || item.segment !== seg) break;
            if (batch.length > 0 && (batch.length >= WRITE_BATCH_RECORDS || total + item.size > WRITE_BATCH_BYTES)) break;
            const header = encodeFrameHeader(payload.length, item.seq);
            batch.push({ item, header, payload });
            total += header.length + payload.length;
          }
          const { bytesWritten } = await seg.handle!.writev(batch.flatMap((b) => [b.header, b.payload]), offset);
          if (bytesWritten !== total) throw new Error('short write');
          this.#written.set(seg.number, offset + bytesWritten);
          this.#unsynced += bytesWritten;
          let at = offset;
          for (const { item, header, payload } of batch) {
            this.#chain = sha256(this.#chain, header, payload.subarray(payload.length - TAG_LENGTH));
            this.chainBySeq.set(item.seq, this.#chain);
            this.#queue.shift();
            this.#queuedBytes -= item.size;
            this.#writtenSeq = item.seq;
            item.resolve({ segment: seg.number, offset: at, length: payload.length, seq: item.seq });
            releaseSharedBuffer(payload);
            at += header.length + payload.length;
          }
          this.#releaseCapacity();
          this.#releaseWritten();
          if (this.#unsynced >= EARLY_SYNC_BYTES) this.#syncing ??= this.#sync();
        } catch (err) {
          this.#fail(ioError(err));
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  readonly #written = new Map<number, number>();

  #positionOf(seg: OpenSegment): number {
    return this.#written.get(seg.number) ?? SEGMENT_HEADER_LENGTH;
  }

  async #ensureOpen(seg: OpenSegment): Promise<void> {
    if (seg.handle !== null) return;
    const prev = this.#writing;
    if (prev !== null && prev !== seg) {
      // Close the previous segment durably before the next one starts (§3).
      if (this.#syncing) await this.#syncing;
      await prev.handle!.datasync();
      if (this.#durableSeq < prev.lastSeq) this.#durableSeq = prev.lastSeq;
      await prev.handle!.close();
      prev.handle = null;
      this.#written.delete(prev.number);
    }
    const path = join(this.#o.dir, segmentFileName(seg.number));
    const handle = await open(path, 'wx', 0o600);
    const header = encodeSegmentHeader({ segmentNumber: seg.number, journalId: this.#o.journalId, salt: seg.salt, firstSeq: seg.firstSeq });
    await handle.write(header, 0, header.length, 0);
    await handle.sync();
    await fsyncDirectory(this.#o.dir);
    seg.handle = handle;
    this.#writing = seg;
  }

  async #sync(): Promise<void> {
    try {
      const target = this.#writtenSeq;
      const seg = this.#writing;
      this.#unsynced = 0;
      if (seg?.handle) await seg.handle.datasync();
      if (this.#durableSeq < target) this.#durableSeq = target;
    } catch (err) {
      this.#fail(ioError(err));
    } finally {
      this.#syncing = null;
    }
  }

  #waitWritten(seq: bigint): Promise<void> {
    if (this.#writtenSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.#writtenWaiters.push({ seq, resolve, reject }));
  }

  #releaseWritten(): void {
    if (this.#writtenWaiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#writtenWaiters) {
      if (w.seq <= this.#writtenSeq) w.resolve();
      else still.push(w);
    }
    this.#writtenWaiters = still;
  }

  #releaseCapacity(): void {
    if (this.#queuedBytes <= QUEUE_LIMIT_BYTES) {
      const waiters = this.#capacityWaiters;
      this.#capacityWaiters = [];
      for (const w of waiters) w();
    }
  }

  #fail(err: FloeError): void {
    if (this.#failure !== null) return;
    this.#failure = err;
    for (const p of this.#queue) p.reject(err);
    this.#queue = [];
    for (const w of this.#writtenWaiters) w.reject(err);
    this.#writtenWaiters = [];
    for (const w of this.#capacityWaiters) w();
    this.#capacityWaiters = [];
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure;
  }
}

function ioError(err: unknown): FloeError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new FloeError('JOURNAL_FULL', 'the device disk is full', { cause: err });
  return asFloeError(err, 'JOURNAL_CORRUPT');
}

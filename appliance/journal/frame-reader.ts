// Random-access reads of single frames, with every check of docs/journal-format.md §9 ("Reads")
// before a byte is returned: header checksum, position, authentication, and the chunk's SHA-256.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { TAG_LENGTH } from '../crypto/aead.js';
import { UnauthenticatedError } from '../crypto/errors.js';
import { constantTimeEqual } from '../crypto/hash.js';
import { WORKER_MIN_BYTES, releaseSharedBuffer, sharedBuffer } from '../crypto/crypto-workers.js';
import { FloeError } from '../errors.js';
import { FRAME_HEADER_LENGTH, SEGMENT_HEADER_LENGTH, decodeFrameHeader, decodeSegmentHeader, recordAdditionalData, recordNonce, segmentFileName, type SegmentHeader } from './format.js';
import type { JournalKeys } from './journal-keys.js';
import { CHUNK_PREFIX, RecordType } from './records.js';
import type { FrameLocation } from './segment-writer.js';

const MAX_OPEN = 16;
/** Frames read ahead (readAhead) are at most this many bytes in all; past it, the oldest are dropped. */
const MAX_AHEAD_BYTES = 32 * 1024 * 1024;
/** One read of neighbouring frames spans at most this many bytes, gaps between them included. */
const RUN_BYTES = 1024 * 1024;
/** Frames further apart than this are read separately rather than with the bytes between them. */
const MAX_GAP = 64 * 1024;
/** Run buffers kept for reuse. */
const MAX_SPARE_RUNS = 8;

/** One read of neighbouring frames: its buffer, and how many of its frames are still to be used. */
interface Run {
  readonly buf: Buffer;
  frames: number;
}

interface AheadFrame {
  readonly frame: Buffer;
  readonly run: Run;
}
const NOTHING = (): void => undefined;

/** `fn` the first time, nothing after: a buffer is given back once however often release is called. */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

export class FrameReader {
  readonly #dir: string;
  readonly #journalId: Buffer;
  readonly #keys: JournalKeys;
  readonly #open = new Map<number, Promise<{ handle: FileHandle; header: SegmentHeader }>>();
  /** Sealed frames read ahead, by position, each used by one read and then forgotten. */
  readonly #ahead = new Map<string, AheadFrame>();
  #aheadBytes = 0;
  /** Buffers of runs whose frames are all used, for the next runs (no garbage per run). */
  readonly #spareRuns: Buffer[] = [];

  constructor(dir: string, journalId: Buffer, keys: JournalKeys) {
    this.#dir = dir;
    this.#journalId = journalId;
    this.#keys = keys;
  }

  /** The decrypted plaintext of the record at `loc` (type byte included). */
  async readRecord(loc: FrameLocation): Promise<Buffer> {
    return (await this.#read(loc)).plaintext;
  }

  /**
   * A chunk's plaintext, checked against the id the file entry names. With `shared`, a large chunk
   * is opened in place in a pooled shared buffer, and `release` gives that buffer back: call it once
   * nothing reads `data` any more (not calling it leaves the buffer to the collector). Without
   * `shared`, `data` is the caller's and release is a no-op.
   */
  async readChunk(loc: FrameLocation, id: Buffer, shared: boolean): Promise<{ data: Buffer; release: () => void }> {
    const { plaintext: plain, digest, release } = await this.#read(loc, CHUNK_PREFIX, shared);
    try {
      if (plain.length <= CHUNK_PREFIX) throw corrupt(loc, 'the record is not a chunk');
      checkChunk(loc, plain.subarray(0, CHUNK_PREFIX), digest!, id);
    } catch (err) {
      release();
      throw err;
    }
    return { data: plain.subarray(CHUNK_PREFIX), release };
  }

  /**
   * A chunk's data (its plaintext after the chunk prefix) written into `into`, which must be exactly
   * that long, with every check readChunk makes. A large frame is opened on a crypto worker straight
   * into `into` when both are in shared memory (a part being assembled): no copy of the plaintext;
   * other frames are opened and copied. On a failure `into` holds no valid data.
   */
  async readChunkInto(loc: FrameLocation, id: Buffer, into: Buffer): Promise<void> {
    if (loc.length - TAG_LENGTH - CHUNK_PREFIX !== into.length) throw corrupt(loc, 'the chunk has the wrong size');
    const { plaintext: prefix, digest, release } = await this.#read(loc, CHUNK_PREFIX, true, into);
    try {
      checkChunk(loc, prefix, digest!, id);
    } finally {
      release();
    }
  }

  /**
   * Reads the small frames at `locs` ahead of their reads: neighbours in the same segment are read
   * together, one read per run of up to 1 MiB (an import of many small files in journal order costs
   * a read per run instead of one per file). The bytes stay sealed until a read takes them, which
   * checks them as it checks any frame; a location read ahead twice is read once.
   */
  async readAhead(locs: readonly FrameLocation[]): Promise<void> {
    const wanted = locs
      .filter((l) => l.length < WORKER_MIN_BYTES && !this.#ahead.has(aheadKey(l)))
      .sort((a, b) => a.segment - b.segment || a.offset - b.offset);
    for (let i = 0; i < wanted.length; ) {
      const first = wanted[i]!;
      let end = frameEnd(first);
      let j = i + 1;
      for (; j < wanted.length; j++) {
        const l = wanted[j]!;
        if (l.segment !== first.segment || l.offset > end + MAX_GAP || frameEnd(l) - first.offset > RUN_BYTES) break;
        end = Math.max(end, frameEnd(l));
      }
      const run: Run = { buf: this.#spareRuns.pop() ?? Buffer.allocUnsafeSlow(RUN_BYTES), frames: 0 };
      const { handle } = await this.#segment(first.segment);
      const { bytesRead } = await handle.read(run.buf, 0, end - first.offset, first.offset);
      for (const l of wanted.slice(i, j)) {
        const from = l.offset - first.offset;
        // A frame cut short is left for its own read, which reports it.
        if (from + FRAME_HEADER_LENGTH + l.length <= bytesRead) this.#keepAhead(aheadKey(l), { frame: run.buf.subarray(from, from + FRAME_HEADER_LENGTH + l.length), run });
      }
      if (run.frames === 0) this.#spareRun(run);
      i = j;
    }
  }

  #keepAhead(key: string, ahead: AheadFrame): void {
    if (this.#ahead.has(key)) return;
    while (this.#aheadBytes + ahead.frame.length > MAX_AHEAD_BYTES && this.#ahead.size > 0) {
      const [oldest, dropped] = this.#ahead.entries().next().value as [string, AheadFrame];
      this.#ahead.delete(oldest);
      this.#aheadBytes -= dropped.frame.length;
      this.#used(dropped);
    }
    this.#ahead.set(key, ahead);
    this.#aheadBytes += ahead.frame.length;
    ahead.run.frames++;
  }

  /** The frame at `loc` if it was read ahead (and forgets it), else undefined; give it to #used after. */
  #takeAhead(loc: FrameLocation): AheadFrame | undefined {
    if (this.#ahead.size === 0) return undefined;
    const key = aheadKey(loc);
    const ahead = this.#ahead.get(key);
    if (ahead === undefined) return undefined;
    this.#ahead.delete(key);
    this.#aheadBytes -= ahead.frame.length;
    if (ahead.frame.length === FRAME_HEADER_LENGTH + loc.length) return ahead;
    this.#used(ahead);
    return undefined;
  }

  /** A frame read ahead is no longer read: its run's buffer is spare once all its frames are. */
  #used(ahead: AheadFrame): void {
    if (--ahead.run.frames === 0) this.#spareRun(ahead.run);
  }

  #spareRun(run: Run): void {
    if (this.#spareRuns.length < MAX_SPARE_RUNS) this.#spareRuns.push(run.buf);
  }

  /**
   * Reads and opens one frame; with `digestFrom`, also the SHA-256 of the plaintext from that byte,
   * computed in the same pass. A large frame is read into shared memory, which the crypto worker
   * opens in place. Unless `keep`, the buffer goes back to the pool once the worker has answered;
   * with `keep`, the plaintext is a view of it and `release` gives it back. With `into`, the
   * plaintext from `digestFrom` on is written there (AeadKey.openIntoAsync) and `plaintext` holds
   * only the bytes before it.
   */
  async #read(loc: FrameLocation, digestFrom?: number, keep = false, into?: Buffer): Promise<{ plaintext: Buffer; digest?: Buffer; release: () => void }> {
    const { handle, header } = await this.#segment(loc.segment);
    const length = FRAME_HEADER_LENGTH + loc.length;
    const ahead = this.#takeAhead(loc);
    const buf = ahead?.frame ?? (loc.length >= WORKER_MIN_BYTES ? sharedBuffer(length) : Buffer.allocUnsafe(length));
    let held = false;
    try {
      if (ahead === undefined) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, loc.offset);
        if (bytesRead !== buf.length) throw corrupt(loc, 'the frame is cut short (segment truncated?)');
      }
      const payload = this.#checkedPayload(buf, loc);
      const key = this.#keys.segmentKey(loc.segment, header.salt);
      const nonce = recordNonce(loc.seq);
      const ad = recordAdditionalData(this.#journalId, loc.segment, loc.seq);
      if (digestFrom === undefined) return { plaintext: await key.openAsync(nonce, payload, ad), release: NOTHING };
      const opened = into === undefined
        ? await key.openAndDigestAsync(nonce, payload, ad, digestFrom, keep)
        : await key.openIntoAsync(nonce, payload, ad, digestFrom, into).then(({ head, digest }) => ({ plaintext: head, digest }));
      if (!keep) return { ...opened, release: NOTHING };
      held = true;
      return { ...opened, release: once(() => releaseSharedBuffer(buf)) };
    } catch (err) {
      if (err instanceof UnauthenticatedError) throw corrupt(loc, 'the record does not authenticate (changed on disk)');
      throw err;
    } finally {
      // The read and the worker's answer (or its death) are behind us: no one reads the buffer now
      // (a frame read ahead is small, so opened inline, its plaintext in memory of its own).
      if (ahead !== undefined) this.#used(ahead);
      else if (!held) releaseSharedBuffer(buf);
    }
  }

  /** The sealed payload of the frame in `buf`, once its header matches the index's location. */
  #checkedPayload(buf: Buffer, loc: FrameLocation): Buffer {
    const fh = decodeFrameHeader(buf.subarray(0, FRAME_HEADER_LENGTH));
    if (fh === null || fh.length !== loc.length || fh.seq !== loc.seq) throw corrupt(loc, 'the frame header does not match the index');
    return buf.subarray(FRAME_HEADER_LENGTH);
  }

  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    this.#ahead.clear();
    this.#aheadBytes = 0;
    this.#spareRuns.length = 0;
    for (const p of all) await p.then((s) => s.handle.close()).catch(() => undefined);
  }

  /** Forgets cached handles (after a segment was truncated or removed). */
  async reset(): Promise<void> {
    await this.close();
  }

  #segment(n: number): Promise<{ handle: FileHandle; header: SegmentHeader }> {
    let p = this.#open.get(n);
    if (p === undefined) {
      if (this.#open.size >= MAX_OPEN) {
        const [oldest, op] = this.#open.entries().next().value as [number, Promise<{ handle: FileHandle }>];
        this.#open.delete(oldest);
        void op.then((s) => s.handle.close()).catch(() => undefined);
      }
      p = this.#openSegment(n);
      p.catch(() => this.#open.delete(n));
      this.#open.set(n, p);
    }
    return p;
  }

  async #openSegment(n: number): Promise<{ handle: FileHandle; header: SegmentHeader }> {
    let handle: FileHandle;
    try {
      handle = await open(join(this.#dir, segmentFileName(n)), 'r');
    } catch (err) {
      throw new FloeError('JOURNAL_CORRUPT', `segment ${n} is missing`, { cause: err, details: { segment: n } });
    }
    const hb = Buffer.alloc(SEGMENT_HEADER_LENGTH);
    await handle.read(hb, 0, hb.length, 0);
    const header = decodeSegmentHeader(hb);
    if ('problem' in header || header.segmentNumber !== n || !header.journalId.equals(this.#journalId)) {
      await handle.close();
      throw new FloeError('JOURNAL_CORRUPT', `segment ${n}: ${'problem' in header ? header.problem : 'header names another segment or journal'}`, { details: { segment: n } });
    }
    return { handle, header };
  }
}

/** A chunk record's prefix (type, id) and plaintext digest against the id the file entry names. */
function checkChunk(loc: FrameLocation, prefix: Buffer, digest: Buffer, id: Buffer): void {
  if (prefix[0] !== RecordType.chunk) throw corrupt(loc, 'the record is not a chunk');
  if (!constantTimeEqual(prefix.subarray(1, CHUNK_PREFIX), id)) throw corrupt(loc, 'the chunk is not the one the file entry names');
  if (!constantTimeEqual(digest, id)) {
    throw new FloeError('CHECKSUM_MISMATCH', `chunk at segment ${loc.segment} offset ${loc.offset}: SHA-256 does not match`, { details: { ...where(loc) } });
  }
}

function aheadKey(loc: FrameLocation): string {
  return `${loc.segment}:${loc.offset}`;
}

function frameEnd(loc: FrameLocation): number {
  return loc.offset + FRAME_HEADER_LENGTH + loc.length;
}

function where(loc: FrameLocation): Record<string, unknown> {
  return { segment: loc.segment, offset: loc.offset, seq: loc.seq.toString() };
}

function corrupt(loc: FrameLocation, what: string): FloeError {
  return new FloeError('JOURNAL_CORRUPT', `segment ${loc.segment} offset ${loc.offset}: ${what}`, { details: where(loc) });
}

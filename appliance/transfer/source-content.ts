// Content for an agentless copy (docs/copy.md): the transfer engine reads each file straight from
// a Source instead of the journal. Nothing knows the file's SHA-256 beforehand, so the bytes are
// hashed as the put reads them, in order, once; the digest is what the delivery record keeps and
// what verification compares the destination with.
//
// One version of the file, as ingest proves it (ingest/file-copy.ts): the attributes the catalog
// listed are compared with those after the last byte (the source's own, when it learnt them for
// free: an S3 source whose every GET was If-Match on the listed ETag; else a stat), before the
// last piece is handed to the destination, so a file that changed while read fails the put with
// SOURCE_CHANGED and the destination never commits it. A put that did not read the content from
// 0 to the end in order (a destination that went back over a window) gets its digest from one
// more full read of the source, checked the same way.
import { sha256Stream, type StreamingHash } from '../crypto/hash-pool.js';
import { sha256 } from '../crypto/hash.js';
import { FloeError } from '../errors.js';
import { displayPath, type FileEntry, type FileMetadata } from '../journal/file-entry.js';
import type { Source, SourceEntry } from '../sources/source.js';

export interface TransferContent {
  /** One put attempt at `entry`: what the put reads, and after it the SHA-256 of what it read. */
  open(entry: FileEntry, signal?: AbortSignal): ContentAttempt;
}

export interface ContentAttempt {
  /** The content from `offset`, as OpenContent streams it. */
  readonly read: (offset: number, signal?: AbortSignal) => AsyncIterable<Buffer>;
  /**
   * Once the put succeeded: the SHA-256 of the whole content (a symlink: of its target; other
   * types: of nothing), proven to be one version of the source file; SOURCE_CHANGED otherwise.
   */
  finish(signal?: AbortSignal): Promise<Buffer>;
  /** Releases what the attempt holds (a hash on a worker), after finish or a failed put. */
  close(): void;
}

export interface SourceContentOptions {
  /** Task option Mtime PRESERVE: the catalog's mtime is the source's, so a moved mtime is a change. */
  readonly mtimePreserved: boolean;
}

export class SourceContent implements TransferContent {
  readonly #source: Source;
  readonly #mtimePreserved: boolean;

  constructor(source: Source, options: SourceContentOptions) {
    this.#source = source;
    this.#mtimePreserved = options.mtimePreserved;
  }

  open(entry: FileEntry, signal?: AbortSignal): ContentAttempt {
    if (entry.type !== 'file') {
      const digest = sha256(entry.type === 'symlink' ? (entry.target ?? Buffer.alloc(0)) : Buffer.alloc(0));
      return { read: () => empty(), finish: async () => digest, close: () => undefined };
    }
    const attempt = new HashedRead(this, entry);
    return { read: (offset, sig) => attempt.read(offset, sig ?? signal), finish: (sig) => attempt.finish(sig ?? signal), close: () => attempt.close() };
  }

  /** The source's file as the catalog listed it (the S3 source re-finds the version by its identity). */
  listed(entry: FileEntry): SourceEntry {
    const slash = entry.path.lastIndexOf(0x2f);
    return { ...entry, name: entry.path.subarray(slash + 1), path: entry.path };
  }

  get source(): Source {
    return this.#source;
  }

  /** Throws SOURCE_CHANGED when `after` is not the file the catalog listed, or `read` bytes are not its size. */
  checkSame(entry: FileEntry, after: FileMetadata, read: number): void {
    const moved =
      after.type !== entry.type ||
      after.size !== entry.size ||
      after.ctimeNs !== entry.ctimeNs ||
      after.fileId !== entry.fileId ||
      after.fsId !== entry.fsId ||
      (this.#mtimePreserved && after.mtimeNs !== entry.mtimeNs);
    if (moved || read !== entry.size) {
      throw new FloeError('SOURCE_CHANGED', `'${displayPath(entry.path)}' changed while it was copied (size ${entry.size} -> ${after.size}, ${read} bytes read): not delivered; run the task again for its latest version`, {
        details: { path: displayPath(entry.path) },
      });
    }
  }
}

/** One attempt's reads of a file, hashed while they follow each other from byte 0. */
class HashedRead {
  readonly #content: SourceContent;
  readonly #entry: FileEntry;
  #hash: StreamingHash | undefined;
  /** Bytes hashed so far, from 0; -1 once a read skipped ahead (the digest then needs a full read). */
  #hashed = 0;
  #digest: Buffer | undefined;

  constructor(content: SourceContent, entry: FileEntry) {
    this.#content = content;
    this.#entry = entry;
  }

  async *read(offset: number, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    const entry = this.#entry;
    if (offset > this.#hashed) this.#abandon();
    let seenAfter: FileMetadata | undefined;
    let at = offset;
    const pieces = this.#content.source.read(this.#content.listed(entry), offset, { ...(signal === undefined ? {} : { signal }), onAttributesAfter: (m) => void (seenAfter = m) });
    for await (const piece of pieces) {
      const end = at + piece.length;
      if (end > entry.size) this.#content.checkSame(entry, entry, end); // longer than listed: it grew
      if (this.#hashed >= 0 && at <= this.#hashed && end > this.#hashed) {
        this.#hash ??= sha256Stream(entry.size);
        await this.#hash.update(piece.subarray(this.#hashed - at));
        this.#hashed = end;
      }
      at = end;
      if (end === entry.size) {
        // The last byte: prove it is the listed version before the destination may commit it.
        this.#content.checkSame(entry, seenAfter ?? (await this.#content.source.stat(entry.path, signal === undefined ? {} : { signal })), end);
        if (this.#hashed === entry.size && this.#hash !== undefined && this.#digest === undefined) this.#digest = await this.#hash.digest();
      }
      yield piece;
    }
    if (at < entry.size) this.#content.checkSame(entry, entry, at); // shorter than listed
  }

  async finish(signal: AbortSignal | undefined): Promise<Buffer> {
    const entry = this.#entry;
    if (this.#digest !== undefined) return this.#digest;
    this.#abandon();
    // Nothing read the whole content in order (an empty file; a put that went back): read it once more.
    const fresh = new HashedRead(this.#content, entry);
    let read = 0;
    for await (const piece of fresh.read(0, signal)) read += piece.length;
    if (entry.size === 0) {
      this.#content.checkSame(entry, await this.#content.source.stat(entry.path, signal === undefined ? {} : { signal }), read);
      return sha256(Buffer.alloc(0));
    }
    if (fresh.#digest === undefined) throw new FloeError('INTERNAL', `'${displayPath(entry.path)}': read ${read} bytes but no digest`);
    return fresh.#digest;
  }

  close(): void {
    if (this.#digest === undefined) this.#abandon();
  }

  #abandon(): void {
    this.#hash?.dispose();
    this.#hash = undefined;
    this.#hashed = -1;
  }
}

// eslint-disable-next-line require-yield
async function* empty(): AsyncGenerator<Buffer> {
  return;
}

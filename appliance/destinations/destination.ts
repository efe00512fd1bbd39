// The Destination interface (ARCHITECTURE.md, "Destinations"). A destination takes a journal
// FileEntry (the description) and a reader of its plaintext; it never sees the journal itself.
import type { FileEntry, Xattr } from '../journal/file-entry.js';

/**
 * The SHA-256 of an entry whose content nobody has hashed yet: an agentless copy reads a file
 * straight from a source (docs/copy.md) and learns the digest only as the put reads the content.
 * A destination must not rely on `entry.sha256` when it is this (all zeros).
 */
export const UNHASHED: Buffer = Buffer.alloc(32);

export function contentHashKnown(entry: Pick<FileEntry, 'sha256'>): boolean {
  return !entry.sha256.equals(UNHASHED);
}

/** Hash types a destination can report without reading an object back. */
export type ChecksumType = 'sha256' | 'md5';

export interface DestinationCapabilities {
  /** Checksums the destination can return for a stored object (server side). */
  readonly checksums: readonly ChecksumType[];
  readonly posixMetadata: boolean;
  readonly symlinks: boolean;
  readonly multipart: boolean;
  /** Names of one file (a hard-link group) can be made links of one stored file (PutOptions.linkTo). */
  readonly hardLinks: boolean;
  /** Largest object key/path in bytes. */
  readonly maxKeyBytes: number;
  /** Nanoseconds of a time the destination keeps (a file system's, probed); absent: exact, as S3 metadata. */
  readonly timePrecisionNs?: number;
  /**
   * Seconds since 1970 of the earliest and latest time the destination can hold (NFSv3: 0 to
   * 2^32 - 1); a time outside is stored as the nearest end. Absent: any time.
   */
  readonly timeRangeSeconds?: readonly [number, number];
  /**
   * The destination keeps a symlink's own mtime as put (a folder sets it with utimensat and
   * AT_SYMLINK_NOFOLLOW), so verification compares it. Absent: a symlink's mtime is not compared.
   */
  readonly symlinkTimes?: boolean;
}

export interface DestinationObject {
  /** Key relative to the destination's prefix (what `keyFor` gave). */
  readonly key: string;
  readonly size: number;
  readonly isDirectory: boolean;
  readonly etag?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** The object's extended attributes, where the destination keeps them (folders); absent elsewhere. */
  readonly xattrs?: readonly Xattr[];
}

/**
 * Opens the entry's plaintext from a byte offset; every chunk is checked by the journal. A piece in
 * shared memory (a SharedArrayBuffer) is read-only and valid only until the next piece is asked
 * for: the journal reuses that memory. Copy what must be kept longer.
 */
export type OpenContent = ((offset: number, signal?: AbortSignal) => AsyncIterable<Buffer>) & {
  /**
   * When present, the whole content in one buffer the caller keeps, checked as the stream's pieces
   * are: a shortcut for a destination that sends a small file in one request.
   */
  readonly whole?: (signal?: AbortSignal) => Promise<Buffer>;
  /**
   * When present, the content from `offset` written into the caller's blocks in order, checked as
   * the stream's pieces are: for blocks in shared memory (an upload's parts) the journal opens the
   * chunks straight into them, with no copy of each piece on the event loop.
   */
  readonly fill?: (offset: number) => ContentFill;
};

/** Content written into the caller's blocks, one after another (OpenContent.fill). */
export interface ContentFill {
  /** Fills `block` with the next block.length bytes; once settled, nothing else touches the block. */
  fill(block: Buffer, signal?: AbortSignal): Promise<void>;
  /** True once every byte of the content was filled into a block. */
  readonly atEnd: boolean;
  close(): void;
}

export interface PutOptions {
  readonly signal?: AbortSignal;
  /** Resumable state saved by an earlier interrupted put of the same entry (e.g. an upload id). */
  readonly resume?: ResumeState;
  /** Called whenever the resumable state changes, so the caller can persist it. */
  readonly onResumeState?: (state: ResumeState) => void | Promise<void>;
  /** Called with each number of content bytes sent. */
  readonly onProgress?: (bytes: number) => void;
  /**
   * The key of another name of the same file (same hard-link identity), already delivered. A
   * destination with `hardLinks` links the new name to it when the file found there is still that
   * one (type, size, mtime), without reading content; otherwise, and on other destinations, the
   * content is written as for any file.
   */
  readonly linkTo?: string;
}

export type ResumeState = Readonly<Record<string, string | number>>;

export interface PutResult {
  readonly key: string;
  readonly etag?: string;
  readonly bytes: number;
}

export interface Destination {
  readonly uri: string;
  readonly capabilities: DestinationCapabilities;

  /** The destination key for a journal path; throws DESTINATION_NAME_INVALID for names it cannot take. */
  keyFor(entry: Pick<FileEntry, 'path' | 'type'>): string;
  stat(key: string, options?: { signal?: AbortSignal }): Promise<DestinationObject | null>;
  put(entry: FileEntry, open: OpenContent, options?: PutOptions): Promise<PutResult>;
  /** Reads an object back (for verification). */
  read(key: string, options?: { signal?: AbortSignal }): AsyncIterable<Buffer>;
  list(options?: { signal?: AbortSignal }): AsyncIterable<DestinationObject>;
  remove(key: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Server-side checksum of a stored object, when declared in `capabilities.checksums`. */
  checksum?(key: string, type: ChecksumType, options?: { signal?: AbortSignal }): Promise<Buffer | null>;
  /**
   * True when nothing can have been at `key` before this destination was opened: its folder was
   * made by a put of this run. The engine then does not look there for a crashed run's copy
   * (heldAlready) before the first attempt: a fresh folder holds only what this run put in it.
   */
  absentBefore?(key: string): boolean;
  /** Removes leftovers of interrupted puts (open multipart uploads, part files). Returns how many. */
  cleanup?(options?: { signal?: AbortSignal }): Promise<number>;
  close(): Promise<void>;
}

// The Source interface (ARCHITECTURE.md, "Sources"): small on purpose, as rclone's Fs is.
// Paths are exact bytes ('/'-joined, relative to the source root, '' for the root itself), because
// NFS file names need not be UTF-8.
import type { FloeError } from '../errors.js';
import type { FileMetadata } from '../journal/file-entry.js';

export interface SourceEntry extends FileMetadata {
  /** The last path component, exact bytes ('' for the root). */
  readonly name: Buffer;
  /** Relative path from the source root, exact bytes, '' for the root. */
  readonly path: Buffer;
  /**
   * Set by a source whose listing told a regular file's identity (size, ctime, fsId, fileId) but
   * not the rest of its metadata (S3: ListObjectsV2 carries no user metadata, and a HeadObject per
   * object would double the requests). Only on `type: 'file'` entries from `list()`, and only when
   * the caller asked the source for it (S3SourceOptions.attributesFromRead). mode, uid, gid, atime
   * and mtime are placeholders: the full attributes come with the read (`ContentReadOptions.
   * onAttributes`, before the first byte). The read fails with SOURCE_CHANGED when they show the
   * object is not a regular file (a symlink object): `stat()` then gives what it is. TransferMode
   * CHANGED compares such an entry by its identity (ingest-metadata.ts, `unchanged`).
   */
  readonly attributesFromRead?: true;
}

export interface ReadOptions {
  readonly signal?: AbortSignal;
}

export interface ListOptions extends ReadOptions {
  /**
   * An item of the listing the source cannot give as an entry of a tree (in S3: an object with the
   * name of a folder beside it, a key with an empty, '.' or '..' component): it is left out of the
   * listing and named here with why, never dropped silently.
   */
  readonly onLeftOut?: (path: Buffer, error: FloeError) => void;
}

export interface ContentReadOptions extends ReadOptions {
  /**
   * Called before the stream ends, when the source learnt the file's attributes after its last
   * byte was read at no extra cost (NFSv3: a file one READ held whole, with the READ's post-op
   * attributes). A caller proving the file did not change while read then needs no stat.
   */
  readonly onAttributesAfter?: (after: FileMetadata) => void;
  /**
   * Called before the first byte is yielded, when the read itself gave the full attributes of the
   * version it reads (S3: the GET's response headers). A source calls it for every read of an entry
   * listed with `attributesFromRead` that returns bytes; the caller records those attributes.
   */
  readonly onAttributes?: (meta: FileMetadata) => void;
}

export interface Source {
  /** The URI the source was opened with, without credentials. */
  readonly uri: string;
  /** Largest useful single read, e.g. NFS FSINFO rtpref. */
  readonly preferredReadSize: number;

  stat(path: Buffer, options?: ReadOptions): Promise<SourceEntry>;
  /** Entries of one directory (no '.' or '..'), with their attributes. */
  list(dirPath: Buffer, options?: ListOptions): AsyncIterable<SourceEntry>;
  readlink(path: Buffer, options?: ReadOptions): Promise<Buffer>;
  /**
   * Reads a regular file sequentially from `offset`, yielding buffers in order. Implementations
   * may keep many reads in flight. The stream ends at the end of file as the server reports it.
   */
  read(entry: SourceEntry, offset?: number, options?: ContentReadOptions): AsyncIterable<Buffer>;
  close(): Promise<void>;
}

export function joinPath(dir: Buffer, name: Buffer): Buffer {
  return dir.length === 0 ? Buffer.from(name) : Buffer.concat([dir, SLASH, name]);
}

const SLASH = Buffer.from('/');

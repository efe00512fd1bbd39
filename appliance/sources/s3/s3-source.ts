// s3://bucket/prefix as a Source (ARCHITECTURE.md, "Sources"; "The way back"): the bucket floe's
// S3 destination wrote, or any other, read back as a tree.
//
// The flat key space maps onto folders as the destination lays them out: a key 'a/b' is the file
// 'b' in the folder 'a'; a 'key/' object (empty, with metadata) is a folder, and so is any
// CommonPrefix without one. list() streams ListObjectsV2 pages with Delimiter '/' and looks up
// each child's user metadata (HeadObject: a listing carries none) a window at a time
// (s3-listing.ts). With attributesFromRead (the ingest), a non-empty object is given from the
// listing alone and its metadata taken from its GET's response headers, so a small object costs
// one request instead of two (SourceEntry.attributesFromRead; docs/sources.md). POSIX metadata comes from the destination's keys (s3-object-metadata.ts);
// symlink objects (file-permissions 0120xxx) are symlinks whose target is the body. Reads are
// ranged GETs conditioned on the listed ETag (s3-ranged-read.ts).
//
// Keys are UTF-8; paths are the keys' bytes (path-key.ts). A path that is not UTF-8 names no key.
import { HeadObjectCommand, ListObjectsV2Command, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, type S3DestinationOptions } from '../../destinations/s3/s3-options.js';
import { send } from '../../destinations/s3/s3-send.js';
import { isNotFound } from '../../destinations/s3/s3-errors.js';
import { bytesToKey, isUtf8Key, keyToBytes } from '../../destinations/path-key.js';
import { FloeError } from '../../errors.js';
import { displayPath, type FileMetadata } from '../../journal/file-entry.js';
import type { ContentReadOptions, ListOptions, ReadOptions, Source, SourceEntry } from '../source.js';
import { listFolder, lookAhead, type FolderItem } from './s3-listing.js';
import { bucketFsId, implicitFolderMetadata, objectMetadata } from './s3-object-metadata.js';
import { rangedRead, type ObjectAnswer } from './s3-ranged-read.js';
import { mapS3SourceError } from './s3-source-errors.js';
import { parseS3SourceUri } from './s3-source-uri.js';

/** Where and how to connect, as the S3 destination takes it; plus how to read. */
export interface S3SourceOptions extends Pick<S3DestinationOptions, 'endpoint' | 'region' | 'forcePathStyle' | 'credentials' | 'maxAttempts' | 'idleTimeoutMs'> {
  /** Bytes per ranged GET; objects no larger are read with one GET. Default 8 MiB. */
  readonly partSize?: number;
  /** Ranged GETs in flight per read. Default 4: memory per read is about readDepth x partSize. */
  readonly readDepth?: number;
  /** HeadObject lookups in flight per listed folder. Default 32. */
  readonly listAhead?: number;
  /**
   * list() gives each non-empty object as a regular file from the listing's size, ETag and
   * Last-Modified, with no HeadObject; its metadata comes with its read (SourceEntry.
   * attributesFromRead). Only for a caller that handles such entries (the ingest: file-copy.ts,
   * ingest-metadata.ts). Folders, and objects no larger than a symlink target (4,095 bytes: a symlink
   * object, or an empty FIFO, socket or device) are still looked up. Default false: every entry of
   * a listing has its full metadata.
   */
  readonly attributesFromRead?: boolean;
  readonly signal?: AbortSignal;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 64 * 1024;
const DEFAULT_READ_DEPTH = 4;
const DEFAULT_LIST_AHEAD = 32;

export async function openS3Source(uri: string, options: S3SourceOptions = {}): Promise<S3Source> {
  return S3Source.open(uri, options);
}

export class S3Source implements Source {
  readonly preferredReadSize: number;
  /** The ETag each entry we returned was seen with, so read() conditions its GETs on that version. */
  private readonly etags = new WeakMap<object, string>();
  /**
   * Objects (key and ETag) a read showed are no regular file, though too large to be looked up in
   * the listing: listed again (the ingest's verify), they are looked up.
   */
  private readonly notFiles = new Set<string>();
  private readonly fsId: bigint;
  private closed = false;

  private constructor(
    readonly uri: string,
    /** The SDK client, for callers that add middleware (tests counting requests). */
    readonly client: S3Client,
    readonly bucket: string,
    /** The root's key prefix with its trailing '/', or '' for the bucket root. */
    readonly keyPrefix: string,
    private readonly endpoint: string | undefined,
    private readonly partSize: number,
    private readonly readDepth: number,
    private readonly listAhead: number,
    private readonly attributesFromRead: boolean,
  ) {
    this.preferredReadSize = partSize;
    this.fsId = bucketFsId(endpoint, bucket);
  }

  /** Connects and checks that the root is there, so a wrong endpoint, bucket or key fails at open. */
  static async open(uri: string, options: S3SourceOptions = {}): Promise<S3Source> {
    const parsed = parseS3SourceUri(uri);
    const partSize = checkedInteger('partSize', options.partSize, DEFAULT_PART_SIZE, MIN_PART_SIZE, 5 * 1024 * 1024 * 1024);
    const readDepth = checkedInteger('readDepth', options.readDepth, DEFAULT_READ_DEPTH, 1, 64);
    const listAhead = checkedInteger('listAhead', options.listAhead, DEFAULT_LIST_AHEAD, 1, 256);
    const connection: S3DestinationOptions = {
      ...pick(options),
      ...(parsed.endpoint === undefined ? {} : { endpoint: parsed.endpoint }),
      ...(parsed.region === undefined ? {} : { region: parsed.region }),
      ...(parsed.forcePathStyle === undefined ? {} : { forcePathStyle: parsed.forcePathStyle }),
    };
    const client = createS3Client(connection);
    const keyPrefix = parsed.prefix === '' ? '' : `${parsed.prefix}/`;
    const source = new S3Source(uri, client, parsed.bucket, keyPrefix, connection.endpoint, partSize, readDepth, listAhead, options.attributesFromRead === true);
    try {
      const page = await send(client, new ListObjectsV2Command({ Bucket: parsed.bucket, Prefix: keyPrefix, MaxKeys: 1 }), { signal: options.signal });
      if (keyPrefix !== '' && (page.KeyCount ?? page.Contents?.length ?? 0) === 0) {
        throw new FloeError('SOURCE_NOT_FOUND', `S3 source s3://${parsed.bucket}/${parsed.prefix}: no folder '${parsed.prefix}' (no object under '${keyPrefix}')`, {
          details: { bucket: parsed.bucket, prefix: parsed.prefix },
        });
      }
    } catch (err) {
      client.destroy();
      throw mapS3SourceError(err, { operation: 'open', bucket: parsed.bucket, endpoint: connection.endpoint, signal: options.signal });
    }
    return source;
  }

  async stat(path: Buffer, options: ReadOptions = {}): Promise<SourceEntry> {
    this.checkOpen();
    checkAbort(options, path);
    if (path.length === 0) return this.folderEntry(path, this.keyPrefix, options);
    const key = this.keyOf(path);
    if (key === undefined) throw notFound(path, this.rootText());
    const asObject = await this.objectEntry(path, key, options);
    if (asObject !== undefined) return asObject;
    const folderKey = `${key}/`;
    const marker = await this.head(folderKey, path, options);
    if (marker !== undefined) return this.entryFromHead(path, folderKey, marker, options);
    let page;
    try {
      page = await send(this.client, new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folderKey, MaxKeys: 1 }), { signal: options.signal });
    } catch (err) {
      throw mapS3SourceError(err, this.context('ListObjectsV2', folderKey, path, options));
    }
    if ((page.KeyCount ?? page.Contents?.length ?? 0) > 0) return this.withPath(path, implicitFolderMetadata(folderKey, this.fsId));
    throw notFound(path, this.rootText());
  }

  async *list(dirPath: Buffer, options: ListOptions = {}): AsyncIterable<SourceEntry> {
    this.checkOpen();
    checkAbort(options, dirPath);
    let prefix = this.keyPrefix;
    if (dirPath.length > 0) {
      const key = this.keyOf(dirPath);
      if (key === undefined) throw notFound(dirPath, this.rootText());
      prefix = `${key}/`;
    }
    const folder = listFolder({ client: this.client, bucket: this.bucket, prefix, signal: options.signal });
    yield* lookAhead(folder.items, this.listAhead, (item) => this.childEntry(item, dirPath, options));
    if (dirPath.length > 0 && folder.empty()) throw notFound(dirPath, this.rootText());
  }

  async readlink(path: Buffer, options: ReadOptions = {}): Promise<Buffer> {
    const entry = await this.stat(path, options);
    if (entry.type !== 'symlink') throw new FloeError('INVALID_ARGUMENT', `'${displayPath(path)}' is a ${entry.type}, not a symlink`);
    return Buffer.from(entry.target ?? Buffer.alloc(0));
  }

  async *read(entry: SourceEntry, offset = 0, options: ContentReadOptions = {}): AsyncIterable<Buffer> {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new FloeError('INVALID_ARGUMENT', `read offset must be a non-negative integer, not ${offset}`);
    if (entry.type !== 'file') throw new FloeError('INVALID_ARGUMENT', `'${displayPath(entry.path)}' is a ${entry.type}, not a regular file`);
    checkAbort(options, entry.path);
    const key = this.keyOf(entry.path);
    if (key === undefined) throw notFound(entry.path, this.rootText());
    let etag = this.etags.get(entry);
    if (etag === undefined) {
      // An entry that did not come from this source: read the version that has its identity.
      const now = await this.stat(entry.path, options);
      etag = this.etags.get(now);
      if (now.type !== 'file' || now.fileId !== entry.fileId || now.size !== entry.size || etag === undefined) {
        throw new FloeError('SOURCE_CHANGED', `'${displayPath(entry.path)}' changed since it was listed`, { details: { path: displayPath(entry.path) } });
      }
    }
    let gets = 0;
    // The GET's headers describe the version read (If-Match): the entry's full attributes, which
    // an entry listed with attributesFromRead does not have yet.
    const seen: { meta?: FileMetadata } = {};
    const onFirstAnswer = (answer: ObjectAnswer): void => {
      const meta = objectMetadata({ key, size: entry.size, etag: answer.etag ?? etag, lastModified: answer.lastModified, metadata: answer.metadata }, this.fsId);
      if (meta.type !== 'file') {
        this.notFiles.add(`${key}\0${etag}`);
        throw new FloeError('SOURCE_CHANGED', `'${displayPath(entry.path)}' is a ${meta.type}, not a regular file: the metadata of s3://${this.bucket}/${key} says so (a listing cannot tell); look it up again`, {
          details: { path: displayPath(entry.path), bucket: this.bucket, key },
        });
      }
      seen.meta = meta;
      options.onAttributes?.(meta);
    };
    for await (const piece of rangedRead({
      client: this.client,
      bucket: this.bucket,
      key,
      etag,
      size: entry.size,
      offset,
      partSize: this.partSize,
      depth: this.readDepth,
      signal: options.signal,
      context: { bucket: this.bucket, key, path: displayPath(entry.path), endpoint: this.endpoint },
      onFirstAnswer,
    })) {
      gets++;
      yield piece;
    }
    // Every GET was If-Match on the listed ETag: the bytes read are those of the version listed,
    // so the entry is also the attributes after the last byte (no HeadObject needed).
    if (gets > 0) options.onAttributesAfter?.(seen.meta ?? metadataOf(entry));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  /** The full key of a path, or undefined when the path is not UTF-8 (no key can name it). */
  private keyOf(path: Buffer): string | undefined {
    for (const part of path.toString('latin1').split('/')) {
      if (part === '' || part === '.' || part === '..') {
        throw new FloeError('INVALID_ARGUMENT', `source path '${displayPath(path)}' must be relative, without empty, '.' or '..' components`);
      }
    }
    const key = bytesToKey(path);
    return isUtf8Key(key) ? this.keyPrefix + key : undefined;
  }

  /** A child of a listed folder; undefined for what a Source cannot name or what vanished since the listing. */
  private async childEntry(item: FolderItem, dirPath: Buffer, options: ListOptions): Promise<SourceEntry | undefined> {
    checkAbort(options, dirPath);
    const name = keyToBytes(item.name);
    const path = dirPath.length === 0 ? name : Buffer.concat([dirPath, SLASH, name]);
    // Keys such as 'a//b', 'a/./b' or 'a/../b' have no place in a tree: left out, and said so.
    if (item.name === '' || item.name === '.' || item.name === '..') {
      const what = item.kind === 'folder' ? `the keys under s3://${this.bucket}/${item.key}` : `the object s3://${this.bucket}/${item.key}`;
      options.onLeftOut?.(path, leftOut(path, `${what}: a key with an empty, '.' or '..' component names no file of a tree; left out`, this.bucket, item.key));
      return undefined;
    }
    if (item.kind === 'shadowed') {
      const message = `the object s3://${this.bucket}/${item.key} has the name of the folder beside it (keys under '${item.key}/'); a tree cannot hold both: the folder is kept, the object left out`;
      options.onLeftOut?.(path, leftOut(path, message, this.bucket, item.key));
      return undefined;
    }
    if (item.kind === 'folder') return this.folderEntry(path, item.key, options);
    if (this.attributesFromRead && item.size > MAX_SYMLINK_TARGET && item.etag !== undefined && !this.notFiles.has(`${item.key}\0${item.etag}`)) return this.listedFileEntry(path, item.key, item.size, item.etag, item.lastModified);
    return this.objectEntry(path, item.key, options);
  }

  /**
   * A non-empty object as its listing tells it, with no HeadObject: its identity (size, ETag,
   * Last-Modified: ctime and fileId as a HeadObject gives them) and placeholders for the rest,
   * which its read gives (SourceEntry.attributesFromRead).
   */
  private listedFileEntry(path: Buffer, key: string, size: number, etag: string, lastModified: Date | undefined): SourceEntry {
    const meta = objectMetadata({ key, size, etag, lastModified, metadata: undefined }, this.fsId);
    const entry: SourceEntry = { ...this.withPath(path, meta), attributesFromRead: true };
    this.etags.set(entry, etag);
    return entry;
  }

  /** A folder: its 'key/' object's metadata when there is one, else an implicit folder. */
  private async folderEntry(path: Buffer, folderKey: string, options: ReadOptions): Promise<SourceEntry> {
    if (folderKey === '') return this.withPath(path, implicitFolderMetadata(folderKey, this.fsId));
    const head = await this.head(folderKey, path, options);
    if (head === undefined) return this.withPath(path, implicitFolderMetadata(folderKey, this.fsId));
    return this.entryFromHead(path, folderKey, head, options);
  }

  /** The object at `key` (not a folder marker), or undefined when there is none. */
  private async objectEntry(path: Buffer, key: string, options: ReadOptions): Promise<SourceEntry | undefined> {
    const head = await this.head(key, path, options);
    return head === undefined ? undefined : this.entryFromHead(path, key, head, options);
  }

  private async head(key: string, path: Buffer, options: ReadOptions): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await send(this.client, new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { signal: options.signal });
    } catch (err) {
      if (isNotFound(err) && !options.signal?.aborted) return undefined;
      throw mapS3SourceError(err, this.context('HeadObject', key, path, options));
    }
  }

  private async entryFromHead(path: Buffer, key: string, head: HeadObjectCommandOutput, options: ReadOptions): Promise<SourceEntry> {
    const facts = { key, size: head.ContentLength ?? 0, etag: head.ETag, lastModified: head.LastModified, metadata: head.Metadata };
    const meta = objectMetadata(facts, this.fsId);
    let target: Buffer | undefined;
    if (meta.type === 'symlink') {
      // The destination writes a symlink as an object whose body is the target's exact bytes.
      const pieces: Buffer[] = [];
      for await (const piece of rangedRead({
        client: this.client,
        bucket: this.bucket,
        key,
        etag: head.ETag ?? '*',
        size: meta.size,
        offset: 0,
        partSize: Math.max(meta.size, 1),
        depth: 1,
        signal: options.signal,
        context: { bucket: this.bucket, key, path: displayPath(path), endpoint: this.endpoint },
      })) {
        pieces.push(Buffer.from(piece));
      }
      target = Buffer.concat(pieces);
    }
    const entry = this.withPath(path, target === undefined ? meta : { ...meta, target });
    if (head.ETag !== undefined) this.etags.set(entry, head.ETag);
    return entry;
  }

  private withPath(path: Buffer, meta: FileMetadata): SourceEntry {
    const slash = path.lastIndexOf(0x2f);
    return { ...meta, name: Buffer.from(slash < 0 ? path : path.subarray(slash + 1)), path: Buffer.from(path) };
  }

  private context(operation: string, key: string, path: Buffer, options: ReadOptions) {
    return { operation, bucket: this.bucket, key, path: displayPath(path), endpoint: this.endpoint, signal: options.signal };
  }

  private rootText(): string {
    return `s3://${this.bucket}/${this.keyPrefix}`;
  }

  private checkOpen(): void {
    if (this.closed) throw new FloeError('INVALID_ARGUMENT', `S3 source ${this.uri} is closed`);
  }
}

const SLASH = Buffer.from('/');

/**
 * The longest symlink target (PATH_MAX 4,096 with its NUL byte): a smaller object may be a
 * symlink object, an empty one a FIFO, socket or device, which the ingest must know as such before
 * it reads, so with attributesFromRead those are still looked up (HeadObject) in the listing.
 */
const MAX_SYMLINK_TARGET = 4095;

function metadataOf(entry: SourceEntry): FileMetadata {
  const { name: _name, path: _path, attributesFromRead: _fromRead, ...meta } = entry;
  return meta;
}

function pick(options: S3SourceOptions): S3DestinationOptions {
  const out: { -readonly [K in keyof S3DestinationOptions]: S3DestinationOptions[K] } = {};
  if (options.endpoint !== undefined) out.endpoint = options.endpoint;
  if (options.region !== undefined) out.region = options.region;
  if (options.forcePathStyle !== undefined) out.forcePathStyle = options.forcePathStyle;
  if (options.credentials !== undefined) out.credentials = options.credentials;
  if (options.maxAttempts !== undefined) out.maxAttempts = options.maxAttempts;
  if (options.idleTimeoutMs !== undefined) out.idleTimeoutMs = options.idleTimeoutMs;
  return out;
}

function checkedInteger(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new FloeError('INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}, not ${value}`);
  return value;
}

function checkAbort(options: ReadOptions, path: Buffer): void {
  if (options.signal?.aborted) throw new FloeError('CANCELLED', `operation on '${displayPath(path)}' cancelled`);
}

function leftOut(path: Buffer, message: string, bucket: string, key: string): FloeError {
  return new FloeError('SOURCE_NAME_INVALID', `'${displayPath(path)}': ${message}`, { details: { path: displayPath(path), bucket, key } });
}

function notFound(path: Buffer, root: string): FloeError {
  return new FloeError('SOURCE_NOT_FOUND', `'${displayPath(path)}': no such file or folder in ${root}`, { details: { path: displayPath(path) } });
}

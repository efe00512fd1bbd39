// s3://bucket/prefix: Amazon S3 and S3-compatible servers (ARCHITECTURE.md, "Destinations").
// Objects are laid out as DataSync and FSx for Lustre lay them out (s3-metadata.ts): a file is an
// object, a directory an empty object whose key ends in '/', a symlink an object whose body is
// the target; other types (devices, fifos, sockets) are empty objects carrying their metadata.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { md5Base64Async } from '../../crypto/hash-pool.js';
import { FloeError } from '../../errors.js';
import { displayPath, type FileEntry } from '../../journal/file-entry.js';
import { ContentReader } from '../content-reader.js';
import { contentHashKnown, type Destination, type DestinationCapabilities, type DestinationObject, type OpenContent, type PutOptions, type PutResult } from '../destination.js';
import { isUtf8Key, relativeKey } from '../path-key.js';
import { isNotFound, mapS3Error } from './s3-errors.js';
import { posixMetadata } from '../posix-metadata.js';
import { abortUpload, choosePartSize, uploadMultipart } from './s3-multipart.js';
import { send } from './s3-send.js';
import { createS3Client, MAX_KEY_BYTES, parseS3Uri, validateOptions, writeParameters, type S3DestinationOptions } from './s3-options.js';

type Signal = { signal?: AbortSignal };

export class S3Destination implements Destination {
  readonly uri: string;
  readonly capabilities: DestinationCapabilities;
  /** The SDK client, for callers that add middleware (metrics, tests counting requests). */
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix with its trailing '/', or '' for the bucket root. */
  readonly keyPrefix: string;
  readonly #options: S3DestinationOptions;

  private constructor(uri: string, options: S3DestinationOptions) {
    validateOptions(options);
    const { bucket, prefix } = parseS3Uri(uri);
    this.uri = uri;
    this.bucket = bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.#options = options;
    this.client = createS3Client(options);
    this.capabilities = {
      // Neither s3rver nor RGW returns a content checksum floe can trust (TOOLCHAIN.md), and a
      // multipart ETag is not a content hash: verification reads the object back.
      checksums: [],
      posixMetadata: true,
      symlinks: true,
      multipart: true,
      // Every name of a hard-linked file is an object of its own, with the whole content (as DataSync).
      hardLinks: false,
      maxKeyBytes: MAX_KEY_BYTES - Buffer.byteLength(this.keyPrefix, 'utf8'),
    };
  }

  /** Checks that the bucket answers, so a wrong endpoint, bucket or key fails at open. */
  static async open(uri: string, options: S3DestinationOptions = {}, openOptions: Signal = {}): Promise<S3Destination> {
    const destination = new S3Destination(uri, options);
    try {
      await send(destination.client, new ListObjectsV2Command({ Bucket: destination.bucket, Prefix: destination.keyPrefix, MaxKeys: 1 }), { signal: openOptions.signal });
    } catch (err) {
      destination.client.destroy();
      throw mapS3Error(err, { operation: 'open', bucket: destination.bucket, signal: openOptions.signal });
    }
    return destination;
  }

  keyFor(entry: Pick<FileEntry, 'path' | 'type'>): string {
    const key = relativeKey(entry);
    // "The name for a key is a sequence of Unicode characters whose UTF-8 encoding is at most
    // 1,024 bytes long" (Amazon S3 user guide, "Naming Amazon S3 objects"). Never mangled.
    if (!isUtf8Key(key)) {
      throw new FloeError('DESTINATION_NAME_INVALID', `S3 keys must be UTF-8; the path is not: "${displayPath(entry.path)}"`, {
        details: { path: displayPath(entry.path) },
      });
    }
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > this.capabilities.maxKeyBytes) {
      throw new FloeError(
        'DESTINATION_NAME_INVALID',
        `S3 keys are at most ${MAX_KEY_BYTES} bytes; "${displayPath(entry.path)}" needs ${bytes + Buffer.byteLength(this.keyPrefix)} with the prefix`,
        { details: { path: displayPath(entry.path), bytes } },
      );
    }
    return key;
  }

  async stat(key: string, options: Signal = {}): Promise<DestinationObject | null> {
    const fullKey = this.keyPrefix + key;
    try {
      const head = await send(this.client, new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey }), { signal: options.signal });
      const object: DestinationObject = {
        key,
        size: head.ContentLength ?? 0,
        isDirectory: key.endsWith('/'),
        metadata: { ...(head.Metadata ?? {}) },
      };
      return head.ETag === undefined ? object : { ...object, etag: head.ETag };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw mapS3Error(err, { operation: 'HeadObject', bucket: this.bucket, key: fullKey, signal: options.signal });
    }
  }

  async put(entry: FileEntry, open: OpenContent, options: PutOptions = {}): Promise<PutResult> {
    const key = this.keyFor(entry);
    const fullKey = this.keyPrefix + key;
    const metadata = posixMetadata(entry);
    if (entry.type === 'file' && entry.size > choosePartSize(entry.size, this.#options.partSize)) {
      const { etag } = await uploadMultipart(
        { client: this.client, bucket: this.bucket, key: fullKey, options: this.#options, metadata },
        entry,
        open,
        options,
      );
      return etag === undefined ? { key, bytes: entry.size } : { key, etag, bytes: entry.size };
    }
    let body: Buffer;
    if (entry.type === 'file') body = await this.#readWhole(entry, open, options.signal);
    else if (entry.type === 'symlink') body = Buffer.from(entry.target ?? Buffer.alloc(0));
    else body = Buffer.alloc(0);
    try {
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key: fullKey,
        Body: body,
        ContentLength: body.length,
        ...(this.#options.contentMd5 === true ? { ContentMD5: await md5Base64Async(body) } : {}),
        Metadata: metadata,
        ...writeParameters(this.#options),
      });
      // SigV4 signs the body's SHA-256 and the server refuses a body that does not match it. A
      // file's body is the whole file, whose SHA-256 the journal recorded at ingest (the SDK hashes
      // the small body of a folder or a symlink itself, and the body of a file an agentless copy
      // read from its source, whose SHA-256 nobody knows yet).
      const payloadSha256 = entry.type === 'file' && contentHashKnown(entry) ? entry.sha256.toString('hex') : undefined;
      const answer = await send(this.client, command, { signal: options.signal, payloadSha256 });
      options.onProgress?.(body.length);
      return answer.ETag === undefined ? { key, bytes: body.length } : { key, etag: answer.ETag, bytes: body.length };
    } catch (err) {
      throw mapS3Error(err, { operation: 'PutObject', bucket: this.bucket, key: fullKey, signal: options.signal });
    }
  }

  async *read(key: string, options: Signal = {}): AsyncIterable<Buffer> {
    const fullKey = this.keyPrefix + key;
    const context = { operation: 'GetObject', bucket: this.bucket, key: fullKey, signal: options.signal };
    let body: Readable;
    try {
      const answer = await send(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: fullKey }), { signal: options.signal });
      body = answer.Body as Readable;
    } catch (err) {
      throw mapS3Error(err, context);
    }
    try {
      for await (const chunk of body) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    } catch (err) {
      throw mapS3Error(err, context);
    } finally {
      body.destroy();
    }
  }

  async *list(options: Signal = {}): AsyncIterable<DestinationObject> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await send(this.client, new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keyPrefix, ContinuationToken: token }), { signal: options.signal });
      } catch (err) {
        throw mapS3Error(err, { operation: 'ListObjectsV2', bucket: this.bucket, key: this.keyPrefix, signal: options.signal });
      }
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined || item.Key === this.keyPrefix) continue;
        const key = item.Key.slice(this.keyPrefix.length);
        const object: DestinationObject = { key, size: item.Size ?? 0, isDirectory: key.endsWith('/') };
        yield item.ETag === undefined ? object : { ...object, etag: item.ETag };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async remove(key: string, options: Signal = {}): Promise<void> {
    const fullKey = this.keyPrefix + key;
    try {
      await send(this.client, new DeleteObjectCommand({ Bucket: this.bucket, Key: fullKey }), { signal: options.signal });
    } catch (err) {
      if (isNotFound(err)) return;
      throw mapS3Error(err, { operation: 'DeleteObject', bucket: this.bucket, key: fullKey, signal: options.signal });
    }
  }

  /** Aborts every open multipart upload under the prefix. Call when no put is running. */
  async cleanup(options: Signal = {}): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await send(this.client, new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.keyPrefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }), { signal: options.signal });
      } catch (err) {
        throw mapS3Error(err, { operation: 'ListMultipartUploads', bucket: this.bucket, key: this.keyPrefix, signal: options.signal });
      }
      for (const upload of page.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        await abortUpload(this.client, this.bucket, upload.Key, upload.UploadId, options.signal);
        aborted++;
      }
      if (page.IsTruncated !== true) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  async #readWhole(entry: FileEntry, open: OpenContent, signal: AbortSignal | undefined): Promise<Buffer> {
    if (open.whole !== undefined) {
      const body = await open.whole(signal);
      if (body.length !== entry.size) throw new FloeError('INVALID_ARGUMENT', `content is ${body.length} bytes, but the entry's size is ${entry.size}`);
      return body;
    }
    const reader = new ContentReader(open, entry.size, signal);
    try {
      const body = await reader.read(0, entry.size);
      await reader.expectEnd(); // content longer than the entry says is a caller error
      return body;
    } catch (err) {
      if (signal?.aborted) throw new FloeError('CANCELLED', `put ${this.uri}: cancelled`, { cause: err });
      throw err;
    } finally {
      await reader.close();
    }
  }
}

export async function openS3Destination(uri: string, options: S3DestinationOptions = {}): Promise<S3Destination> {
  return S3Destination.open(uri, options);
}

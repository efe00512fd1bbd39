// s3://bucket/prefix plus the options that say where and how to write.
import { S3Client, type S3ClientConfig, type ServerSideEncryption, type StorageClass } from '@aws-sdk/client-s3';
import { FloeError } from '../../errors.js';
import { installCallMiddleware, SignalledHttpHandler } from './s3-send.js';

export const MIB = 1024 * 1024;
/** S3 limits (AWS "Amazon S3 multipart upload limits"). */
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MIB;
export const MAX_KEY_BYTES = 1024;

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3DestinationOptions {
  /** S3-compatible endpoint, e.g. http://127.0.0.1:7480; AWS when absent. */
  readonly endpoint?: string;
  /** Defaults to AWS_REGION, then us-east-1. */
  readonly region?: string;
  /** Path-style addressing (needed by most S3-compatible servers). Default: true when `endpoint` is set. */
  readonly forcePathStyle?: boolean;
  /** Explicit credentials; otherwise the SDK's chain (AWS_ACCESS_KEY_ID, profiles, instance role). */
  readonly credentials?: S3Credentials;
  readonly storageClass?: StorageClass;
  readonly serverSideEncryption?: 'AES256' | 'aws:kms';
  /** Required with serverSideEncryption 'aws:kms' unless the bucket's default key is meant. */
  readonly kmsKeyId?: string;
  /** Preferred multipart part size in bytes (min 5 MiB; grows to stay under 10,000 parts). Default 8 MiB. */
  readonly partSize?: number;
  /** Parts in flight per upload. Default 4. Memory per upload is about queueSize x partSize. */
  readonly queueSize?: number;
  /** The SDK's attempts per call (its own retry of one call). Default 3; the transfer engine retries puts. */
  readonly maxAttempts?: number;
  /**
   * Also send Content-MD5 with every PutObject and UploadPart. Off by default: the signed payload
   * SHA-256 already makes the server refuse a damaged body. Buckets with S3 Object Lock retention
   * require it.
   */
  readonly contentMd5?: boolean;
  /**
   * A request whose connection neither sends nor receives for this long fails with
   * DESTINATION_UNREACHABLE, which the transfer engine retries. Default 120 s. A server that
   * accepts a request and never answers (RGW whose store is full holds writes so) otherwise
   * holds a transfer forever.
   */
  readonly idleTimeoutMs?: number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** Connecting takes at most this long (or the idle timeout, when shorter). */
const CONNECT_TIMEOUT_MS = 30_000;

export interface S3Location {
  readonly bucket: string;
  /** Key prefix without a trailing '/', '' for the bucket root. */
  readonly prefix: string;
}

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/u.exec(uri);
  if (!match) throw new FloeError('INVALID_ARGUMENT', `not an s3:// URI: ${uri}`);
  const bucket = match[1]!;
  // Bucket naming rules (AWS "General purpose bucket naming rules"): 3-63 of a-z 0-9 . -
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/u.test(bucket)) {
    throw new FloeError('INVALID_ARGUMENT', `invalid bucket name "${bucket}" in ${uri}`);
  }
  const prefix = (match[2] ?? '').replace(/\/+$/u, '');
  if (prefix.split('/').some((part) => part === '' || part === '.' || part === '..') && prefix !== '') {
    throw new FloeError('INVALID_ARGUMENT', `invalid key prefix "${prefix}" in ${uri}`);
  }
  return { bucket, prefix };
}

export function validateOptions(options: S3DestinationOptions): void {
  if (options.partSize !== undefined && (!Number.isInteger(options.partSize) || options.partSize < MIN_PART_SIZE || options.partSize > MAX_PART_SIZE)) {
    throw new FloeError('INVALID_ARGUMENT', `partSize must be an integer from ${MIN_PART_SIZE} to ${MAX_PART_SIZE} bytes`);
  }
  if (options.queueSize !== undefined && (!Number.isInteger(options.queueSize) || options.queueSize < 1 || options.queueSize > 64)) {
    throw new FloeError('INVALID_ARGUMENT', 'queueSize must be an integer from 1 to 64');
  }
  if (options.serverSideEncryption !== undefined && options.serverSideEncryption !== 'AES256' && options.serverSideEncryption !== 'aws:kms') {
    throw new FloeError('INVALID_ARGUMENT', `serverSideEncryption must be AES256 or aws:kms`);
  }
  if (options.idleTimeoutMs !== undefined && (!Number.isInteger(options.idleTimeoutMs) || options.idleTimeoutMs < 1)) {
    throw new FloeError('INVALID_ARGUMENT', 'idleTimeoutMs must be a positive integer (milliseconds)');
  }
  if (options.kmsKeyId !== undefined && options.serverSideEncryption !== 'aws:kms') {
    throw new FloeError('INVALID_ARGUMENT', 'kmsKeyId needs serverSideEncryption aws:kms');
  }
}

/**
 * The SDK's logger middleware builds a record of every call's input and output (sensitive fields
 * masked, about 20 us a call) for `logger?.info?.(...)`, and its default logger throws it away. A
 * logger without info and error skips building them (the SDK calls those two only that way); floe
 * reports failures itself from the errors the calls throw.
 */
export const QUIET_SDK_LOGGER = { trace: () => undefined, debug: () => undefined, warn: () => undefined } as unknown as NonNullable<S3ClientConfig['logger']>;

export function createS3Client(options: S3DestinationOptions): S3Client {
  const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const config: S3ClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    maxAttempts: options.maxAttempts ?? 3,
    // TOOLCHAIN.md, "S3: s3rver" and "Ceph RGW": with the default (WHEN_SUPPORTED) the SDK streams
    // aws-chunked bodies that s3rver stores framing and all, and RGW refuses with 411. floe signs
    // each body's SHA-256 itself and verifies by reading back, so checksums only when an API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    logger: QUIET_SDK_LOGGER,
    // socketTimeout: inactivity on the connection (sending or receiving), not the request's length,
    // so a large part on a slow link is never cut while its bytes move.
    requestHandler: new SignalledHttpHandler({ socketTimeout: idle, connectionTimeout: Math.min(idle, CONNECT_TIMEOUT_MS) }),
    // Each command class's middleware stack resolved once, not per call (s3-send.ts).
    cacheMiddleware: true,
  };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = { ...options.credentials };
  const client = new S3Client(config);
  installCallMiddleware(client);
  return client;
}

/** Headers every object write carries (PutObject and CreateMultipartUpload). */
export function writeParameters(options: S3DestinationOptions): {
  StorageClass?: StorageClass;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
} {
  const out: { StorageClass?: StorageClass; ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } = {};
  if (options.storageClass !== undefined) out.StorageClass = options.storageClass;
  if (options.serverSideEncryption !== undefined) out.ServerSideEncryption = options.serverSideEncryption;
  if (options.kmsKeyId !== undefined) out.SSEKMSKeyId = options.kmsKeyId;
  return out;
}

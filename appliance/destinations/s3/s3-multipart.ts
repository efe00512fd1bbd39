// Resumable multipart upload with the SDK's own calls (not lib-storage), so an upload survives a
// crash: the upload id is handed to the caller once, and a later put derives what is left from
// ListParts (tus-node-server's approach, STYLE.md). Limits: AWS "Amazon S3 multipart upload limits"
// (5 MiB to 5 GiB per part except the last, at most 10,000 parts, 5 TiB per object).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { releaseSharedBuffer, sharedBuffer } from '../../crypto/crypto-workers.js';
import { md5AndSha256Async, sha256Async } from '../../crypto/hash-pool.js';
import { FloeError } from '../../errors.js';
import type { FileEntry } from '../../journal/file-entry.js';
import { ContentReader } from '../content-reader.js';
import type { OpenContent, PutOptions, ResumeState } from '../destination.js';
import { isNoSuchUpload, isNotImplemented, mapS3Error } from './s3-errors.js';
import { send } from './s3-send.js';
import { MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIB, MIN_PART_SIZE, writeParameters, type S3DestinationOptions } from './s3-options.js';

export const DEFAULT_PART_SIZE = 8 * MIB;
export const DEFAULT_QUEUE_SIZE = 4;

/** The resume state an S3 multipart put reports through `onResumeState`. */
// A type alias, not an interface, so it is assignable to ResumeState's Record.
export type S3MultipartResumeState = {
  readonly kind: 's3-multipart';
  readonly bucket: string;
  /** Full object key (with the destination's prefix). */
  readonly key: string;
  readonly uploadId: string;
  readonly partSize: number;
  readonly size: number;
};

/** Preferred size, at least 5 MiB, grown in whole MiB until `size` fits in 10,000 parts. */
export function choosePartSize(size: number, preferred: number = DEFAULT_PART_SIZE): number {
  if (size > MAX_OBJECT_SIZE) throw new FloeError('INVALID_ARGUMENT', `${size} bytes is over S3's largest object (5 TiB)`);
  let partSize = Math.max(preferred, MIN_PART_SIZE);
  const needed = Math.ceil(size / MAX_PARTS);
  if (needed > partSize) partSize = Math.ceil(needed / MIB) * MIB;
  return Math.min(partSize, MAX_PART_SIZE);
}

export function partCountFor(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

export interface MultipartTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly options: S3DestinationOptions;
  readonly metadata: Record<string, string>;
}

interface UploadedPart {
  readonly PartNumber: number;
  readonly ETag: string;
}

export async function uploadMultipart(target: MultipartTarget, entry: FileEntry, open: OpenContent, put: PutOptions): Promise<{ etag?: string }> {
  const { client, bucket, key } = target;
  const signal = put.signal;
  const context = (operation: string) => ({ operation, bucket, key, signal });
  const size = entry.size;

  let state = usableResumeState(put.resume, bucket, key, size);
  const done = new Map<number, string>();
  if (state !== undefined) {
    try {
      const partCount = partCountFor(size, state.partSize);
      for (const part of await listParts(target, state.uploadId, signal)) {
        const expected = part.PartNumber < partCount ? state.partSize : size - (partCount - 1) * state.partSize;
        if (part.PartNumber >= 1 && part.PartNumber <= partCount && part.Size === expected) done.set(part.PartNumber, part.ETag);
      }
    } catch (err) {
      // The upload was completed, aborted or expired, or the server cannot list parts (s3rver):
      // nothing to resume, start over.
      if (!isNoSuchUpload(err) && !isNotImplemented(err)) throw mapS3Error(err, context('ListParts'));
      state = undefined;
    }
  }
  if (state === undefined) {
    const partSize = choosePartSize(size, target.options.partSize);
    let created;
    try {
      created = await send(client, new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: target.metadata, ...writeParameters(target.options) }), { signal });
    } catch (err) {
      throw mapS3Error(err, context('CreateMultipartUpload'));
    }
    if (created.UploadId === undefined) throw new FloeError('DESTINATION_IO', `CreateMultipartUpload s3://${bucket}/${key}: no UploadId in the answer`);
    state = { kind: 's3-multipart', bucket, key, uploadId: created.UploadId, partSize, size };
    await put.onResumeState?.(state);
  }

  await uploadMissingParts(target, state, done, open, put);

  const parts: UploadedPart[] = [...done.entries()].sort(([a], [b]) => a - b).map(([PartNumber, ETag]) => ({ PartNumber, ETag }));
  let etag: string | undefined;
  try {
    const completed = await send(client, new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: state.uploadId, MultipartUpload: { Parts: parts } }), { signal });
    etag = completed.ETag;
    // RGW answers CompleteMultipartUpload with an empty ETag; HeadObject has the real one (TOOLCHAIN.md).
    if (etag === undefined || etag === '') {
      etag = (await send(client, new HeadObjectCommand({ Bucket: bucket, Key: key }), { signal })).ETag;
    }
  } catch (err) {
    throw mapS3Error(err, context('CompleteMultipartUpload'));
  }
  return etag === undefined ? {} : { etag };
}

async function uploadMissingParts(
  target: MultipartTarget,
  state: S3MultipartResumeState,
  done: Map<number, string>,
  open: OpenContent,
  put: PutOptions,
): Promise<void> {
  const { client, bucket, key } = target;
  const signal = put.signal;
  const partCount = partCountFor(state.size, state.partSize);
  const queueSize = target.options.queueSize ?? DEFAULT_QUEUE_SIZE;
  const reader = new ContentReader(open, state.size, signal);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const upload = async (partNumber: number, body: Buffer): Promise<void> => {
    try {
      // SigV4 signs the part's SHA-256 (x-amz-content-sha256), computed on a crypto worker: the
      // server refuses a part that arrived damaged (XAmzContentSHA256Mismatch). Content-MD5 ("the
      // base64-encoded 128-bit MD5 digest of the part data") only when the options ask for it.
      const digests = target.options.contentMd5 === true ? await md5AndSha256Async(body) : { sha256Hex: (await sha256Async(body)).toString('hex') };
      const command = new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: state.uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
        ...('md5Base64' in digests ? { ContentMD5: digests.md5Base64 } : {}),
      });
      const answer = await send(client, command, { signal, payloadSha256: digests.sha256Hex });
      if (answer.ETag === undefined) throw new FloeError('DESTINATION_IO', `UploadPart ${partNumber} of s3://${bucket}/${key}: no ETag in the answer`);
      done.set(partNumber, answer.ETag);
      put.onProgress?.(body.length);
    } catch (err) {
      failure ??= { error: mapS3Error(err, { operation: `UploadPart ${partNumber}`, bucket, key, signal }) };
    } finally {
      // The call has settled, its retries too: nothing sends these bytes any more.
      releaseSharedBuffer(body);
    }
  };

  try {
    for (let partNumber = 1; partNumber <= partCount && failure === undefined; partNumber++) {
      if (done.has(partNumber)) continue;
      while (inFlight.size >= queueSize) await Promise.race(inFlight);
      if (failure !== undefined) break;
      const offset = (partNumber - 1) * state.partSize;
      const length = Math.min(state.partSize, state.size - offset);
      // Parts are assembled in pooled shared memory, which a crypto worker hashes in place and the
      // next parts reuse: no new buffer and no copy for the worker per part.
      const body = sharedBuffer(length, state.partSize);
      try {
        await reader.read(offset, length, body);
        if (partNumber === partCount) await reader.expectEnd();
      } catch (err) {
        releaseSharedBuffer(body);
        failure ??= { error: signal?.aborted ? new FloeError('CANCELLED', `put s3://${bucket}/${key}: cancelled`, { cause: err }) : err };
        break;
      }
      const task: Promise<void> = upload(partNumber, body).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    // Parts already on their way are valid parts of the upload: let them land, so a resume keeps them.
    await Promise.all(inFlight);
  } finally {
    await reader.close().catch(() => undefined);
  }
  if (failure !== undefined) throw failure.error;
}

async function listParts(target: MultipartTarget, uploadId: string, signal: AbortSignal | undefined): Promise<{ PartNumber: number; ETag: string; Size: number }[]> {
  const parts: { PartNumber: number; ETag: string; Size: number }[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await send(target.client, new ListPartsCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId, PartNumberMarker: marker }), { signal });
    for (const part of page.Parts ?? []) {
      if (part.PartNumber !== undefined && part.ETag !== undefined && part.Size !== undefined) {
        parts.push({ PartNumber: part.PartNumber, ETag: part.ETag, Size: part.Size });
      }
    }
    if (page.IsTruncated !== true || page.NextPartNumberMarker === undefined) return parts;
    marker = page.NextPartNumberMarker;
  }
}

/** The state if it describes an upload of this very object and size, else undefined (start over). */
function usableResumeState(resume: ResumeState | undefined, bucket: string, key: string, size: number): S3MultipartResumeState | undefined {
  if (resume === undefined) return undefined;
  const { kind, uploadId, partSize } = resume;
  if (kind !== 's3-multipart' || resume.bucket !== bucket || resume.key !== key || resume.size !== size) return undefined;
  if (typeof uploadId !== 'string' || uploadId === '' || typeof partSize !== 'number') return undefined;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE || partCountFor(size, partSize) > MAX_PARTS) return undefined;
  return { kind, bucket, key, uploadId, partSize, size };
}

export async function abortUpload(client: S3Client, bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
  try {
    await send(client, new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), { signal });
  } catch (err) {
    if (!isNoSuchUpload(err)) throw mapS3Error(err, { operation: 'AbortMultipartUpload', bucket, key, signal });
  }
}

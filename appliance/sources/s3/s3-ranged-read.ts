// An object's bytes by ranged GETs, several in flight, every one conditioned on the ETag the
// object was listed with, so all the bytes come from one version of the object:
// "If-Match: Return the object only if its entity tag (ETag) is the same as the one specified;
// otherwise, return a 412 (precondition failed) error." (S3 API reference, GetObject)
// A replaced object therefore fails the read with SOURCE_CHANGED (s3-source-errors.ts), which
// the ingest handles as any file that changed while it was read (ingest/file-copy.ts).
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { FloeError } from '../../errors.js';
import { send } from '../../destinations/s3/s3-send.js';
import { mapS3SourceError, type S3SourceErrorContext } from './s3-source-errors.js';

export interface RangedRead {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  /** The object's size as listed; with If-Match it is the size of every version read. */
  readonly size: number;
  readonly offset: number;
  /** Bytes per GET (one GET for an object no larger). */
  readonly partSize: number;
  /** GETs in flight. */
  readonly depth: number;
  readonly signal?: AbortSignal | undefined;
  readonly context: Omit<S3SourceErrorContext, 'operation' | 'signal'>;
  /**
   * The response headers of the GET at `offset`, before its first byte is yielded: the version
   * read (If-Match) described by the read itself, user metadata included. A throw ends the read.
   */
  readonly onFirstAnswer?: (answer: ObjectAnswer) => void;
}

/** What a GetObject response says of the object, beside its body. */
export interface ObjectAnswer {
  readonly etag: string | undefined;
  readonly lastModified: Date | undefined;
  readonly metadata: Readonly<Record<string, string>> | undefined;
}

interface Part {
  readonly pieces: Buffer[];
  readonly answer: ObjectAnswer;
}

/** Yields the bytes from `offset` to the end; nothing (and no GET) at or past the end. */
export async function* rangedRead(read: RangedRead): AsyncGenerator<Buffer> {
  if (read.offset >= read.size) return;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  read.signal?.addEventListener('abort', onAbort, { once: true });
  if (read.signal?.aborted) stop.abort();
  const inFlight: Promise<Part>[] = [];
  let first = true;
  let next = read.offset;
  const whole = read.offset === 0 && read.size <= read.partSize;
  const startPart = (): void => {
    const start = next;
    const end = Math.min(read.size, start + read.partSize);
    next = end;
    const part = fetchPart(read, start, end, whole, stop.signal);
    part.catch(() => undefined); // observed in turn, or abandoned with the read
    inFlight.push(part);
  };
  try {
    while (inFlight.length < read.depth && next < read.size) startPart();
    while (inFlight.length > 0) {
      const { pieces, answer } = await inFlight.shift()!;
      if (first) {
        first = false;
        read.onFirstAnswer?.(answer);
      }
      if (next < read.size) startPart();
      for (const piece of pieces) {
        if (read.signal?.aborted) throw cancelled(read);
        yield piece;
      }
    }
  } catch (err) {
    if (read.signal?.aborted) throw cancelled(read, err);
    throw err;
  } finally {
    read.signal?.removeEventListener('abort', onAbort);
    stop.abort(); // GETs still in flight when the reader stops early
  }
}

/**
 * One GET's body as the socket delivered it (pieces of tens of KiB), not copied into one buffer:
 * the journal's chunker copies each piece into its chunk, so a copy here would be a second one
 * (and an 8 MiB allocation per part for the garbage collector).
 */
async function fetchPart(read: RangedRead, start: number, end: number, whole: boolean, signal: AbortSignal): Promise<Part> {
  const context: S3SourceErrorContext = { ...read.context, operation: 'GetObject', signal };
  const length = end - start;
  let body: Readable;
  let answer: ObjectAnswer;
  try {
    const response = await send(
      read.client,
      new GetObjectCommand({ Bucket: read.bucket, Key: read.key, IfMatch: read.etag, ...(whole ? {} : { Range: `bytes=${start}-${end - 1}` }) }),
      { signal },
    );
    body = response.Body as Readable;
    answer = { etag: response.ETag, lastModified: response.LastModified, metadata: response.Metadata };
  } catch (err) {
    throw mapS3SourceError(err, context);
  }
  const out: Buffer[] = [];
  let filled = 0;
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      if (filled + bytes.length > length) throw new FloeError('SOURCE_CHANGED', `'${read.context.path ?? read.key}' changed while it was read: GetObject returned more than the ${length} bytes asked for at ${start}`);
      out.push(bytes);
      filled += bytes.length;
    }
  } catch (err) {
    throw mapS3SourceError(err, context);
  } finally {
    body.destroy();
  }
  if (filled !== length) {
    throw new FloeError('SOURCE_IO', `GetObject s3://${read.bucket}/${read.key}: ${filled} bytes at ${start} instead of ${length} (connection cut?)`, { details: { bucket: read.bucket, key: read.key } });
  }
  return { pieces: out, answer };
}

function cancelled(read: RangedRead, cause?: unknown): FloeError {
  return new FloeError('CANCELLED', `GetObject s3://${read.bucket}/${read.key}: cancelled`, cause === undefined ? {} : { cause });
}

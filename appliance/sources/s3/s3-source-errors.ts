// What the SDK throws, as floe's source error codes (errors.ts). The S3 destination's classifiers
// (s3-errors.ts) say what an answer is; this file says what it means for a source: a key gone is
// SOURCE_NOT_FOUND (the ingest skips the file), an If-Match refused is SOURCE_CHANGED (the ingest
// reads the file again, and reports it changed if it keeps changing).
import { FloeError } from '../../errors.js';
import { ACCESS_DENIED, THROTTLING, networkCode, s3ErrorFacts } from '../../destinations/s3/s3-errors.js';

export interface S3SourceErrorContext {
  readonly operation: string;
  readonly bucket: string;
  readonly key?: string;
  /** The source path as people read it, when the call was about one. */
  readonly path?: string;
  readonly endpoint?: string;
  readonly signal?: AbortSignal | undefined;
}

export function mapS3SourceError(err: unknown, context: S3SourceErrorContext): FloeError {
  if (err instanceof FloeError) return err;
  const { where, s3Code, status, message, make } = s3ErrorFacts(err, context);
  const at = context.endpoint === undefined ? 'at this endpoint' : `at ${context.endpoint}`;

  if (context.signal?.aborted || s3Code === 'AbortError') return make('CANCELLED', `${context.operation} ${where}: cancelled`);
  if (s3Code === 'NoSuchBucket') return make('SOURCE_NOT_FOUND', `bucket "${context.bucket}" does not exist ${at} (${context.operation})`);
  if (s3Code === 'PreconditionFailed' || status === 412) {
    // "If-Match: Return the object only if its entity tag (ETag) is the same as the one specified;
    // otherwise, return a 412 (precondition failed) error." (S3 API reference, GetObject)
    return make('SOURCE_CHANGED', `'${context.path ?? context.key ?? ''}' changed while it was read: ${where} is no longer the version listed (ETag differs)`);
  }
  if ((s3Code !== undefined && THROTTLING.has(s3Code)) || status === 503 || status === 429) {
    return make('SOURCE_BUSY', `${context.operation} ${where}: throttled (${s3Code ?? status}): ${message}`);
  }
  if (s3Code === 'InvalidAccessKeyId' || s3Code === 'SignatureDoesNotMatch') {
    return make('SOURCE_ACCESS_DENIED', `${context.operation} ${where}: the endpoint refused the credentials (${s3Code})`);
  }
  if ((s3Code !== undefined && ACCESS_DENIED.has(s3Code)) || status === 403 || status === 401) {
    return make('SOURCE_ACCESS_DENIED', `${context.operation} ${where}: access denied (${s3Code ?? status})`);
  }
  if (s3Code === 'NoSuchKey' || s3Code === 'NotFound' || status === 404) {
    return make('SOURCE_NOT_FOUND', `${context.operation} '${context.path ?? context.key ?? ''}': no such object (${where})`);
  }
  const network = networkCode(err);
  if (network !== undefined) return make('SOURCE_UNREACHABLE', `${context.operation} ${where}: the endpoint does not answer (${network}${context.endpoint === undefined ? '' : ` from ${context.endpoint}`})`);
  if (status !== undefined && status >= 500) return make('SOURCE_IO', `${context.operation} ${where}: server error ${status} (${s3Code ?? 'unknown'}): ${message}`);
  if (status !== undefined && status >= 400) return make('SOURCE_PROTOCOL', `${context.operation} ${where}: refused with ${status} (${s3Code ?? 'unknown'}): ${message}`);
  return make('SOURCE_IO', `${context.operation} ${where}: ${message}`);
}

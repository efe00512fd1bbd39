// Maps what the SDK throws onto floe's destination error codes (errors.ts). Whether an error is
// retryable follows from the code; the transfer engine does the retrying.
import { FloeError, type ErrorCode } from '../../errors.js';

export const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequests', 'TooManyRequestsException', 'RequestThrottled']);
export const ACCESS_DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'AccountProblem', 'InvalidSecurity', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'CredentialsProviderError', 'KMS.AccessDeniedException']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'UND_ERR_SOCKET']);
const NAME_INVALID = new Set(['KeyTooLongError', 'InvalidObjectName']);
const DIGEST_REFUSED = new Set(['BadDigest', 'XAmzContentSHA256Mismatch', 'InvalidDigest']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number };
  cause?: unknown;
}

/** The S3 error code or Node error code of an SDK error, e.g. "NoSuchUpload" or "ECONNREFUSED". */
export function s3ErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as SdkErrorShape;
  if (typeof e.code === 'string' && NETWORK.has(e.code)) return e.code;
  return e.Code ?? e.name ?? e.code;
}

export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as SdkErrorShape;
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** True for the answers that mean "this upload id is gone": NoSuchUpload, or RGW's NoSuchKey after an abort (TOOLCHAIN.md). */
export function isNoSuchUpload(err: unknown): boolean {
  const code = s3ErrorCode(err);
  return code === 'NoSuchUpload' || code === 'NoSuchKey';
}

/** The server does not implement the API at all (s3rver: ListParts, AbortMultipartUpload, ListMultipartUploads). */
export function isNotImplemented(err: unknown): boolean {
  const status = httpStatusOf(err);
  const code = s3ErrorCode(err);
  return status === 501 || status === 405 || code === 'NotImplemented' || code === 'MethodNotAllowed';
}

export function isNotFound(err: unknown): boolean {
  const code = s3ErrorCode(err);
  return code === 'NotFound' || code === 'NoSuchKey' || (httpStatusOf(err) === 404 && code !== 'NoSuchBucket');
}

/** Node error codes, looking through `cause` chains (the SDK wraps socket errors). */
export function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as SdkErrorShape).cause, depth++) {
    const { code, name } = e as SdkErrorShape;
    if (typeof code === 'string' && NETWORK.has(code)) return code;
    if (typeof name === 'string' && NETWORK.has(name)) return name;
  }
  return undefined;
}

export interface S3ErrorContext {
  readonly operation: string;
  readonly bucket: string;
  readonly key?: string;
  readonly signal?: AbortSignal;
}

/** What an SDK error says, shared by the destination's and the source's mappings: where, S3 code, HTTP status, message, details. */
export function s3ErrorFacts(err: unknown, context: { operation: string; bucket: string; key?: string; path?: string }) {
  const where = context.key === undefined ? `s3://${context.bucket}` : `s3://${context.bucket}/${context.key}`;
  const s3Code = s3ErrorCode(err);
  const status = httpStatusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const details: Record<string, unknown> = { operation: context.operation, bucket: context.bucket };
  if (context.key !== undefined) details.key = context.key;
  if (context.path !== undefined) details.path = context.path;
  if (s3Code !== undefined) details.s3Code = s3Code;
  if (status !== undefined) details.httpStatus = status;
  const make = (code: ErrorCode, text: string): FloeError => new FloeError(code, text, { details, cause: err });
  return { where, s3Code, status, message, details, make };
}

export function mapS3Error(err: unknown, context: S3ErrorContext): FloeError {
  if (err instanceof FloeError) return err;
  const { where, s3Code, status, message, make } = s3ErrorFacts(err, context);

  if (context.signal?.aborted || s3Code === 'AbortError') return make('CANCELLED', `${context.operation} ${where}: cancelled`);
  if (s3Code === 'NoSuchBucket') {
    return make('DESTINATION_UNREACHABLE', `bucket "${context.bucket}" does not exist at this endpoint (${context.operation})`);
  }
  if ((s3Code !== undefined && THROTTLING.has(s3Code)) || status === 503 || status === 429) {
    return make('DESTINATION_THROTTLED', `${context.operation} ${where}: throttled (${s3Code ?? status}): ${message}`);
  }
  if ((s3Code !== undefined && ACCESS_DENIED.has(s3Code)) || status === 403 || status === 401) {
    return make('DESTINATION_ACCESS_DENIED', `${context.operation} ${where}: access denied (${s3Code ?? status}): ${message}`);
  }
  if (s3Code !== undefined && DIGEST_REFUSED.has(s3Code)) {
    // The body the server received does not match the digest sent with it: Content-MD5, or the
    // SHA-256 recorded at ingest (S3Call.payloadSha256). Not retried: the same bytes would fail again.
    return make('CHECKSUM_MISMATCH', `${context.operation} ${where}: the server refused the body: it does not match its checksum (${s3Code})`);
  }
  if (s3Code !== undefined && NAME_INVALID.has(s3Code)) {
    return make('DESTINATION_NAME_INVALID', `${context.operation} ${where}: the server refused the name (${s3Code})`);
  }
  if (status === 501 || status === 405 || s3Code === 'NotImplemented' || s3Code === 'MethodNotAllowed') {
    // The server lacks this API (s3rver has no ListParts, AbortMultipartUpload or ListMultipartUploads).
    return make('INVALID_ARGUMENT', `${context.operation} ${where}: the server does not implement this (${s3Code ?? status})`);
  }
  const network = networkCode(err);
  if (network !== undefined) return make('DESTINATION_UNREACHABLE', `${context.operation} ${where}: ${network}: ${message}`);
  if (status !== undefined && status >= 500) return make('DESTINATION_IO', `${context.operation} ${where}: server error ${status} (${s3Code ?? 'unknown'}): ${message}`);
  if (status === 404) return make('NOT_FOUND', `${context.operation} ${where}: not found (${s3Code ?? 404})`);
  if (status !== undefined && status >= 400) {
    // A request the server refuses as malformed: retrying the same request will not help.
    return make('INVALID_ARGUMENT', `${context.operation} ${where}: refused with ${status} (${s3Code ?? 'unknown'}): ${message}`);
  }
  // No HTTP answer at all (a dropped connection the SDK did not classify): treat as transient.
  return make('DESTINATION_IO', `${context.operation} ${where}: ${message}`);
}

// Maps Node file-system errors onto floe's destination error codes (errors.ts).
import { FloeError, type ErrorCode } from '../../errors.js';

const CODES: Record<string, ErrorCode> = {
  EACCES: 'DESTINATION_ACCESS_DENIED',
  EPERM: 'DESTINATION_ACCESS_DENIED',
  EROFS: 'DESTINATION_ACCESS_DENIED',
  ENAMETOOLONG: 'DESTINATION_NAME_INVALID',
  EILSEQ: 'DESTINATION_NAME_INVALID',
  ENOSPC: 'DESTINATION_FULL',
  EDQUOT: 'DESTINATION_FULL',
  // A mount that went away (NFS for EFS, Lustre for FSx): transient, retry later.
  ESTALE: 'DESTINATION_UNREACHABLE',
  ETIMEDOUT: 'DESTINATION_UNREACHABLE',
  EHOSTDOWN: 'DESTINATION_UNREACHABLE',
  EHOSTUNREACH: 'DESTINATION_UNREACHABLE',
  ENOTCONN: 'DESTINATION_UNREACHABLE',
};

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

export function mapFsError(err: unknown, operation: string, where: string, signal?: AbortSignal): FloeError {
  if (err instanceof FloeError) return err;
  const errno = errnoCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const details = { operation, path: where, ...(errno === undefined ? {} : { errno }) };
  if (signal?.aborted || errno === 'ABORT_ERR') return new FloeError('CANCELLED', `${operation} ${where}: cancelled`, { details, cause: err });
  const code: ErrorCode = (errno !== undefined ? CODES[errno] : undefined) ?? 'DESTINATION_IO';
  return new FloeError(code, `${operation} ${where}: ${errno ?? ''} ${message}`.replace(/ +/gu, ' '), { details, cause: err });
}

// Every failure the UI shows, in one shape: the API's {code, message, details}, or one of the
// UI's own codes (NOT_AVAILABLE when this daemon has no such route yet).

export interface UiError {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export const NOT_AVAILABLE = 'NOT_AVAILABLE';

export function toUiError(err: unknown): UiError {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown; details?: unknown };
    const code = typeof e.code === 'string' ? e.code : 'INTERNAL';
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
    const details = typeof e.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>) : undefined;
    // The daemon's not-found handler names the missing route: that route is not on this daemon.
    if (code === 'NOT_FOUND' && message.startsWith('no route ')) return { code: NOT_AVAILABLE, message: 'not available on this daemon' };
    return details === undefined ? { code, message } : { code, message, details };
  }
  return { code: 'INTERNAL', message: String(err) };
}

export function isNotAvailable(e: UiError | undefined): boolean {
  return e?.code === NOT_AVAILABLE;
}

/** Whether the daemon itself is unreachable (not running, restarting), as opposed to refusing. */
export function isUnreachable(e: UiError | undefined): boolean {
  return e?.code === 'UNAVAILABLE';
}

/** Seconds to wait before the next unlock attempt, from a WRONG_UNLOCK_CODE or UNLOCK_DELAYED error. */
export function retryAfterSeconds(e: UiError | undefined): number | undefined {
  const v = e?.details?.retryAfterSeconds;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

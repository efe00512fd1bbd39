// One table of every error floe reports: code, HTTP status, CLI exit code, retryable.
// The API's error body ({code, message, details}) and the CLI's exit codes both come from here,
// so a script sees the same code whichever way it talks to the device.

export interface ErrorSpec {
  readonly http: number;
  readonly exit: number;
  readonly retryable: boolean;
}

export const ERROR_TABLE = {
  // Generic
  INVALID_ARGUMENT: { http: 400, exit: 2, retryable: false },
  NOT_FOUND: { http: 404, exit: 3, retryable: false },
  CONFLICT: { http: 409, exit: 4, retryable: false },
  INTERNAL: { http: 500, exit: 1, retryable: false },
  UNAVAILABLE: { http: 503, exit: 5, retryable: true },
  CANCELLED: { http: 409, exit: 6, retryable: false },
  TIMEOUT: { http: 504, exit: 5, retryable: true },
  RATE_LIMITED: { http: 429, exit: 12, retryable: true },
  // Not a refusal: the CLI's exit for an import, sync or execution that ran to its end with some
  // files failed (DataSync's "completed with errors"); the report names each file and its code.
  COMPLETED_WITH_ERRORS: { http: 200, exit: 7, retryable: false },

  // Auth, keys and lifecycle
  UNAUTHENTICATED: { http: 401, exit: 10, retryable: false },
  FORBIDDEN: { http: 403, exit: 10, retryable: false },
  WRONG_UNLOCK_CODE: { http: 403, exit: 11, retryable: false },
  UNLOCK_DELAYED: { http: 429, exit: 12, retryable: true },
  DEVICE_LOCKED: { http: 423, exit: 13, retryable: false },
  INVALID_STATE: { http: 409, exit: 14, retryable: false },
  MANIFEST_INVALID: { http: 400, exit: 15, retryable: false },
  MANIFEST_WRONG_DEVICE: { http: 403, exit: 15, retryable: false },
  SEAL_MISMATCH: { http: 409, exit: 16, retryable: false },
  JOB_SPEC_INVALID: { http: 400, exit: 2, retryable: false },

  // Journal
  JOURNAL_CORRUPT: { http: 500, exit: 20, retryable: false },
  JOURNAL_CLOSED: { http: 409, exit: 20, retryable: false },
  JOURNAL_FORMAT: { http: 500, exit: 20, retryable: false },
  JOURNAL_FULL: { http: 507, exit: 21, retryable: false },
  CHECKSUM_MISMATCH: { http: 500, exit: 22, retryable: false },
  FILE_NOT_IN_JOURNAL: { http: 404, exit: 3, retryable: false },

  // Sources
  SOURCE_UNREACHABLE: { http: 502, exit: 30, retryable: true },
  SOURCE_ACCESS_DENIED: { http: 403, exit: 31, retryable: false },
  SOURCE_NOT_FOUND: { http: 404, exit: 32, retryable: false },
  SOURCE_IO: { http: 502, exit: 33, retryable: true },
  SOURCE_STALE: { http: 409, exit: 34, retryable: true },
  SOURCE_CHANGED: { http: 409, exit: 35, retryable: true },
  SOURCE_PROTOCOL: { http: 502, exit: 36, retryable: false },
  SOURCE_BUSY: { http: 503, exit: 37, retryable: true },
  // A listed item no tree can hold (FileProblems outcome "skipped", Prepare), never an exit of its own.
  SOURCE_NAME_INVALID: { http: 400, exit: 36, retryable: false },
  // A note on a file that was copied (FileProblems outcome "noted"), never an exit of its own.
  SOURCE_TIME_OUT_OF_RANGE: { http: 200, exit: 36, retryable: false },

  // Destinations
  DESTINATION_UNREACHABLE: { http: 502, exit: 40, retryable: true },
  DESTINATION_ACCESS_DENIED: { http: 403, exit: 41, retryable: false },
  DESTINATION_THROTTLED: { http: 503, exit: 42, retryable: true },
  DESTINATION_IO: { http: 502, exit: 43, retryable: true },
  DESTINATION_NAME_INVALID: { http: 400, exit: 44, retryable: false },
  // No space or quota left on a folder target: what was written stays; free space, run again.
  DESTINATION_FULL: { http: 507, exit: 46, retryable: false },
  VERIFY_CHECKSUM_FAILURE: { http: 409, exit: 45, retryable: false },
  VERIFY_METADATA_FAILURE: { http: 409, exit: 45, retryable: false },
  VERIFY_FILES_ADDED: { http: 409, exit: 45, retryable: false },
  VERIFY_FILES_REMOVED: { http: 409, exit: 45, retryable: false },

  // Firmware
  FIRMWARE_INVALID: { http: 400, exit: 50, retryable: false },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export interface FloeErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class FloeError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: FloeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FloeError';
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].http;
  }

  get exitCode(): number {
    return ERROR_TABLE[this.code].exit;
  }

  get retryable(): boolean {
    return ERROR_TABLE[this.code].retryable;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isFloeError(err: unknown, code?: ErrorCode): err is FloeError {
  return err instanceof FloeError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a FloeError, keeping FloeErrors as they are. */
export function asFloeError(err: unknown, fallback: ErrorCode = 'INTERNAL'): FloeError {
  if (err instanceof FloeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FloeError(fallback, message, { cause: err });
}

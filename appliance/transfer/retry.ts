// Retries with exponential backoff and full jitter ("Exponential Backoff And Jitter", AWS
// Architecture Blog): wait a random time in [0, min(cap, base * 2^attempt)). Only errors the error
// table marks retryable are retried: throttling, 5xx, dropped connections, a gateway that is down.
import { FloeError, isFloeError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 12, baseDelayMs: 250, maxDelayMs: 8_000 };

export function isRetryable(err: unknown): boolean {
  return isFloeError(err) && err.retryable && err.code !== 'CANCELLED';
}

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Sleeps `ms` unless `signal` aborts first (then throws CANCELLED). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new FloeError('CANCELLED', 'cancelled'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new FloeError('CANCELLED', 'cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt(n)` (n from 1) until it succeeds, fails with a non-retryable error, or runs out of
 * attempts. `onRetry` hears about each retried failure.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  options: { signal?: AbortSignal; onRetry?: (err: unknown, n: number, delayMs: number) => void } = {},
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (options.signal?.aborted) throw new FloeError('CANCELLED', 'cancelled', { cause: err });
      if (!isRetryable(err) || n >= policy.maxAttempts) throw err;
      const delay = backoffDelay(policy, n);
      options.onRetry?.(err, n, delay);
      await sleep(delay, options.signal);
    }
  }
}

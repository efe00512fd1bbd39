import { describe, expect, it } from 'vitest';
import { FloeError } from '../errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryable, withRetry } from './retry.js';

describe('retry with exponential backoff and full jitter', () => {
  it('draws each wait from [0, min(cap, base * 2^(n-1)))', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  it('retries throttling, 5xx and dropped connections, never the rest', () => {
    expect(isRetryable(new FloeError('DESTINATION_THROTTLED', 'SlowDown'))).toBe(true);
    expect(isRetryable(new FloeError('DESTINATION_IO', '500'))).toBe(true);
    expect(isRetryable(new FloeError('DESTINATION_UNREACHABLE', 'ECONNRESET'))).toBe(true);
    expect(isRetryable(new FloeError('DESTINATION_ACCESS_DENIED', '403'))).toBe(false);
    expect(isRetryable(new FloeError('JOURNAL_CORRUPT', 'tag'))).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(12);
  });

  it('gives up after maxAttempts with the last error, and stops at once on a permanent one', async () => {
    const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
    let calls = 0;
    await expect(withRetry(policy, async () => { calls++; throw new FloeError('DESTINATION_IO', `try ${calls}`); })).rejects.toMatchObject({ message: 'try 3' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(policy, async () => { calls++; throw new FloeError('INVALID_ARGUMENT', 'no'); })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(calls).toBe(1);
    expect(await withRetry(policy, async (n) => { if (n < 3) throw new FloeError('DESTINATION_THROTTLED', 'slow'); return n; })).toBe(3);
  });

  it('stops waiting when cancelled', async () => {
    const controller = new AbortController();
    const pending = withRetry({ maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, async () => { throw new FloeError('DESTINATION_IO', 'x'); }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

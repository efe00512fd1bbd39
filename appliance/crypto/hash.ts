import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import type { SecretKey } from './secret-key.js';

export const SHA256_LENGTH = 32;

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha256Hex(...parts: Uint8Array[]): string {
  return sha256(...parts).toString('hex');
}

/** Streaming SHA-256. `digest()` may be called once. */
export class Sha256 {
  readonly #h: Hash = createHash('sha256');
  update(data: Uint8Array): this {
    this.#h.update(data);
    return this;
  }
  digest(): Buffer {
    return this.#h.digest();
  }
}

/**
 * Below this many bytes, hashing or sealing on the calling thread is faster than the copy and the
 * hop of the thread pool, so sha256Async and AeadKey's async calls do it there.
 */
export const THREAD_POOL_MIN_BYTES = 64 * 1024;

/** SHA-256 of a buffer in the libuv thread pool (inline when small), so hashing overlaps other work on two cores. */
export async function sha256Async(data: Uint8Array): Promise<Buffer> {
  if (data.length < THREAD_POOL_MIN_BYTES) return sha256(data);
  return Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', data));
}

export function hmacSha256(key: SecretKey, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key.bytes);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Constant-time comparison for MACs and hashes. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

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

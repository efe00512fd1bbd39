import { createCipheriv, createDecipheriv, webcrypto } from 'node:crypto';
import { UnauthenticatedError } from './errors.js';
import { THREAD_POOL_MIN_BYTES } from './hash.js';
import type { SecretKey } from './secret-key.js';

/** AES-256-GCM (NIST SP 800-38D): 96-bit nonces, 128-bit tags appended to the ciphertext. */
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
const ALGORITHM = 'aes-256-gcm';

/**
 * An AEAD key. The synchronous calls run on the calling thread; the async ones run in the libuv
 * thread pool (WebCrypto) so that encryption overlaps hashing and I/O on a two-core device, except
 * under THREAD_POOL_MIN_BYTES, where the hop costs more than it saves.
 * Callers are responsible for nonce uniqueness (docs/journal-format.md, "Nonces").
 */
export class AeadKey {
  readonly #key: SecretKey;
  #webKey: Promise<webcrypto.CryptoKey> | null = null;

  constructor(key: SecretKey) {
    if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
    this.#key = key;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, additionalData: Uint8Array): Buffer {
    checkNonce(nonce);
    const c = createCipheriv(ALGORITHM, this.#key.bytes, nonce, { authTagLength: TAG_LENGTH });
    c.setAAD(additionalData);
    const head = c.update(plaintext);
    const tail = c.final();
    return Buffer.concat([head, tail, c.getAuthTag()]);
  }

  open(nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array): Buffer {
    checkNonce(nonce);
    if (sealed.length < TAG_LENGTH) throw new UnauthenticatedError('ciphertext shorter than its tag');
    const body = sealed.subarray(0, sealed.length - TAG_LENGTH);
    const tag = sealed.subarray(sealed.length - TAG_LENGTH);
    const d = createDecipheriv(ALGORITHM, this.#key.bytes, nonce, { authTagLength: TAG_LENGTH });
    d.setAAD(additionalData);
    d.setAuthTag(tag);
    const head = d.update(body);
    try {
      return Buffer.concat([head, d.final()]);
    } catch {
      head.fill(0);
      throw new UnauthenticatedError();
    }
  }

  async sealAsync(nonce: Uint8Array, plaintext: Uint8Array, additionalData: Uint8Array): Promise<Buffer> {
    if (plaintext.length < THREAD_POOL_MIN_BYTES) return this.seal(nonce, plaintext, additionalData);
    checkNonce(nonce);
    const key = await this.#web();
    const out = await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData, tagLength: 128 }, key, plaintext);
    return Buffer.from(out);
  }

  async openAsync(nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array): Promise<Buffer> {
    if (sealed.length < THREAD_POOL_MIN_BYTES) return this.open(nonce, sealed, additionalData);
    checkNonce(nonce);
    if (sealed.length < TAG_LENGTH) throw new UnauthenticatedError('ciphertext shorter than its tag');
    const key = await this.#web();
    try {
      const out = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData, tagLength: 128 }, key, sealed);
      return Buffer.from(out);
    } catch {
      throw new UnauthenticatedError();
    }
  }

  /** Drops the key: the raw bytes are zeroed, the WebCrypto handle released. */
  dispose(): void {
    this.#webKey = null;
    this.#key.dispose();
  }

  #web(): Promise<webcrypto.CryptoKey> {
    // importKey copies the bytes into OpenSSL memory, which Node clears when the handle is freed.
    this.#webKey ??= webcrypto.subtle.importKey('raw', this.#key.bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
    return this.#webKey;
  }
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_LENGTH) throw new RangeError(`AES-GCM nonce must be ${NONCE_LENGTH} bytes`);
}

import { scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { AeadKey, NONCE_LENGTH } from './aead.js';
import { randomBytes } from './random.js';
import { SecretKey } from './secret-key.js';

/** scrypt (RFC 7914) cost parameters. The defaults take about 0.1 s and 32 MiB here. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

/** A secret wrapped under a key derived from a passphrase (the unlock code). */
export interface WrappedSecret {
  readonly kdf: 'scrypt';
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly nonce: Buffer;
  /** AES-256-GCM ciphertext with its tag. */
  readonly sealed: Buffer;
}

function deriveWrappingKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<SecretKey> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + (1 << 20) };
  return new Promise((resolve, reject) => {
    scryptCb(passphrase.normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(SecretKey.fromBytes(key))));
  });
}

/** Wraps `secret` under scrypt(passphrase); `additionalData` is bound to it (AEAD). */
export async function wrapSecret(
  passphrase: string,
  secret: Uint8Array,
  additionalData: Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<WrappedSecret> {
  const salt = randomBytes(16);
  const nonce = randomBytes(NONCE_LENGTH);
  const key = new AeadKey(await deriveWrappingKey(passphrase, salt, params));
  try {
    return { kdf: 'scrypt', params, salt, nonce, sealed: key.seal(nonce, secret, additionalData) };
  } finally {
    key.dispose();
  }
}

/** Unwraps; throws UnauthenticatedError for a wrong passphrase or any changed byte. */
export async function unwrapSecret(passphrase: string, wrapped: WrappedSecret, additionalData: Uint8Array): Promise<Buffer> {
  if (wrapped.params.N > 1 << 20 || wrapped.params.r > 32 || wrapped.params.p > 16) {
    throw new RangeError('scrypt parameters out of range');
  }
  const key = new AeadKey(await deriveWrappingKey(passphrase, wrapped.salt, wrapped.params));
  try {
    return key.open(wrapped.nonce, wrapped.sealed, additionalData);
  } finally {
    key.dispose();
  }
}

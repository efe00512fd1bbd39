import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { sha256 } from './hash.js';

/** Ed25519 (RFC 8032) device identity. Raw 32-byte keys travel in manifests and state files. */
export class SigningKey {
  readonly #private: KeyObject;
  readonly publicKey: Buffer;

  private constructor(privateKey: KeyObject) {
    this.#private = privateKey;
    this.publicKey = rawPublicKey(createPublicKey(privateKey));
  }

  static generate(): SigningKey {
    return new SigningKey(generateKeyPairSync('ed25519').privateKey);
  }

  /** From the 32-byte seed (RFC 8032 private key). The caller zeroes `seed` afterwards. */
  static fromSeed(seed: Uint8Array): SigningKey {
    if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
    const der = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    return new SigningKey(key);
  }

  /** The 32-byte seed, for wrapping into a manifest. The caller zeroes it after use. */
  exportSeed(): Buffer {
    const der = this.#private.export({ format: 'der', type: 'pkcs8' });
    const seed = Buffer.from(der.subarray(der.length - 32));
    der.fill(0);
    return seed;
  }

  sign(message: Uint8Array): Buffer {
    return sign(null, message, this.#private);
  }
}

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const der = Buffer.concat([ED25519_SPKI_PREFIX, publicKey]);
  try {
    return verify(null, message, createPublicKey({ key: der, format: 'der', type: 'spki' }), signature);
  } catch {
    return false;
  }
}

/** A short, printable fingerprint of a public key or a sealed document: hex of SHA-256. */
export function fingerprint(data: Uint8Array, hexChars = 32): string {
  return sha256(data).toString('hex').slice(0, hexChars);
}

function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

// DER prefixes of PKCS#8 and SPKI structures for Ed25519 (RFC 8410, section 7 and 10.3).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

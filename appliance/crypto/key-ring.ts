import { AeadKey } from './aead.js';
import { SecretKey } from './secret-key.js';

/**
 * The key hierarchy of docs/journal-format.md, "Key derivation": every subkey is
 * HKDF-SHA256(DEK, salt, "floe/v1/<purpose>"), one per purpose, so a key used for one thing
 * can never be confused with another. `dispose()` zeroes the DEK and every subkey made from it.
 */
export type KeyPurpose = 'segment' | 'index-key' | 'index-value' | 'seal-mac' | 'state-mac' | 'report';

export class KeyRing {
  readonly #dek: SecretKey;
  readonly #made: Array<SecretKey | AeadKey> = [];

  /** Takes ownership of the DEK. */
  constructor(dek: SecretKey) {
    if (dek.length !== 32) throw new RangeError('the job data key must be 256 bits');
    this.#dek = dek;
  }

  static generateDataKey(): SecretKey {
    return SecretKey.random(32);
  }

  get disposed(): boolean {
    return this.#dek.disposed;
  }

  /** A MAC or HMAC key for `purpose`. */
  macKey(purpose: KeyPurpose, context: Uint8Array = Buffer.alloc(0)): SecretKey {
    return this.#keep(this.#dek.derive(info(purpose, context)));
  }

  /** An AEAD key for `purpose`; `salt` gives a fresh key per segment. */
  aeadKey(purpose: KeyPurpose, context: Uint8Array = Buffer.alloc(0), salt: Uint8Array = Buffer.alloc(0)): AeadKey {
    return this.#keep(new AeadKey(this.#dek.derive(info(purpose, context), salt)));
  }

  /** Zeroes the DEK and every subkey this ring derived. */
  dispose(): void {
    for (const k of this.#made) k.dispose();
    this.#made.length = 0;
    this.#dek.dispose();
  }

  #keep<T extends SecretKey | AeadKey>(key: T): T {
    this.#made.push(key);
    return key;
  }
}

function info(purpose: KeyPurpose, context: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`floe/v1/${purpose}`, 'utf8'), Buffer.from([0]), context]);
}

// The journal's subkeys (docs/journal-format.md §5), derived once per open from the key ring.
import type { AeadKey } from '../crypto/aead.js';
import { hmacSha256 } from '../crypto/hash.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { randomNonce } from '../crypto/random.js';
import type { SecretKey } from '../crypto/secret-key.js';

export class JournalKeys {
  readonly #ring: KeyRing;
  readonly #journalId: Buffer;
  readonly #segmentKeys = new Map<string, AeadKey>();
  readonly #indexKey: SecretKey;
  readonly #indexValue: AeadKey;
  readonly sealMac: SecretKey;

  constructor(ring: KeyRing, journalId: Buffer) {
    this.#ring = ring;
    this.#journalId = journalId;
    this.#indexKey = ring.macKey('index-key', journalId);
    this.#indexValue = ring.aeadKey('index-value', journalId);
    this.sealMac = ring.macKey('seal-mac', journalId);
  }

  get disposed(): boolean {
    return this.#ring.disposed;
  }

  /** The AES-256-GCM key of one segment: HKDF(DEK, salt, "floe/v1/segment" 0 journal-id segment-number). */
  segmentKey(segmentNumber: number, salt: Buffer): AeadKey {
    const id = `${segmentNumber}:${salt.toString('hex')}`;
    let key = this.#segmentKeys.get(id);
    if (key === undefined) {
      const context = Buffer.alloc(20);
      this.#journalId.copy(context, 0);
      context.writeUInt32LE(segmentNumber, 16);
      key = this.#ring.aeadKey('segment', context, salt);
      this.#segmentKeys.set(id, key);
    }
    return key;
  }

  /** §8: an index key that reveals nothing of `data`. */
  indexKey(prefix: 'c' | 'd' | 'f' | 'h', data: Uint8Array): Buffer {
    const p = Buffer.from(prefix, 'latin1');
    return Buffer.concat([p, hmacSha256(this.#indexKey, p, data)]);
  }

  /** §8: nonce || AES-256-GCM(value) with the index key as additional data. */
  sealValue(key: Buffer, value: Buffer): Buffer {
    const nonce = randomNonce(12);
    return Buffer.concat([nonce, this.#indexValue.seal(nonce, value, key)]);
  }

  openValue(key: Buffer, sealed: Buffer): Buffer {
    return this.#indexValue.open(sealed.subarray(0, 12), sealed.subarray(12), key);
  }
}

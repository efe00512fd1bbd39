import { randomBytes, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * A secret held in memory. `dispose()` overwrites it with zeros; using a disposed key throws,
 * so a dropped key can never be used by mistake. Subkeys derived from it are separate objects
 * that must be disposed on their own (a KeyRing disposes all it made).
 */
export class SecretKey {
  #bytes: Buffer | null;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /** Takes ownership of `bytes`: the caller must not keep or reuse the buffer. */
  static fromBytes(bytes: Uint8Array): SecretKey {
    if (bytes.length < 16) throw new RangeError(`secret key too short: ${bytes.length} bytes`);
    const copy = Buffer.allocUnsafeSlow(bytes.length);
    copy.set(bytes);
    if (Buffer.isBuffer(bytes) || bytes instanceof Uint8Array) bytes.fill(0);
    return new SecretKey(copy);
  }

  static random(length = 32): SecretKey {
    const b = Buffer.allocUnsafeSlow(length);
    randomBytes(length).copy(b);
    return new SecretKey(b);
  }

  get length(): number {
    return this.bytes.length;
  }

  get disposed(): boolean {
    return this.#bytes === null;
  }

  /** The raw bytes, for the crypto module's own use. Never log or persist them. */
  get bytes(): Buffer {
    if (this.#bytes === null) throw new Error('secret key was disposed');
    return this.#bytes;
  }

  /** HKDF-SHA256 (RFC 5869) with this key as input keying material. */
  derive(info: string | Uint8Array, salt: Uint8Array = Buffer.alloc(0), length = 32): SecretKey {
    const infoBytes = typeof info === 'string' ? Buffer.from(info, 'utf8') : info;
    const out = Buffer.from(hkdfSync('sha256', this.bytes, salt, infoBytes, length));
    return new SecretKey(out);
  }

  equals(other: SecretKey): boolean {
    return this.length === other.length && timingSafeEqual(this.bytes, other.bytes);
  }

  /** Copies the key out, for wrapping into a manifest. The caller zeroes the copy. */
  exportBytes(): Buffer {
    return Buffer.from(this.bytes);
  }

  dispose(): void {
    if (this.#bytes !== null) {
      this.#bytes.fill(0);
      this.#bytes = null;
    }
  }
}

import { randomBytes as nodeRandomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';

export function randomBytes(length: number): Buffer {
  return nodeRandomBytes(length);
}

const NONCE_POOL = Buffer.allocUnsafeSlow(4096);
let noncePoolAt = NONCE_POOL.length;

/**
 * Random bytes for a nonce, cut from a pool the CSPRNG refills 4 KiB at a time: one call into it per
 * few hundred nonces (a call for 12 bytes cost about 9 us, one per index value). For nonces only,
 * never for keys: the pool keeps a copy of what it hands out until it is refilled.
 */
export function randomNonce(length: number): Buffer {
  if (length > 64) return nodeRandomBytes(length);
  if (noncePoolAt + length > NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePoolAt = 0;
  }
  const out = Buffer.allocUnsafe(length);
  NONCE_POOL.copy(out, 0, noncePoolAt, noncePoolAt + length);
  noncePoolAt += length;
  return out;
}

export function randomId(): string {
  return randomUUID();
}

/** A uniformly random string over `alphabet` (rejection sampling through randomInt). */
export function randomString(length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

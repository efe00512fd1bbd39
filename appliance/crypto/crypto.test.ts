import { describe, expect, it } from 'vitest';
import { AeadKey, TAG_LENGTH } from './aead.js';
import { UnauthenticatedError } from './errors.js';
import { Sha256, constantTimeEqual, hmacSha256, sha256 } from './hash.js';
import { sha256Async } from './hash-pool.js';
import { KeyRing } from './key-ring.js';
import { randomNonce } from './random.js';
import { unwrapSecret, wrapSecret } from './key-wrap.js';
import { SecretKey } from './secret-key.js';
import { SigningKey, verifySignature } from './signing.js';
import { FAST_SCRYPT } from '../../test/support/test-job.js';


describe('AEAD (AES-256-GCM)', () => {
  const nonce = Buffer.alloc(12, 7);
  const ad = Buffer.from('position 42');

  it('round-trips and appends a 16-byte tag, sync and async alike', async () => {
    const key = new AeadKey(SecretKey.random());
    const plain = Buffer.from('the quick brown fox');
    const sealed = key.seal(nonce, plain, ad);
    expect(sealed.length).toBe(plain.length + TAG_LENGTH);
    expect(key.open(nonce, sealed, ad)).toEqual(plain);
    expect(await key.sealAsync(nonce, plain, ad)).toEqual(sealed);
    expect(await key.openAsync(nonce, sealed, ad)).toEqual(plain);
  });

  it('refuses any flipped byte, other additional data, and another key', async () => {
    const key = new AeadKey(SecretKey.random());
    const sealed = key.seal(nonce, Buffer.alloc(100, 1), ad);
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= 0x01;
      expect(() => key.open(nonce, bad, ad)).toThrow(UnauthenticatedError);
    }
    expect(() => key.open(nonce, sealed, Buffer.from('position 43'))).toThrow(UnauthenticatedError);
    await expect(key.openAsync(nonce, sealed, Buffer.from('x'))).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(() => new AeadKey(SecretKey.random()).open(nonce, sealed, ad)).toThrow(UnauthenticatedError);
  });

  it('cannot be used after dispose, and the key bytes are zeroed', () => {
    const secret = SecretKey.random();
    const bytes = secret.bytes;
    const key = new AeadKey(secret);
    key.dispose();
    expect(bytes.equals(Buffer.alloc(32))).toBe(true);
    expect(() => key.seal(nonce, Buffer.alloc(1), ad)).toThrow(/disposed/);
  });
});

describe('nonces from the pool', () => {
  it('gives the length asked, each its own buffer, no two alike across several refills', () => {
    const seen = new Set<string>();
    const first = randomNonce(12);
    const copy = Buffer.from(first);
    for (let i = 0; i < 3000; i++) {
      const n = randomNonce(12);
      expect(n.length).toBe(12);
      seen.add(n.toString('hex'));
    }
    expect(seen.size).toBe(3000);
    expect(seen.has(copy.toString('hex'))).toBe(false);
    // Handed-out nonces are not views of the pool: refilling it (3,000 x 12 bytes is 9 refills) left the first as it was.
    expect(first.equals(copy)).toBe(true);
    expect(randomNonce(100).length).toBe(100);
  });
});

describe('hashes and MACs', () => {
  it('streaming SHA-256 equals one-shot, sync equals async (FIPS 180-4 test vector)', async () => {
    const abc = Buffer.from('abc');
    expect(sha256(abc).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(new Sha256().update(Buffer.from('a')).update(Buffer.from('bc')).digest()).toEqual(sha256(abc));
    expect(await sha256Async(abc)).toEqual(sha256(abc));
  });

  it('HMAC depends on the key; constant-time compare checks length and bytes', () => {
    const a = hmacSha256(SecretKey.random(), Buffer.from('x'));
    const b = hmacSha256(SecretKey.random(), Buffer.from('x'));
    expect(a.length).toBe(32);
    expect(constantTimeEqual(a, b)).toBe(false);
    expect(constantTimeEqual(a, Buffer.from(a))).toBe(true);
    expect(constantTimeEqual(a, a.subarray(1))).toBe(false);
  });
});

describe('key hierarchy', () => {
  it('derives one distinct subkey per purpose, deterministically, and zeroes all on dispose', () => {
    const dek = SecretKey.random();
    const copy = SecretKey.fromBytes(dek.exportBytes());
    const ring = new KeyRing(dek);
    const ring2 = new KeyRing(copy);
    const mac = ring.macKey('seal-mac');
    const idx = ring.macKey('index-key');
    expect(mac.equals(idx)).toBe(false);
    expect(mac.equals(ring2.macKey('seal-mac'))).toBe(true);
    const macBytes = mac.bytes;
    ring.dispose();
    expect(ring.disposed).toBe(true);
    expect(macBytes.equals(Buffer.alloc(32))).toBe(true);
    expect(() => ring.macKey('seal-mac')).toThrow(/disposed/);
    ring2.dispose();
  });

  it('segment keys differ by salt', () => {
    const ring = new KeyRing(SecretKey.random());
    const n = Buffer.alloc(12);
    const a = ring.aeadKey('segment', Buffer.from('1'), Buffer.alloc(16, 1)).seal(n, Buffer.from('x'), n);
    const b = ring.aeadKey('segment', Buffer.from('1'), Buffer.alloc(16, 2)).seal(n, Buffer.from('x'), n);
    expect(a.equals(b)).toBe(false);
    ring.dispose();
  });
});

describe('scrypt key wrapping', () => {
  it('unwraps with the right passphrase and additional data only', async () => {
    const secret = Buffer.alloc(32, 9);
    const ad = Buffer.from('job-1');
    const w = await wrapSecret('ABCDE-FGHIJ', secret, ad, FAST_SCRYPT);
    expect(await unwrapSecret('ABCDE-FGHIJ', w, ad)).toEqual(secret);
    await expect(unwrapSecret('ABCDE-FGHIK', w, ad)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(unwrapSecret('ABCDE-FGHIJ', w, Buffer.from('job-2'))).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('Ed25519', () => {
  it('signs, verifies, and survives a seed round trip; a changed message fails', () => {
    const key = SigningKey.generate();
    const msg = Buffer.from('seal');
    const sig = key.sign(msg);
    expect(verifySignature(key.publicKey, msg, sig)).toBe(true);
    expect(verifySignature(key.publicKey, Buffer.from('seaL'), sig)).toBe(false);
    const again = SigningKey.fromSeed(key.exportSeed());
    expect(again.publicKey).toEqual(key.publicKey);
    expect(verifySignature(again.publicKey, msg, again.sign(msg))).toBe(true);
    expect(verifySignature(Buffer.alloc(5), msg, sig)).toBe(false);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AeadKey, TAG_LENGTH } from './aead.js';
import { STAGE_BYTES, WORKER_MIN_BYTES, acquireStage, releaseSharedBuffer, releaseStage, sharedBuffer } from './crypto-workers.js';
import { UnauthenticatedError } from './errors.js';
import { PooledHash, sha256Async, sha256Stream } from './hash-pool.js';
import { sha256 } from './hash.js';
import { SecretKey } from './secret-key.js';

const MIB = 1 << 20;
const nonce = Buffer.alloc(12, 7);
const ad = Buffer.from('segment 3, seq 42');

function inShared(data: Buffer, offset = 0): Buffer {
  const b = sharedBuffer(offset + data.length).subarray(offset);
  data.copy(b);
  return b;
}

describe('crypto workers', () => {
  it('seal and open on a worker give exactly the bytes of the inline calls, from ordinary and shared memory', async () => {
    const key = new AeadKey(SecretKey.random());
    for (const n of [WORKER_MIN_BYTES, MIB + 33, 3 * MIB + 5]) {
      const plain = randomBytes(n);
      const sealed = key.seal(nonce, plain, ad);
      // Buffer.equals: a deep toEqual of megabytes takes vitest a minute.
      expect((await key.sealAsync(nonce, plain, ad)).equals(sealed)).toBe(true);
      expect((await key.sealAsync(nonce, inShared(plain, 17), ad)).equals(sealed)).toBe(true);
      expect((await key.openAsync(nonce, sealed, ad)).equals(plain)).toBe(true);
      expect((await key.openAsync(nonce, inShared(sealed, 5), ad)).equals(plain)).toBe(true);
      const opened = await key.openAndDigestAsync(nonce, sealed, ad, 33);
      expect(opened.plaintext.equals(plain)).toBe(true);
      expect(opened.digest).toEqual(sha256(plain.subarray(33)));
    }
    // Inline below the threshold, the same answer shape.
    const small = randomBytes(100);
    const opened = await key.openAndDigestAsync(nonce, key.seal(nonce, small, ad), ad, 1);
    expect(opened).toEqual({ plaintext: small, digest: sha256(small.subarray(1)) });
  });

  it('seals into shared memory when given room there, and into a new buffer when not', async () => {
    const key = new AeadKey(SecretKey.random());
    const plain = randomBytes(MIB);
    const sealed = key.seal(nonce, plain, ad);
    const into = sharedBuffer(MIB + TAG_LENGTH);
    const got = await key.sealAsync(nonce, plain, ad, into);
    expect(got.buffer).toBe(into.buffer);
    expect(got.equals(sealed)).toBe(true);
    const small = sharedBuffer(MIB);
    const other = await key.sealAsync(nonce, plain, ad, small);
    expect(other.buffer).not.toBe(small.buffer);
    expect(other.equals(sealed)).toBe(true);
    releaseSharedBuffer(into);
    releaseSharedBuffer(small);
  });

  it('a key dropped while a worker still seals with it stays intact for that job; after that the key refuses work', async () => {
    const secret = SecretKey.random();
    const expected = new AeadKey(SecretKey.fromBytes(secret.exportBytes())).seal(nonce, Buffer.alloc(MIB, 3), ad);
    const key = new AeadKey(secret);
    const sealing = key.sealAsync(nonce, Buffer.alloc(MIB, 3), ad);
    key.dispose();
    expect((await sealing).equals(expected)).toBe(true);
    await expect(key.sealAsync(nonce, Buffer.alloc(MIB, 3), ad)).rejects.toThrow('secret key was disposed');
    await expect(key.openAsync(nonce, expected, ad)).rejects.toThrow('secret key was disposed');
  });

  it('a worker refuses a changed byte, a changed tag or other additional data with UnauthenticatedError', async () => {
    const key = new AeadKey(SecretKey.random());
    const sealed = key.seal(nonce, randomBytes(2 * MIB), ad);
    for (const at of [0, MIB, sealed.length - TAG_LENGTH - 1, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x10;
      await expect(key.openAsync(nonce, bad, ad)).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    await expect(key.openAndDigestAsync(nonce, sealed, Buffer.from('segment 3, seq 43'), 0)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(new AeadKey(SecretKey.random()).openAsync(nonce, sealed, ad)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('opens into another shared buffer: the plaintext after the prefix lands there, the prefix over the sealed bytes; a forgery leaves zeros', async () => {
    const key = new AeadKey(SecretKey.random());
    const plain = randomBytes(MIB + 99);
    const sealed = inShared(key.seal(nonce, plain, ad), 5);
    const part = sharedBuffer(3 * MIB);
    part.fill(0xee);
    const into = part.subarray(1000, 1000 + plain.length - 33);
    const opened = await key.openIntoAsync(nonce, sealed, ad, 33, into);
    expect(into.equals(plain.subarray(33))).toBe(true);
    expect(opened.head.equals(plain.subarray(0, 33))).toBe(true);
    expect(opened.head.buffer).toBe(sealed.buffer);
    expect(opened.digest).toEqual(sha256(plain.subarray(33)));
    // Nothing written outside the range.
    expect(part.subarray(0, 1000).every((b) => b === 0xee)).toBe(true);
    expect(part.subarray(1000 + into.length).every((b) => b === 0xee)).toBe(true);
    const forged = inShared(key.seal(nonce, plain, ad));
    forged[5000]! ^= 1;
    await expect(key.openIntoAsync(nonce, forged, ad, 33, into)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(into.equals(Buffer.alloc(into.length))).toBe(true);
    // A target of the wrong size is refused before any work; ordinary memory is opened and copied.
    await expect(key.openIntoAsync(nonce, sealed, ad, 33, part.subarray(0, 10))).rejects.toThrow(RangeError);
    const ordinary = Buffer.alloc(plain.length - 33);
    const copied = await key.openIntoAsync(nonce, key.seal(nonce, plain, ad), ad, 33, ordinary);
    expect(ordinary.equals(plain.subarray(33))).toBe(true);
    expect(copied.digest).toEqual(sha256(plain.subarray(33)));
    releaseSharedBuffer(part);
  });

  it('opens in place in shared memory: the plaintext is a view of the sealed bytes; a forgery leaves zeros there', async () => {
    const key = new AeadKey(SecretKey.random());
    const plain = randomBytes(MIB + 99);
    const sealed = inShared(key.seal(nonce, plain, ad), 3);
    const opened = await key.openAndDigestAsync(nonce, sealed, ad, 33, true);
    expect(opened.plaintext.buffer).toBe(sealed.buffer);
    expect(opened.plaintext.byteOffset).toBe(sealed.byteOffset);
    expect(opened.plaintext.equals(plain)).toBe(true);
    expect(opened.digest).toEqual(sha256(plain.subarray(33)));
    const forged = inShared(key.seal(nonce, plain, ad));
    forged[1000]! ^= 1;
    await expect(key.openAndDigestAsync(nonce, forged, ad, 0, true)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(forged.subarray(0, plain.length).equals(Buffer.alloc(plain.length))).toBe(true);
    // Ordinary memory: a new buffer, the input untouched.
    const ordinary = key.seal(nonce, plain, ad);
    const copy = Buffer.from(ordinary);
    const other = await key.openAndDigestAsync(nonce, ordinary, ad, 0, true);
    expect(other.plaintext.buffer).not.toBe(ordinary.buffer);
    expect(other.plaintext.equals(plain)).toBe(true);
    expect(ordinary.equals(copy)).toBe(true);
  });

  it('pools buffers larger than a stage by capacity: a short last part reuses a full part', () => {
    const part = sharedBuffer(8 * MIB);
    expect(part.buffer.byteLength).toBe(8 * MIB);
    releaseSharedBuffer(part);
    const last = sharedBuffer(3 * MIB + 5, 8 * MIB);
    expect(last.buffer).toBe(part.buffer);
    expect(last.length).toBe(3 * MIB + 5);
    expect(sharedBuffer(8 * MIB).buffer).not.toBe(part.buffer);
    releaseSharedBuffer(last);
    expect(() => releaseSharedBuffer(last)).toThrow('a shared buffer was released twice');
    expect(sharedBuffer(8 * MIB).buffer).toBe(part.buffer);
  });

  it('keeps at most 128 MiB of large spares: spares of another size give way to the one returned', () => {
    const odd = sharedBuffer(100 * MIB);
    releaseSharedBuffer(odd);
    const part = sharedBuffer(40 * MIB);
    releaseSharedBuffer(part); // 140 MiB: the 100 MiB spare goes
    expect(sharedBuffer(40 * MIB).buffer).toBe(part.buffer);
    expect(sharedBuffer(100 * MIB).buffer).not.toBe(odd.buffer);
  });

  it('hands a returned shared buffer out again, refuses one returned twice, and pools by size', () => {
    const a = sharedBuffer(MIB);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.buffer.byteLength).toBe(STAGE_BYTES);
    releaseSharedBuffer(a);
    const b = sharedBuffer(1000);
    expect(b.buffer).toBe(a.buffer);
    releaseSharedBuffer(b);
    expect(() => releaseSharedBuffer(b)).toThrow('a shared buffer was released twice');
    const stage = acquireStage();
    expect(stage.view.buffer).toBe(a.buffer);
    releaseStage(stage);
    const big = sharedBuffer(STAGE_BYTES + 1);
    releaseSharedBuffer(big);
    expect(sharedBuffer(10).buffer).not.toBe(big.buffer);
    // An ordinary Buffer is not the pool's: giving it back does nothing.
    expect(() => releaseSharedBuffer(Buffer.alloc(10))).not.toThrow();
  });

  it('updateAndDigest gives each piece its own SHA-256 and the stream the SHA-256 of all, pooled or inline', async () => {
    const pieces = [randomBytes(MIB), randomBytes(70_000), randomBytes(5)];
    const all = createHash('sha256').update(Buffer.concat(pieces)).digest();
    for (const stream of [new PooledHash('sha256'), sha256Stream(100)]) {
      await stream.update(pieces[0]!.subarray(0, 10));
      expect(await stream.updateAndDigest(pieces[0]!.subarray(10))).toEqual(sha256(pieces[0]!.subarray(10)));
      // Not awaited one by one: the pieces still reach the stream in call order.
      const ids = await Promise.all([stream.updateAndDigest(inShared(pieces[1]!)), stream.updateAndDigest(pieces[2]!)]);
      expect(ids).toEqual([sha256(pieces[1]!), sha256(pieces[2]!)]);
      expect(await stream.digest()).toEqual(all);
    }
    await expect(new PooledHash('md5').updateAndDigest(pieces[2]!)).rejects.toThrow('updateAndDigest needs a SHA-256 stream');
  });

  it('an inline stream of one piece answers with that piece\'s digest, and is still right when more follows or the buffer is reused', async () => {
    const one = sha256Stream(10);
    const buf = Buffer.from('one chunk only');
    expect(await one.updateAndDigest(buf)).toEqual(sha256(Buffer.from('one chunk only')));
    expect(await one.digest()).toEqual(sha256(Buffer.from('one chunk only')));
    const two = sha256Stream(10);
    const reused = Buffer.from('first');
    await two.updateAndDigest(reused);
    reused.write('XXXXX');
    await two.update(Buffer.from('second'));
    expect(await two.digest()).toEqual(sha256(Buffer.from('firstsecond')));
  });

  it('sha256Async hashes ordinary and shared memory on a worker above the threshold, inline below', async () => {
    for (const n of [10, WORKER_MIN_BYTES, 2 * MIB]) {
      const b = randomBytes(n);
      expect(await sha256Async(b)).toEqual(sha256(b));
      expect(await sha256Async(inShared(b, 3))).toEqual(sha256(b));
    }
  });
});

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { POOLED_HASH_MIN_BYTES, PooledHash, hashPoolQueuedBytes, md5Base64Async, sha256OfStream, sha256Stream } from './hash-pool.js';

const MIB = 1 << 20;

describe('hash pool (worker threads)', () => {
  it('gives the digests of node:crypto, whatever the split of the updates', async () => {
    const data = randomBytes(5 * MIB + 123);
    const splits = [[data.length], [1, MIB, 2 * MIB + 7], [POOLED_HASH_MIN_BYTES - 1, 1, 17]];
    for (const sizes of splits) {
      const h = new PooledHash('sha256');
      let at = 0;
      for (const n of [...sizes, data.length]) {
        const end = Math.min(data.length, at + n);
        await h.update(data.subarray(at, end));
        at = end;
        if (at === data.length) break;
      }
      expect((await h.digest()).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    }
    expect((await new PooledHash('sha256').digest()).toString('hex')).toBe(createHash('sha256').digest('hex'));
  });

  it('gathers small pieces across its 1 MiB messages without losing or repeating a byte', async () => {
    const data = randomBytes(3 * MIB + 5);
    const h = new PooledHash('md5');
    for (let at = 0, n = 1; at < data.length; at += n, n = (n * 7 + 3) % 70_001 || 1) await h.update(data.subarray(at, at + n));
    expect((await h.digest()).toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
  });

  it('keeps many interleaved streams apart, more streams than workers', async () => {
    const inputs = Array.from({ length: 9 }, (_, i) => randomBytes(MIB + i * 4099));
    const streams = inputs.map(() => new PooledHash('sha256'));
    for (let off = 0; off < 2 * MIB; off += 65536) {
      for (const [i, s] of streams.entries()) if (off < inputs[i]!.length) await s.update(inputs[i]!.subarray(off, off + 65536));
    }
    const digests = await Promise.all(streams.map((s) => s.digest()));
    expect(digests.map((d) => d.toString('hex'))).toEqual(inputs.map((b) => createHash('sha256').update(b).digest('hex')));
  });

  it('copies on update: the caller may reuse its buffer at once', async () => {
    const buf = Buffer.alloc(2 * MIB, 1);
    const h = new PooledHash('sha256');
    await h.update(buf);
    buf.fill(2);
    await h.update(buf);
    expect((await h.digest()).toString('hex')).toBe(createHash('sha256').update(Buffer.alloc(2 * MIB, 1)).update(Buffer.alloc(2 * MIB, 2)).digest('hex'));
  });

  it('computes Content-MD5 pooled for large bodies and inline for small, the same as node:crypto', async () => {
    for (const n of [0, 10, POOLED_HASH_MIN_BYTES, 8 * MIB + 1]) {
      const b = randomBytes(n);
      expect(await md5Base64Async(b)).toBe(createHash('md5').update(b).digest('base64'));
    }
  });

  it('sha256Stream: inline below the threshold, pooled above, same digests; digest and update once finished throw', async () => {
    for (const n of [100, 3 * MIB]) {
      const b = randomBytes(n);
      const s = sha256Stream(n);
      expect(s instanceof PooledHash).toBe(n >= POOLED_HASH_MIN_BYTES);
      await s.update(b);
      expect((await s.digest()).toString('hex')).toBe(createHash('sha256').update(b).digest('hex'));
    }
    const p = new PooledHash('sha256');
    await p.digest();
    await expect(p.update(Buffer.from('x'))).rejects.toThrow('digest() was already called');
  });

  it('holds at most about 16 MiB of copies, however many large bodies are hashed at once', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => Buffer.alloc(8 * MIB, i + 1));
    let most = 0;
    let running = true;
    const sample = (): void => {
      most = Math.max(most, hashPoolQueuedBytes());
      if (running) setImmediate(sample);
    };
    sample();
    const digests = await Promise.all(bodies.map((b) => md5Base64Async(b)));
    running = false;
    expect(digests).toEqual(bodies.map((b) => createHash('md5').update(b).digest('base64')));
    expect(most).toBeGreaterThan(4 * MIB);
    // The limit, plus at most one 1 MiB message per stream woken at the same moment.
    expect(most).toBeLessThanOrEqual(16 * MIB + bodies.length * MIB);
    expect(hashPoolQueuedBytes()).toBe(0);
  });

  it('sha256OfStream: digest and length of a stream, each piece seen first; a failing stream rejects with its error', async () => {
    const pieces = [randomBytes(700_000), randomBytes(900_000), randomBytes(5)];
    async function* read(fail: boolean): AsyncGenerator<Uint8Array> {
      yield* pieces;
      if (fail) throw new Error('connection reset');
    }
    const seen: number[] = [];
    const r = await sha256OfStream(read(false), 1_600_005, async (p) => void seen.push(p.length));
    expect(r).toEqual({ size: 1_600_005, digest: createHash('sha256').update(Buffer.concat(pieces)).digest() });
    expect(seen).toEqual([700_000, 900_000, 5]);
    await expect(sha256OfStream(read(true), 1_600_005)).rejects.toThrow('connection reset');
    // What was already posted is still answered; then the pool holds nothing.
    await vi.waitFor(() => expect(hashPoolQueuedBytes()).toBe(0));
  });

  it('a disposed stream is forgotten and others go on', async () => {
    const dropped = new PooledHash('sha256');
    await dropped.update(randomBytes(MIB));
    dropped.dispose();
    const b = randomBytes(MIB);
    const kept = new PooledHash('sha256');
    await kept.update(b);
    expect((await kept.digest()).equals(createHash('sha256').update(b).digest())).toBe(true);
  });

  it('keeps the process alive while a digest is due, and lets it exit when idle', () => {
    // A script whose only pending work is the worker's answer: it must print the digest and exit 0
    // (not 13, "unsettled top-level await"), and not hang on an idle worker either.
    const script = `const { PooledHash } = await import(${JSON.stringify(new URL('./hash-pool.ts', import.meta.url).href)});
const h = new PooledHash('sha256');
await h.update(new Uint8Array(2 << 20));
console.log((await h.digest()).toString('hex'));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(createHash('sha256').update(new Uint8Array(2 << 20)).digest('hex'));
  });
});

// Shared helpers for journal tests: keys, temp folders, files with known content.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { SecretKey } from '../../appliance/crypto/secret-key.js';
import type { NewFile } from '../../appliance/journal/journal.js';
import type { FileType } from '../../appliance/journal/file-entry.js';

export async function tempDir(prefix = 'floe-journal-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh DEK and a function that makes a new ring over a copy of it (rings dispose their key). */
export function testKeys(): { dek: Buffer; ring: () => KeyRing } {
  const dek = randomBytes(32);
  return { dek, ring: () => new KeyRing(SecretKey.fromBytes(Buffer.from(dek))) };
}

export function fileMeta(path: string | Buffer, size: number, type: FileType = 'file', extra: Partial<NewFile> = {}): NewFile {
  return {
    path: typeof path === 'string' ? Buffer.from(path) : path,
    type,
    mode: 0o644,
    uid: 1000,
    gid: 1000,
    size,
    atimeNs: 1_700_000_000_123_456_789n,
    mtimeNs: 1_700_000_000_987_654_321n,
    ctimeNs: 1_700_000_001_000_000_001n,
    fsId: 1n,
    fileId: BigInt(Math.floor(Math.random() * 1e9)),
    nlink: 1,
    rdevMajor: 0,
    rdevMinor: 0,
    ...extra,
  };
}

export async function* bytesOf(data: Buffer, piece = 65536): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
}

export async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

export function sha256hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Deterministic pseudo-random bytes from a seed (xorshift), cheap for large test files. */
export function seededBytes(seed: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeInt32LE(x | 0, i);
  }
  for (let i = length - (length % 4); i < length; i++) b[i] = i & 0xff;
  return b;
}

import { describe, expect, it } from 'vitest';
import { sha256 } from '../crypto/hash.js';
import type { FileEntry } from '../journal/file-entry.js';
import { encodeFileEntry } from '../journal/records.js';
import { entryFingerprint } from './delivery-ledger.js';
import { PlanTable } from './plan-table.js';

const digest = (text: string): Buffer => sha256(Buffer.from(text));

function fileEntry(i: number, chunkCount: number): FileEntry {
  const chunks = Array.from({ length: chunkCount }, (_, c) => ({ sha256: digest(`${i}/${c}`), size: 1000 + c }));
  return {
    path: Buffer.from(`dir${i % 7}/file-${i}-\u00e9`),
    type: 'file',
    mode: 0o640,
    uid: 1000 + i,
    gid: 50,
    size: chunks.reduce((n, c) => n + c.size, 0),
    atimeNs: 1_700_000_000_123_456_789n + BigInt(i),
    mtimeNs: 1_600_000_000_000_000_001n,
    ctimeNs: 3n,
    fsId: 9n,
    fileId: BigInt(i),
    nlink: 1 + (i % 3),
    rdevMajor: 0,
    rdevMinor: 0,
    sha256: digest(`whole ${i}`),
    chunks,
  };
}

function add(table: PlanTable, entry: FileEntry, seq: bigint): number {
  const record = encodeFileEntry(entry);
  return table.add(record, sha256(record), Number(seq));
}

describe('PlanTable', () => {
  it('gives back every entry, its fingerprint and its seq, across slabs', () => {
    const table = new PlanTable();
    const entries = Array.from({ length: 6000 }, (_, i) => fileEntry(i, 1 + (i % 4)));
    // About 300 bytes each: 6,000 fill two 1 MiB slabs and start a third.
    entries.forEach((e, i) => expect(add(table, e, BigInt(10 * i + 7))).toBe(i));
    expect(table.size).toBe(6000);
    for (const i of [0, 1, 3333, 3334, 3335, 5999]) {
      expect(table.entry(i)).toEqual(entries[i]);
      expect(table.fingerprint(i)).toBe(entryFingerprint(entries[i]!));
      expect(table.sortKey(i)).toBe(10 * i + 7);
    }
    expect(entries.every((e, i) => table.fingerprint(i) === entryFingerprint(e))).toBe(true);
  });

  it('keeps a symlink target, a folder and an entry larger than a slab', () => {
    const table = new PlanTable();
    const link: FileEntry = { ...fileEntry(1, 0), type: 'symlink', size: 6, target: Buffer.from([0x2e, 0x2e, 0x2f, 0xff, 0x00, 0x61]), sha256: digest('') };
    const dir: FileEntry = { ...fileEntry(2, 0), type: 'directory', size: 0, path: Buffer.from('a/b/c'), mode: 0o755 };
    // 30,000 chunks: a 1.03 MiB record, more than a slab holds.
    const huge = fileEntry(3, 30_000);
    const small = fileEntry(4, 1);
    [link, huge, dir, small].forEach((e, i) => add(table, e, BigInt(i + 1)));
    expect(table.entry(0)).toEqual(link);
    expect(encodeFileEntry(table.entry(1)).equals(encodeFileEntry(huge))).toBe(true);
    expect(table.entry(2)).toEqual(dir);
    expect(table.entry(3)).toEqual(small);
    expect(table.fingerprint(1)).toBe(entryFingerprint(huge));
    expect(table.fingerprint(3)).toBe(entryFingerprint(small));
  });

  it('hands out entries the caller may change without changing the table', () => {
    const table = new PlanTable();
    const entry = fileEntry(5, 2);
    add(table, entry, 1n);
    const first = table.entry(0);
    first.path.fill(0x41);
    first.chunks[0]!.sha256.fill(0);
    expect(table.entry(0)).toEqual(entry);
  });

  it('refuses an index it does not hold and a fingerprint of the wrong length', () => {
    const table = new PlanTable();
    add(table, fileEntry(6, 1), 1n);
    expect(() => table.entry(1)).toThrow(new RangeError('no file 1 in a plan of 1'));
    expect(() => table.sortKey(-1)).toThrow(RangeError);
    expect(() => table.add(encodeFileEntry(fileEntry(7, 1)), Buffer.alloc(31), 2)).toThrow(new RangeError('a fingerprint is 32 bytes'));
    expect(table.size).toBe(1);
  });
});

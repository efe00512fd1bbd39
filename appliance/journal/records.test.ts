import { describe, expect, it } from 'vitest';
import type { FileEntry } from './file-entry.js';
import { decodeFileEntry, encodeFileEntry } from './records.js';

const entry: FileEntry = {
  path: Buffer.from('docs/a.txt'),
  type: 'file',
  mode: 0o4755,
  uid: 1000,
  gid: 100,
  nlink: 1,
  size: 3,
  atimeNs: -1n,
  mtimeNs: 7_258_118_400_987_654_321n,
  ctimeNs: 1n,
  fsId: 9n,
  fileId: 42n,
  rdevMajor: 0,
  rdevMinor: 0,
  sha256: Buffer.alloc(32, 7),
  chunks: [{ sha256: Buffer.alloc(32, 8), size: 3 }],
};
const xattrs = [
  { name: Buffer.from('user.bin'), value: Buffer.from([0, 0xff, 0x0a, 0x20]) },
  { name: Buffer.from('user.empty'), value: Buffer.alloc(0) },
];

describe('file entry records', () => {
  it('an entry without xattrs is still version 1, byte for byte what earlier journals hold', () => {
    const bytes = encodeFileEntry(entry);
    // docs/journal-format.md §7, version 1, written out field by field.
    const u = (n: number, size: number) => {
      const b = Buffer.alloc(size);
      if (size === 1) b.writeUInt8(n);
      else if (size === 2) b.writeUInt16LE(n);
      else b.writeUInt32LE(n);
      return b;
    };
    const i64 = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(n);
      return b;
    };
    const expected = Buffer.concat([
      u(0x02, 1), u(1, 1), u(1, 1), u(0o4755, 2), u(1000, 4), u(100, 4), u(1, 4),
      i64(3n), i64(-1n), i64(7_258_118_400_987_654_321n), i64(1n), i64(9n), i64(42n), u(0, 4), u(0, 4),
      u(10, 4), Buffer.from('docs/a.txt'), u(0, 4), Buffer.alloc(32, 7), u(1, 4), Buffer.alloc(32, 8), u(3, 4),
    ]);
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
    expect(decodeFileEntry(bytes.subarray(1))).toEqual(entry);
  });

  it('version 2 carries xattrs with binary and empty values after the chunk list', () => {
    const bytes = encodeFileEntry({ ...entry, xattrs });
    expect(bytes[1]).toBe(2);
    expect(bytes.subarray(0, 2 + encodeFileEntry(entry).length - 2).subarray(2).equals(encodeFileEntry(entry).subarray(2))).toBe(true);
    expect(bytes.subarray(encodeFileEntry(entry).length).toString('hex')).toBe('02000000' + '08' + Buffer.from('user.bin').toString('hex') + '04000000' + '00ff0a20' + '0a' + Buffer.from('user.empty').toString('hex') + '00000000');
    expect(decodeFileEntry(bytes.subarray(1))).toEqual({ ...entry, xattrs });
  });

  it('refuses a version 2 entry that is truncated, has trailing bytes or no xattr, and an unknown version', () => {
    const body = encodeFileEntry({ ...entry, xattrs }).subarray(1);
    expect(() => decodeFileEntry(body.subarray(0, body.length - 1))).toThrow(expect.objectContaining({ code: 'JOURNAL_CORRUPT', message: 'file entry is truncated' }));
    expect(() => decodeFileEntry(Buffer.concat([body, Buffer.from([0])]))).toThrow(expect.objectContaining({ code: 'JOURNAL_CORRUPT', message: 'file entry has bytes after its xattrs' }));
    const v1 = encodeFileEntry(entry).subarray(1);
    const noXattr = Buffer.concat([v1, Buffer.alloc(4)]);
    noXattr[0] = 2;
    expect(() => decodeFileEntry(noXattr)).toThrow(expect.objectContaining({ code: 'JOURNAL_CORRUPT', message: 'file entry version 2 has no xattr' }));
    const v3 = Buffer.from(v1);
    v3[0] = 3;
    expect(() => decodeFileEntry(v3)).toThrow(expect.objectContaining({ code: 'JOURNAL_CORRUPT', message: 'file entry version 3 is not supported' }));
  });

  it('refuses an xattr name over 255 bytes when encoding', () => {
    expect(() => encodeFileEntry({ ...entry, xattrs: [{ name: Buffer.alloc(256, 0x61), value: Buffer.alloc(0) }] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

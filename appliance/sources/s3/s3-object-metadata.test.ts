import { describe, expect, it } from 'vitest';
import { posixMetadata } from '../../destinations/posix-metadata.js';
import { implicitFolderMetadata, lastModifiedNs, objectFileId, objectMetadata } from './s3-object-metadata.js';

const modified = new Date('2026-01-02T03:04:05.678Z');
const modifiedNs = 1_767_323_045_000_000_000n; // whole seconds

describe('objectMetadata', () => {
  it('reads back what the S3 destination writes, nanoseconds and pre-1970 times included', () => {
    for (const meta of [
      { type: 'file', mode: 0o4755, uid: 1234, gid: 5678, mtimeNs: 1_700_000_000_123_456_789n, atimeNs: -1n },
      { type: 'directory', mode: 0o1777, uid: 0, gid: 0, mtimeNs: -86_400_000_000_000n, atimeNs: 0n },
      { type: 'symlink', mode: 0o777, uid: 1, gid: 2, mtimeNs: 5n, atimeNs: 6n },
      { type: 'fifo', mode: 0o600, uid: 3, gid: 4, mtimeNs: 7n, atimeNs: 8n },
    ] as const) {
      const key = meta.type === 'directory' ? 'p/d/' : 'p/x';
      const back = objectMetadata({ key, size: 11, etag: '"e"', lastModified: modified, metadata: posixMetadata(meta) }, 9n);
      expect(back).toMatchObject({ ...meta, size: meta.type === 'file' || meta.type === 'symlink' ? 11 : 0, ctimeNs: modifiedNs, fsId: 9n, nlink: 1, rdevMajor: 0, rdevMinor: 0 });
    }
  });

  it('gives objects without floe\'s keys the defaults, and lets the key\'s shape win over contradicting metadata', () => {
    expect(objectMetadata({ key: 'a', size: 3, etag: undefined, lastModified: modified, metadata: {} }, 0n)).toMatchObject({ type: 'file', mode: 0o644, uid: 65534, gid: 65534, mtimeNs: modifiedNs, atimeNs: modifiedNs, ctimeNs: modifiedNs });
    expect(objectMetadata({ key: 'd/', size: 0, etag: undefined, lastModified: modified, metadata: undefined }, 0n)).toMatchObject({ type: 'directory', mode: 0o755 });
    expect(objectMetadata({ key: 'a', size: 3, etag: undefined, lastModified: modified, metadata: { 'file-permissions': '040755' } }, 0n).type).toBe('file');
    expect(objectMetadata({ key: 'd/', size: 0, etag: undefined, lastModified: modified, metadata: { 'file-permissions': '0100644' } }, 0n).type).toBe('directory');
    expect(objectMetadata({ key: 'a', size: 3, etag: undefined, lastModified: modified, metadata: { 'file-owner': '-1', 'file-group': '99999999999', 'file-mtime': 'yesterday' } }, 0n)).toMatchObject({ uid: 65534, gid: 65534, mtimeNs: modifiedNs });
  });

  it('makes a new identity for a new ETag, and gives implicit folders fixed times', () => {
    expect(objectFileId('k', '"a"')).not.toBe(objectFileId('k', '"b"'));
    expect(objectFileId('k', '"a"')).not.toBe(objectFileId('j', '"a"'));
    expect(implicitFolderMetadata('d/', 1n)).toMatchObject({ type: 'directory', mode: 0o755, uid: 65534, gid: 65534, mtimeNs: 0n, atimeNs: 0n, ctimeNs: 0n, fsId: 1n });
    expect(lastModifiedNs(new Date(-1500))).toBe(-2_000_000_000n);
  });
});

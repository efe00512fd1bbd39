import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemDestination } from './filesystem/filesystem-destination.js';
import { parseFilesystemUri } from './filesystem/fs-location.js';
import { openDestination } from './open-destination.js';

describe('openDestination', () => {
  it('refuses unknown schemes with INVALID_ARGUMENT', async () => {
    for (const uri of ['gs://bucket/x', 'nfs://host/export', 'no-scheme']) {
      await expect(openDestination(uri)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('opens efs://, fsx:// and file:// folders and refuses a missing root as unreachable', async () => {
    const root = await mkdtemp(join(tmpdir(), 'floe-open-dest-'));
    try {
      for (const scheme of ['efs', 'fsx', 'file']) {
        const destination = await openDestination(`${scheme}://${root}`);
        expect(destination).toBeInstanceOf(FilesystemDestination);
        expect((destination as FilesystemDestination).root.toString()).toBe(root);
      }
      await expect(openDestination(`efs://${root}/missing`)).rejects.toMatchObject({ code: 'DESTINATION_UNREACHABLE' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('parses percent-encoded root bytes and refuses a host', () => {
    expect(parseFilesystemUri('fsx:///mnt/caf%E9/').root.equals(Buffer.from([...Buffer.from('/mnt/caf'), 0xe9]))).toBe(true);
    expect(() => parseFilesystemUri('efs://host/mnt')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

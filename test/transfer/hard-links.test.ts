// Hard links into a file-system destination (issue 5: "hard links preserved"): the names of one
// file at the source (same fsId and fileId, nlink > 1) arrive as names of one file, its content
// read out of the journal and written once. A name added later links to the name delivered before;
// a delivered name changed in the destination since is not linked to: the new name gets its own copy.
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { Journal } from '../../appliance/journal/journal.js';
import { DeliveryLedger } from '../../appliance/transfer/delivery-ledger.js';
import { TransferEngine, type TransferResult } from '../../appliance/transfer/transfer-engine.js';
import { bytesOf, fileMeta, seededBytes, tempDir, testKeys } from '../journal/journal-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const SMALL = seededBytes(7, 200_000);
const LARGE = seededBytes(8, 3_000_000);
const PLAIN = seededBytes(9, 50_000);

async function setup() {
  const t = await tempDir('floe-links-');
  cleanups.push(t.cleanup);
  const journal = await Journal.create(join(t.dir, 'journal'), testKeys().ring());
  cleanups.unshift(() => journal.close());
  const root = join(t.dir, 'efs');
  await mkdir(root);
  const ledger = await DeliveryLedger.open(journal);
  const write = (name: string, data: Buffer, fileId: bigint, nlink: number) => journal.writeFile(fileMeta(name, data.length, 'file', { fileId, nlink }), bytesOf(data));
  const run = async (executionId: string): Promise<TransferResult> => {
    const destination = await openFilesystemDestination(`efs://${root}`);
    try {
      const engine = new TransferEngine({
        journal, ledger, destination, executionId, transfer: 'import', largeFileBytes: 1_000_000,
        options: { TransferMode: 'CHANGED', VerifyMode: 'ONLY_FILES_TRANSFERRED' },
      });
      return await engine.run();
    } finally {
      await destination.close();
    }
  };
  const inode = async (name: string) => (await lstat(join(root, name))).ino;
  const bytes = (name: string) => readFile(join(root, name));
  return { root, write, run, inode, bytes };
}

describe('transfer: hard links into a file system', () => {
  it('delivers the names of one file as links of one file, its content written once, with 16 files in flight', async () => {
    const s = await setup();
    for (const name of ['a/one', 'b/two', 'c/three']) await s.write(name, SMALL, 501n, 3);
    for (const name of ['big-1', 'deep/big-2']) await s.write(name, LARGE, 502n, 2);
    await s.write('plain', PLAIN, 503n, 1);
    await s.write('also-plain', PLAIN, 504n, 1); // same content, another file: no link

    const result = await s.run('exec-1');
    expect(result.status).toBe('SUCCESS');
    expect(result.counters).toMatchObject({ FilesTransferred: 7, FilesVerified: 7, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    // Content sent: each linked file once, each plain file once.
    expect(result.counters.BytesTransferred).toBe(SMALL.length + LARGE.length + 2 * PLAIN.length);
    expect(result.counters.BytesWritten).toBe(3 * SMALL.length + 2 * LARGE.length + 2 * PLAIN.length);
    expect(new Set(await Promise.all(['a/one', 'b/two', 'c/three'].map(s.inode))).size).toBe(1);
    expect(new Set(await Promise.all(['big-1', 'deep/big-2'].map(s.inode))).size).toBe(1);
    expect(await s.inode('plain')).not.toBe(await s.inode('also-plain'));
    expect((await lstat(join(s.root, 'a/one'))).nlink).toBe(3);
    for (const name of ['a/one', 'b/two', 'c/three']) expect((await s.bytes(name)).equals(SMALL)).toBe(true);
    expect((await s.bytes('deep/big-2')).equals(LARGE)).toBe(true);
  });

  it('links a name added later to the one delivered before, unless that one changed in the destination', async () => {
    const s = await setup();
    await s.write('first', SMALL, 601n, 2);
    await s.write('kept', PLAIN, 602n, 2);
    expect((await s.run('exec-1')).counters.FilesTransferred).toBe(2);

    // Re-ingested: each file gained a name. "kept" was rewritten in the destination meanwhile.
    await s.write('first-again', SMALL, 601n, 2);
    await s.write('kept-again', PLAIN, 602n, 2);
    const other = Buffer.from('changed at the destination\n');
    await writeFile(join(s.root, 'kept'), other);

    const second = await s.run('exec-2');
    expect(second.status).toBe('SUCCESS');
    expect(second.counters).toMatchObject({ FilesTransferred: 2, FilesSkipped: 2, FilesVerified: 2 });
    // Only "kept-again" needed its content; "first-again" is a link.
    expect(second.counters.BytesTransferred).toBe(PLAIN.length);
    expect(await s.inode('first-again')).toBe(await s.inode('first'));
    expect(await s.inode('kept-again')).not.toBe(await s.inode('kept'));
    expect((await s.bytes('kept-again')).equals(PLAIN)).toBe(true);
    expect((await s.bytes('kept')).equals(other)).toBe(true);
  });
});

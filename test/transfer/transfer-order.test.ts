// Import reads the journal front to back: files go out in the order their records were written
// (their seq), not in the catalog's index order (HMACs of the paths, which is random), so a device
// at the facility reads its disk in one pass. Every file still arrives byte-identical.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openFilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { Journal } from '../../appliance/journal/journal.js';
import { DeliveryLedger } from '../../appliance/transfer/delivery-ledger.js';
import { TransferEngine } from '../../appliance/transfer/transfer-engine.js';
import { spyOnFileHandle } from '../support/file-handle-spy.js';
import { bytesOf, fileMeta, seededBytes, tempDir, testKeys } from '../journal/journal-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A new journal, and an efs:// destination folder beside it; both cleaned up after the test. */
async function journalAndFolder(prefix: string) {
  const t = await tempDir(prefix);
  cleanups.push(t.cleanup);
  const keys = testKeys();
  const journal = await Journal.create(join(t.dir, 'journal'), keys.ring());
  cleanups.unshift(() => journal.close());
  await mkdir(join(t.dir, 'efs'));
  return { dir: t.dir, journal, efs: join(t.dir, 'efs') };
}

describe('transfer: files in journal order', () => {
  // planMemoryBytes 1: every file fills the plan's memory, so the plan is 40 sorted runs on disk, merged.
  it.each([
    ['in memory', undefined],
    ['written out in runs', 1],
  ])('one file at a time, small and large files each go out in the order they were written (plan %s)', async (_, planMemoryBytes) => {
    const { dir, journal, efs } = await journalAndFolder('floe-order-');
    const written: string[] = [];
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) {
      // Large files (over largeFileBytes below) among the small ones.
      const data = seededBytes(300 + i, i % 10 === 9 ? 300_000 : 100 + i * 1500);
      const name = `w${String(i).padStart(2, '0')}-${(i * 7) % 40}.dat`;
      await journal.writeFile(fileMeta(name, data.length), bytesOf(data));
      written.push(name);
      contents.set(name, data);
    }
    const catalogOrder: string[] = [];
    for await (const e of journal.files()) catalogOrder.push(e.path.toString());
    // The index's own order is not the written one (else this test would prove nothing).
    expect(catalogOrder).not.toEqual(written);

    const ledger = await DeliveryLedger.open(journal);
    const destination = await openFilesystemDestination(`efs://${efs}`);
    const sent: string[] = [];
    const engine = new TransferEngine({
      journal, ledger, destination, executionId: 'exec-order', transfer: 'import',
      concurrency: 1, largeConcurrency: 1, largeFileBytes: 200_000, ...(planMemoryBytes === undefined ? {} : { planMemoryBytes }),
      onFileResult: (r) => { if (r.outcome === 'transferred') sent.push(r.path); },
    });
    const result = await engine.run();
    await destination.close();
    expect(result.status).toBe('SUCCESS');
    expect(result.counters.FilesVerified).toBe(40);
    // The plan's scratch file was unlinked as soon as it was open: nothing is left on the disk.
    expect(await readdir(join(dir, 'journal', 'scratch')).catch(() => [])).toEqual([]);
    const large = written.filter((n) => contents.get(n)!.length > 200_000);
    expect(large).toHaveLength(4);
    expect(sent.filter((n) => large.includes(n))).toEqual(large);
    expect(sent.filter((n) => !large.includes(n))).toEqual(written.filter((n) => !large.includes(n)));
    for (const name of written) expect((await readFile(join(efs, name))).equals(contents.get(name)!)).toBe(true);

    // A second run after one file changed: 39 kept (delivered already), one sent, and only that one verified.
    const changed = seededBytes(7, 4321);
    await journal.writeFile(fileMeta(written[17]!, changed.length), bytesOf(changed));
    const again = await openFilesystemDestination(`efs://${efs}`);
    const second = await new TransferEngine({
      journal, ledger, destination: again, executionId: 'exec-order-2', transfer: 'import', options: { VerifyMode: 'ONLY_FILES_TRANSFERRED' },
      ...(planMemoryBytes === undefined ? {} : { planMemoryBytes }),
    }).run();
    await again.close();
    expect(second.status).toBe('SUCCESS');
    expect([second.counters.FilesSkipped, second.counters.FilesTransferred, second.counters.FilesVerified]).toEqual([39, 1, 1]);
    expect((await readFile(join(efs, written[17]!))).equals(changed)).toBe(true);
  });

  it('32 files in flight: small files are read from the journal a batch at a time, none with a read of its own', async () => {
    const { dir, journal, efs } = await journalAndFolder('floe-batch-');
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 320; i++) {
      const data = seededBytes(900 + i, 500 + ((i * 389) % 3000));
      const name = `s${String(i).padStart(3, '0')}.dat`;
      await journal.writeFile(fileMeta(name, data.length), bytesOf(data));
      contents.set(name, data);
    }
    const ledger = await DeliveryLedger.open(journal);
    const destination = await openFilesystemDestination(`efs://${efs}`);
    const reads = await spyOnFileHandle(join(dir, 'journal'), 'read');
    // A busy disk: each batch takes 20 ms to get ready, longer than the files before it take to send.
    const prefetch = journal.prefetch.bind(journal);
    const slowed = vi.spyOn(journal, 'prefetch').mockImplementation(async (entries) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await prefetch(entries);
    });
    try {
      const engine = new TransferEngine({ journal, ledger, destination, executionId: 'exec-batch', transfer: 'import', concurrency: 32, options: { VerifyMode: 'NONE' } });
      const result = await engine.run();
      expect(result.status).toBe('SUCCESS');
      expect(result.counters.FilesTransferred).toBe(320);
      // Verification would read the delivered files back: NONE, so only the journal's reads are counted.
      // 320 files, 64 a batch: five batches of neighbouring frames (about 115 KB each), one read
      // each, plus the segment's header when the reader first opens it. A file whose read ran
      // ahead of its batch would read its frame by itself (with the old look-ahead, most did).
      expect(slowed).toHaveBeenCalledTimes(5);
      expect(reads).toHaveBeenCalledTimes(6);
    } finally {
      slowed.mockRestore();
      reads.mockRestore();
      await destination.close();
    }
    for (const [name, data] of contents) expect((await readFile(join(efs, name))).equals(data)).toBe(true);
  });
});

// Import reads the journal front to back: files go out in the order their records were written
// (their seq), not in the catalog's index order (HMACs of the paths, which is random), so a device
// at the facility reads its disk in one pass. Every file still arrives byte-identical.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { Journal } from '../../appliance/journal/journal.js';
import { DeliveryLedger } from '../../appliance/transfer/delivery-ledger.js';
import { TransferEngine } from '../../appliance/transfer/transfer-engine.js';
import { bytesOf, fileMeta, seededBytes, tempDir, testKeys } from '../journal/journal-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('transfer: files in journal order', () => {
  it('one file at a time, small and large files each go out in the order they were written', async () => {
    const t = await tempDir('floe-order-');
    cleanups.push(t.cleanup);
    const keys = testKeys();
    const journal = await Journal.create(join(t.dir, 'journal'), keys.ring());
    cleanups.unshift(() => journal.close());
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
    await mkdir(join(t.dir, 'efs'));
    const destination = await openFilesystemDestination(`efs://${join(t.dir, 'efs')}`);
    const sent: string[] = [];
    const engine = new TransferEngine({
      journal, ledger, destination, executionId: 'exec-order', transfer: 'import',
      concurrency: 1, largeConcurrency: 1, largeFileBytes: 200_000,
      onFileResult: (r) => { if (r.outcome === 'transferred') sent.push(r.path); },
    });
    const result = await engine.run();
    await destination.close();
    expect(result.status).toBe('SUCCESS');
    const large = written.filter((n) => contents.get(n)!.length > 200_000);
    expect(large).toHaveLength(4);
    expect(sent.filter((n) => large.includes(n))).toEqual(large);
    expect(sent.filter((n) => !large.includes(n))).toEqual(written.filter((n) => !large.includes(n)));
    for (const name of written) expect((await readFile(join(t.dir, 'efs', name))).equals(contents.get(name)!)).toBe(true);
  });
});

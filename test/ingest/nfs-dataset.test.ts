// Issue 4, Must show: the big dataset over nfs-ganesha, read as a non-root uid, equals the source
// tree in the journal (bytes, SHA-256, metadata) by an independent walk with node:fs; the 0600 file
// of another owner is skipped with its reason. Then a CHANGED re-run after modifying 10 files,
// adding 5 and deleting 3, with REMOVE: exactly 15 transferred, 3 tombstones, the rest skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journal } from '../../appliance/journal/journal.js';
import { verifyJournal } from '../../appliance/journal/verify.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { buildDataset, GIB, LONG_NAME, NON_UTF8, READER } from './big-dataset.js';
import { compareCatalog, ingestOnce, newJournal, readCatalog, snapshotTree, type ExpectedEntry } from './ingest-fixtures.js';

const skip = ganeshaUnavailableReason();
describe.skipIf(skip !== undefined)(`ingest of the big dataset over nfs-ganesha${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tmp: string;
  let exportDir: string;
  let server: Ganesha;
  let journal: Journal;
  let cleanupJournal: () => Promise<void>;
  let expected: Map<string, ExpectedEntry>;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-ingest-big-'));
    exportDir = path.join(tmp, 'export');
    fs.mkdirSync(path.join(exportDir, 'names'), { recursive: true });
    buildDataset(exportDir);
    // Changes below are made in exportDir directly: ganesha must not serve cached attributes.
    server = await startGanesha({ exportDir, attrExpirationSeconds: 0 });
    ({ journal, cleanup: cleanupJournal } = await newJournal());
  }, 600_000);

  afterAll(async () => {
    await cleanupJournal?.();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('copies the whole tree as uid 1000: the catalog equals an independent walk, the 0600 file is skipped with its reason', async () => {
    expected = await snapshotTree(exportDir);
    const nonDirs = [...expected.values()].filter((e) => e.type !== 'directory').length;
    expect(nonDirs).toBeGreaterThan(10_000);
    const source = await openSource(server.uri('', READER));
    let run;
    try {
      run = await ingestOnce(source, journal, { LogLevel: 'BASIC' });
    } finally {
      await source.close();
    }
    const { counters, result } = run;
    expect(result.error).toBeUndefined();
    expect(result.problems.kept).toEqual([
      { path: 'names/secret', phase: 'Transfer', outcome: 'skipped', code: 'SOURCE_ACCESS_DENIED', message: expect.stringMatching(/^READ '\/export\/names\/secret' on 127\.0\.0\.1:\d+: NFS3ERR_ACCES$/) },
    ]);
    expect(run.files.filter((f) => f.category === 'skipped' || f.category === 'failed')).toEqual([expect.objectContaining({ category: 'skipped', errorCode: 'SOURCE_ACCESS_DENIED', size: 18 })]);
    const bytes = [...expected.entries()].filter(([, e]) => e.type === 'file').reduce((n, [, e]) => n + e.size, 0);
    expect(counters).toMatchObject({
      EstimatedFilesToTransfer: nonDirs,
      EstimatedBytesToTransfer: bytes,
      FilesListed: { AtSource: nonDirs, AtDestinationForDelete: 0 },
      FilesTransferred: nonDirs - 1,
      FilesSkipped: 1,
      FilesVerified: nonDirs - 1,
      FilesDeleted: 0,
      BytesWritten: bytes - 18,
      FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 },
    });
    expect(run.phases).toEqual(['TRANSFERRING', 'VERIFYING']);

    const catalog = await readCatalog(journal);
    const withoutSecret = new Map(expected);
    withoutSecret.delete('names/secret');
    expect(compareCatalog(withoutSecret, catalog)).toEqual([]);
    // The special cases, named: they are in the comparison above, checked here so a failure says which.
    const get = (p: string | Buffer) => catalog.get(Buffer.isBuffer(p) ? p.toString('latin1') : Buffer.from(p).toString('latin1'))?.entry;
    expect(get('big/one-gib.bin')?.size).toBe(GIB);
    expect(get(Buffer.concat([Buffer.from('names/'), NON_UTF8]))?.size).toBe(10);
    expect(Buffer.byteLength(LONG_NAME)).toBe(255);
    expect(get(`names/${LONG_NAME}`)?.size).toBe(18);
    expect(get('links/absolute')?.target?.toString()).toBe('/etc/hostname');
    expect(get('links/dangling')?.target?.toString()).toBe('does/not/exist');
    expect(get('links/relative-up')?.target?.toString()).toBe('../nested/a/level1.txt');
    const hard = ['links/hard-a', 'links/hard-b', 'nested/hard-c'].map((p) => get(p)!);
    expect(new Set(hard.map((e) => `${e.fsId}:${e.fileId}`)).size).toBe(1);
    expect(hard.map((e) => e.nlink)).toEqual([3, 3, 3]);
    expect(get('modes/setuid')?.mode).toBe(0o4755);
    expect(get('modes/sticky')?.mode).toBe(0o1777);
    expect(new Set([...catalog.values()].map((c) => `${c.entry.uid}:${c.entry.gid}`)).size).toBeGreaterThanOrEqual(5);
    expect(get('names/secret')).toBeUndefined();
    expect((await verifyJournal(journal)).ok).toBe(true);
  }, 900_000);

  it('re-runs with CHANGED and REMOVE after modifying 10, adding 5 and deleting 3: exactly 15 transferred, 3 tombstones, the rest skipped', async () => {
    expect(expected).toBeDefined();
    const small = (d: number, f: number): string => path.join(exportDir, 'small', `d${String(d).padStart(3, '0')}`, `f${String(f).padStart(4, '0')}.dat`);
    for (let i = 0; i < 10; i++) fs.writeFileSync(small(i, i), `modified ${i}\n`);
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(exportDir, 'small', 'd050', `added-${i}.dat`), `added ${i}\n`);
    const deleted = [small(90, 1), small(91, 2), small(92, 3)];
    for (const f of deleted) fs.rmSync(f);
    const before = await snapshotTree(exportDir);
    const nonDirsNow = [...before.values()].filter((e) => e.type !== 'directory').length;
    const filesBefore = (await journal.stats()).files;

    const source = await openSource(server.uri('', READER));
    let run;
    try {
      run = await ingestOnce(source, journal, { TransferMode: 'CHANGED', PreserveDeletedFiles: 'REMOVE', VerifyMode: 'ONLY_FILES_TRANSFERRED', LogLevel: 'TRANSFER' });
    } finally {
      await source.close();
    }
    const { counters } = run;
    const inJournalBefore = [...expected.values()].filter((e) => e.type !== 'directory').length - 1; // all but the secret
    expect(counters).toMatchObject({
      FilesListed: { AtSource: nonDirsNow, AtDestinationForDelete: inJournalBefore },
      EstimatedFilesToTransfer: 16, // 15 and the secret, which is refused again
      EstimatedFilesToDelete: 3,
      FilesTransferred: 15,
      FilesDeleted: 3,
      FilesSkipped: nonDirsNow - 15, // unchanged, plus the secret
      FilesVerified: 15,
      FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 },
    });
    expect(run.result.error).toBeUndefined();
    const byCategory = (c: string) => run.files.filter((f) => f.category === c).map((f) => Buffer.from(f.path as Buffer).toString()).sort();
    expect(byCategory('deleted')).toEqual(['small/d090/f0001.dat', 'small/d091/f0002.dat', 'small/d092/f0003.dat']);
    expect(byCategory('transferred')).toHaveLength(15);
    for (const f of deleted) expect(await journal.getFile(Buffer.from(path.relative(exportDir, f)))).toBeUndefined();
    // Directories whose entries changed are recorded again; the file count moves by +5 -3.
    expect((await journal.stats()).files).toBe(filesBefore + 5 - 3);
    const catalog = await readCatalog(journal);
    before.delete('names/secret');
    for (const p of catalog.keys()) if (!before.has(p)) throw new Error(`unexpected in the journal: ${p}`);
    const compareOnly = new Map([...before].filter(([p]) => p.startsWith('small/d0')));
    const subset = new Map([...catalog].filter(([p]) => compareOnly.has(p)));
    expect(compareCatalog(compareOnly, subset)).toEqual([]);
  }, 600_000);
});

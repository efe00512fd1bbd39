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
import { compareCatalog, ingestOnce, newJournal, readCatalog, snapshotTree, writeSeededFile, type ExpectedEntry } from './ingest-fixtures.js';

const skip = ganeshaUnavailableReason();
const GIB = 1 << 30;
const SMALL_DIRS = 100;
const SMALL_PER_DIR = 100;
const READER = { uid: 1000, gid: 1000 };
const NON_UTF8 = Buffer.from([0x6e, 0x6f, 0x6e, 0x2d, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]); // "non-\xff\xfe.bin"
const LONG_NAME = 'L'.repeat(251) + '.txt';

function buildDataset(root: string): void {
  const p = (...parts: string[]): string => path.join(root, ...parts);
  fs.mkdirSync(p('nested/a/b/c/d/e'), { recursive: true });
  for (const [i, dir] of ['nested', 'nested/a', 'nested/a/b', 'nested/a/b/c', 'nested/a/b/c/d', 'nested/a/b/c/d/e'].entries()) fs.writeFileSync(p(dir, `level${i}.txt`), `level ${i}\n`.repeat(i + 1));
  fs.mkdirSync(p('empty-dir'));
  fs.mkdirSync(p('empties'));
  for (let i = 0; i < 5; i++) fs.writeFileSync(p('empties', `empty${i}`), '');
  fs.mkdirSync(p('big'));
  writeSeededFile(p('big/one-gib.bin'), GIB, 0x5eed);
  // 10,000 small files of 1 byte to 4 KiB, seeded content.
  let x = 12345;
  const rand = (): number => ((x = (x * 1103515245 + 12345) >>> 0), x);
  for (let d = 0; d < SMALL_DIRS; d++) {
    const dir = p('small', `d${String(d).padStart(3, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < SMALL_PER_DIR; f++) {
      const size = 1 + (rand() % 4096);
      const data = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) data[i] = rand() >>> 24;
      fs.writeFileSync(path.join(dir, `f${String(f).padStart(4, '0')}.dat`), data);
    }
  }
  fs.mkdirSync(p('links'));
  fs.writeFileSync(p('links/target.txt'), 'the target\n');
  fs.symlinkSync('target.txt', p('links/relative'));
  fs.symlinkSync('../nested/a/level1.txt', p('links/relative-up'));
  fs.symlinkSync('/etc/hostname', p('links/absolute'));
  fs.symlinkSync('does/not/exist', p('links/dangling'));
  fs.writeFileSync(p('links/hard-a'), 'one inode, three names\n');
  fs.linkSync(p('links/hard-a'), p('links/hard-b'));
  fs.linkSync(p('links/hard-a'), p('nested/hard-c'));
  fs.mkdirSync(p('modes'));
  fs.writeFileSync(p('modes/setuid'), '#!/bin/sh\n');
  fs.chmodSync(p('modes/setuid'), 0o4755);
  fs.writeFileSync(p('modes/setgid'), '#!/bin/sh\n');
  fs.chmodSync(p('modes/setgid'), 0o2755);
  fs.mkdirSync(p('modes/sticky'));
  fs.chmodSync(p('modes/sticky'), 0o1777);
  fs.writeFileSync(p('modes/sticky/inside'), 'in a sticky folder\n');
  fs.mkdirSync(p('owners'));
  for (const [uid, gid] of [[0, 0], [1000, 1000], [1001, 2001], [4242, 100], [65534, 65534]] as const) {
    const f = p('owners', `u${uid}-g${gid}`);
    fs.writeFileSync(f, `owned by ${uid}:${gid}\n`);
    fs.chownSync(f, uid, gid);
  }
  fs.chownSync(p('owners'), 1001, 2001);
  fs.writeFileSync(Buffer.concat([Buffer.from(p('names') + '/'), NON_UTF8]), 'not UTF-8\n');
  fs.writeFileSync(p('names', LONG_NAME), '255 bytes of name\n');
  fs.writeFileSync(p('names/secret'), 'for uid 2000 only\n');
  fs.chownSync(p('names/secret'), 2000, 2000);
  fs.chmodSync(p('names/secret'), 0o600);
}

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

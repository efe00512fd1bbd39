// TransferMode CHANGED against the folder digests (docs/journal-format.md §8, "Folder digests"): a
// re-run over a folder where nothing changed looks the folder up once instead of each entry, and
// every way the journal or the source can change under a folder still makes the run look closer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LISTING_BATCH } from '../../appliance/ingest/source-walk.js';
import { Journal } from '../../appliance/journal/journal.js';
import { openSource } from '../../appliance/sources/open-source.js';
import type { Source } from '../../appliance/sources/source.js';
import { bytesOf, fileMeta, tempDir, testKeys } from '../journal/journal-fixtures.js';
import { ingestOnce, newJournal } from './ingest-fixtures.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-folder-digest-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

/** Three folders of five files and one file at the root: 16 files, 19 entries. */
function sampleTree(): string {
  const files: Record<string, string> = { 'top.txt': 'top\n' };
  for (const d of ['d1', 'd2', 'd3']) for (let i = 0; i < 5; i++) files[`${d}/f${i}.txt`] = `${d} ${i}\n`;
  return tree(files);
}

/** The sample tree, a new journal and the tree as a file:// source. */
async function sampleIngest(): Promise<{ dir: string; j: Journal; source: Source }> {
  const dir = sampleTree();
  const { journal: j, cleanup } = await newJournal();
  cleanups.push(cleanup);
  return { dir, j, source: await open(`file://${dir}`) };
}

async function open(uri: string): Promise<Source> {
  const source = await openSource(uri);
  cleanups.push(() => source.close());
  return source;
}

/** One CHANGED run, counting the journal's per-entry lookups and its folder-digest lookups. */
async function counted(source: Source, j: Journal, extra: Parameters<typeof ingestOnce>[3] = {}) {
  const getFile = vi.spyOn(j, 'getFile');
  const folderDigest = vi.spyOn(j, 'folderDigest');
  try {
    const run = await ingestOnce(source, j, { TransferMode: 'CHANGED', VerifyMode: 'NONE' }, extra);
    expect(run.result.error).toBeUndefined();
    return { ...run.counters, lookups: getFile.mock.calls.length, folderLookups: folderDigest.mock.calls.length, transferred: run.files.filter((f) => f.category === 'transferred').map((f) => f.path.toString()).sort() };
  } finally {
    getFile.mockRestore();
    folderDigest.mockRestore();
  }
}

async function content(j: Journal, p: string): Promise<string | undefined> {
  const entry = await j.getFile(Buffer.from(p));
  return entry === undefined ? undefined : (await j.readWhole(entry)).toString();
}

describe('folder digests for TransferMode CHANGED', () => {
  it('a re-run over an unchanged tree looks up each folder once and no entry', async () => {
    const { j, source } = await sampleIngest();
    const first = await counted(source, j);
    expect(first).toMatchObject({ FilesTransferred: 16, FilesSkipped: 0, lookups: 19, folderLookups: 4 });
    const again = await counted(source, j);
    expect(again).toMatchObject({ FilesTransferred: 0, FilesSkipped: 16, lookups: 0, folderLookups: 4, transferred: [] });
    expect(again.FilesListed.AtSource).toBe(16);
  });

  it('a changed file, a chmod and a new file are found; only their folders are looked at entry by entry', async () => {
    const { dir, j, source } = await sampleIngest();
    await counted(source, j);
    fs.appendFileSync(path.join(dir, 'd1/f2.txt'), 'more\n');
    fs.chmodSync(path.join(dir, 'd2/f0.txt'), 0o600);
    const run = await counted(source, j);
    expect(run).toMatchObject({ FilesTransferred: 2, FilesSkipped: 14, transferred: ['d1/f2.txt', 'd2/f0.txt'] });
    // d1 and d2 entry by entry (5 + 5); the root's listing holds d1's and d2's own entries, whose
    // mtimes did not move (no entry was added or removed), so the root and d3 by their digests.
    expect(run.lookups).toBe(10);
    expect(await content(j, 'd1/f2.txt')).toBe('d1 2\nmore\n');
    expect((await j.getFile(Buffer.from('d2/f0.txt')))!.mode).toBe(0o600);

    fs.writeFileSync(path.join(dir, 'd3/new.txt'), 'new\n');
    const added = await counted(source, j);
    expect(added).toMatchObject({ FilesTransferred: 1, FilesSkipped: 16, transferred: ['d3/new.txt'] });
    const quiet = await counted(source, j);
    expect(quiet).toMatchObject({ FilesTransferred: 0, FilesSkipped: 17, lookups: 0 });
  });

  it('a write or a tombstone under a folder by anyone removes its digest, so the next run puts the listed file back', async () => {
    const { j, source } = await sampleIngest();
    await counted(source, j);

    const other = Buffer.from('written by another task\n');
    await j.writeFile(fileMeta('d1/f1.txt', other.length), bytesOf(other));
    await j.removeFile(Buffer.from('d2/f3.txt'));
    expect(await content(j, 'd1/f1.txt')).toBe('written by another task\n');

    const run = await counted(source, j);
    expect(run).toMatchObject({ FilesTransferred: 2, FilesSkipped: 14, transferred: ['d1/f1.txt', 'd2/f3.txt'] });
    expect(await content(j, 'd1/f1.txt')).toBe('d1 1\n');
    expect(await content(j, 'd2/f3.txt')).toBe('d2 3\n');
  });

  it('digests outlive a reopen; an index rebuilt from the segments has none, and the run looks each entry up again', async () => {
    const dir = sampleTree();
    const t = await tempDir('floe-folder-digest-journal-');
    const keys = testKeys();
    let j = await Journal.create(t.dir, keys.ring());
    cleanups.push(async () => {
      await j.close().catch(() => undefined);
      await t.cleanup();
    });
    const source = await open(`file://${dir}`);
    await counted(source, j);
    await j.close();
    j = await Journal.open(t.dir, keys.ring());
    expect(await counted(source, j)).toMatchObject({ FilesSkipped: 16, lookups: 0 });
    await j.close();

    fs.rmSync(path.join(t.dir, 'index'), { recursive: true, force: true });
    j = await Journal.open(t.dir, keys.ring());
    expect(await counted(source, j)).toMatchObject({ FilesTransferred: 0, FilesSkipped: 16, lookups: 19 });
    expect(await counted(source, j)).toMatchObject({ FilesTransferred: 0, FilesSkipped: 16, lookups: 0 });
  });

  it('a run under other filters does not take another run’s digest: the file an exclude left out is copied', async () => {
    const dir = tree({ 'd/a.txt': 'a', 'd/b.tmp': 'b', 'd/c.txt': 'c' });
    const { journal: j, cleanup } = await newJournal();
    cleanups.push(cleanup);
    const source = await open(`file://${dir}`);
    expect(await counted(source, j, { excludes: '*.tmp' })).toMatchObject({ FilesTransferred: 2 });
    expect(await counted(source, j, { excludes: '*.tmp' })).toMatchObject({ FilesTransferred: 0, lookups: 0 });
    const all = await counted(source, j);
    expect(all).toMatchObject({ FilesTransferred: 1, FilesSkipped: 2, transferred: ['d/b.tmp'] });
    expect(await content(j, 'd/b.tmp')).toBe('b');
  });

  it('a folder listed in parts (more than LISTING_BATCH entries) is compared entry by entry', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < LISTING_BATCH + 3; i++) files[`big/${i}`] = '';
    const dir = tree(files);
    const { journal: j, cleanup } = await newJournal();
    cleanups.push(cleanup);
    const source = await open(`file://${dir}`);
    await counted(source, j);
    fs.writeFileSync(path.join(dir, 'big/7'), 'changed');
    const run = await counted(source, j);
    expect(run).toMatchObject({ FilesTransferred: 1, FilesSkipped: LISTING_BATCH + 2, lookups: LISTING_BATCH + 3, transferred: ['big/7'] });
  });
});

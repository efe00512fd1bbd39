// The metadata options (PosixPermissions, Uid, Gid, Mtime, Atime NONE), DestinationPath, and the
// scope of PreserveDeletedFiles REMOVE (another task's folder and excluded paths are never
// deleted), through the engine on a local folder (file://).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSource } from '../../appliance/sources/open-source.js';
import { ingestOnce, newJournal } from './ingest-fixtures.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-ingest-local-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

async function journal() {
  const j = await newJournal();
  cleanups.push(j.cleanup);
  return j.journal;
}

describe('ingest options and scope', () => {
  it('records DataSync defaults for PosixPermissions/Uid/Gid NONE and the ingest time for Mtime/Atime NONE; a CHANGED re-run still skips', async () => {
    const dir = folder({ 'a/x.txt': 'x\n' });
    fs.chownSync(path.join(dir, 'a/x.txt'), 1234, 5678); // before chmod: chown clears setuid
    fs.chmodSync(path.join(dir, 'a/x.txt'), 0o4750);
    fs.utimesSync(path.join(dir, 'a/x.txt'), new Date('2001-02-03T04:05:06Z'), new Date('2002-03-04T05:06:07Z'));
    fs.symlinkSync('x.txt', path.join(dir, 'a/link'));
    const j = await journal();
    const source = await openSource(`file://${dir}`);
    cleanups.push(() => source.close());
    const options = { PosixPermissions: 'NONE', Uid: 'NONE', Gid: 'NONE', Mtime: 'NONE', Atime: 'NONE' };
    const before = BigInt(Date.now()) * 1_000_000n;
    const first = await ingestOnce(source, j, options);
    expect(first.counters).toMatchObject({ FilesTransferred: 2, FilesVerified: 2 });
    const file = (await j.getFile(Buffer.from('a/x.txt')))!;
    expect({ mode: file.mode, uid: file.uid, gid: file.gid }).toEqual({ mode: 0o644, uid: 65534, gid: 65534 });
    expect(file.mtimeNs).toBeGreaterThanOrEqual(before);
    expect(file.atimeNs).toBe(file.mtimeNs);
    expect((await j.getFile(Buffer.from('a')))?.mode).toBe(0o755);
    expect((await j.getFile(Buffer.from('a/link')))?.mode).toBe(0o777);
    const again = await ingestOnce(source, j, options);
    expect(again.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 2, FilesVerified: 2 });

    // PRESERVE (the default) keeps them exactly.
    const j2 = await journal();
    await ingestOnce(source, j2, {});
    const kept = (await j2.getFile(Buffer.from('a/x.txt')))!;
    expect({ mode: kept.mode, uid: kept.uid, gid: kept.gid, mtime: kept.mtimeNs }).toEqual({ mode: 0o4750, uid: 1234, gid: 5678, mtime: 1015218367000000000n });
  });

  it('puts a task under its DestinationPath; REMOVE deletes only inside that folder and never what the filters exclude', async () => {
    const share1 = folder({ 'keep.txt': '1', 'gone.txt': '2', 'cache/c.tmp': '3', 'sub/inner.txt': '4' });
    const share2 = folder({ 'other.txt': 'o' });
    const j = await journal();
    const s1 = await openSource(`file://${share1}`);
    const s2 = await openSource(`file://${share2}`);
    cleanups.push(() => s1.close(), () => s2.close());
    await ingestOnce(s1, j, {}, { destinationPath: 'share1' });
    await ingestOnce(s2, j, {}, { destinationPath: 'share2' });
    const paths = async () => {
      const out: string[] = [];
      for await (const e of j.files()) out.push(`${e.path.toString()}${e.type === 'directory' ? '/' : ''}`);
      return out.sort();
    };
    expect(await paths()).toEqual(['share1/', 'share1/cache/', 'share1/cache/c.tmp', 'share1/gone.txt', 'share1/keep.txt', 'share1/sub/', 'share1/sub/inner.txt', 'share2/', 'share2/other.txt']);

    fs.rmSync(path.join(share1, 'gone.txt'));
    fs.rmSync(path.join(share1, 'cache'), { recursive: true });
    fs.rmSync(path.join(share1, 'sub'), { recursive: true });
    const run = await ingestOnce(s1, j, { PreserveDeletedFiles: 'REMOVE' }, { destinationPath: 'share1', excludes: '/cache' });
    // gone.txt and sub/inner.txt are deleted (files counted; the folder sub/ too, uncounted);
    // cache/ is excluded now, so it stays; share2 is another task's folder.
    expect(run.counters).toMatchObject({ FilesDeleted: 2, EstimatedFilesToDelete: 2, FilesListed: { AtSource: 1, AtDestinationForDelete: 3 }, FilesSkipped: 1 });
    expect(await paths()).toEqual(['share1/', 'share1/cache/', 'share1/cache/c.tmp', 'share1/keep.txt', 'share2/', 'share2/other.txt']);
  });

  it('refuses a DestinationPath with . or .. components', async () => {
    const dir = folder({ 'a.txt': 'a' });
    const j = await journal();
    const source = await openSource(`file://${dir}`);
    cleanups.push(() => source.close());
    await expect(ingestOnce(source, j, {}, { destinationPath: '../escape' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'DestinationPath' } });
  });
});

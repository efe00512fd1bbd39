// The local (node:fs) source: the conformance suite, plus URI and error mapping.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dataExtents } from '../../appliance/os/syscall-helper.js';
import { openLocalSource } from '../../appliance/sources/local/local-source.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { describeSource } from './describe-source.js';

describeSource('local', async (exportDir) => {
  const source = await openSource(pathToFileURL(exportDir).href);
  return { source, fsId: 'device', close: () => source.close() };
});

// On a local disk a folder's entries are lstat'ed in place; the same suite with the pool's lstat,
// as a folder on another file system, or after a slow batch, is listed.
describeSource('local, lstat through the pool', async (exportDir) => {
  const source = await openSource(pathToFileURL(exportDir).href);
  const inPlace = source as unknown as { inPlaceDevice: bigint | undefined };
  inPlace.inPlaceDevice = undefined;
  return { source, fsId: 'device', close: () => source.close() };
});

describe('local source', () => {
  it('rejects URIs that are not file:///absolute/path with INVALID_ARGUMENT', async () => {
    for (const uri of ['file://host/x', 'file:///tmp?x=1', 'not a uri', 'http://x/']) {
      await expect(openLocalSource(uri)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('answers a missing root with SOURCE_NOT_FOUND', async () => {
    await expect(openLocalSource('file:///no/such/floe/dir')).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: expect.stringContaining('/no/such/floe/dir') });
  });

  it('maps EACCES to SOURCE_ACCESS_DENIED', async () => {
    // root reads everything, so drop to another uid in a child process to see EACCES.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-local-'));
    try {
      fs.writeFileSync(path.join(tmp, 'secret'), 'x');
      fs.chmodSync(path.join(tmp, 'secret'), 0o600);
      fs.chmodSync(tmp, 0o755);
      const script = `
        import { openLocalSource } from ${JSON.stringify(pathToFileURL(path.resolve('appliance/sources/local/local-source.ts')).href)};
        const s = await openLocalSource(${JSON.stringify(pathToFileURL(tmp).href)});
        const e = await s.stat(Buffer.from('secret'));
        try { for await (const _ of s.read(e)) void _; console.log('read'); } catch (err) { console.log(err.code, err.message); }
      `;
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { uid: process.getuid?.() === 0 ? 65534 : undefined, encoding: 'utf8', cwd: process.cwd() });
      if (process.getuid?.() === 0) expect(out).toMatch(/^SOURCE_ACCESS_DENIED open '.*secret'/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reads a sparse file around its holes: the same bytes as the file, from any offset; its extents are what SEEK_DATA says', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-local-sparse-'));
    try {
      const file = path.join(tmp, 'sparse.img');
      const size = 24 * 1024 * 1024 + 777;
      const fd = fs.openSync(file, 'w');
      // Data islands at unaligned offsets, a hole at the start and one at the end.
      const islands: Array<[number, number]> = [[3 * 1024 * 1024 + 5, 70_000], [9 * 1024 * 1024, 1024 * 1024 + 3], [20 * 1024 * 1024 - 1, 2]];
      for (const [at, length] of islands) fs.writeSync(fd, Buffer.alloc(length, at % 251), 0, length, at);
      fs.ftruncateSync(fd, size);
      fs.closeSync(fd);
      const extents = await dataExtents(Buffer.from(file), size);
      expect(extents?.length).toBeGreaterThanOrEqual(2);
      for (const [at, length] of islands) expect(extents!.some(([s, e]) => s <= at && at + length <= e), `island at ${at}`).toBe(true);
      const source = await openLocalSource(pathToFileURL(tmp).href);
      const entry = await source.stat(Buffer.from('sparse.img'));
      const expected = fs.readFileSync(file);
      for (const offset of [0, 3 * 1024 * 1024 + 6, 21 * 1024 * 1024]) {
        const parts: Buffer[] = [];
        for await (const piece of source.read(entry, offset)) parts.push(Buffer.from(piece));
        expect(Buffer.concat(parts).equals(expected.subarray(offset)), `from ${offset}`).toBe(true);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reports times exactly (2^32 s + 1 ns not truncated, 2200 not rounded) and user. xattrs with binary values of files and folders; a read leaves the atime', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-local-meta-'));
    try {
      const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });
      fs.mkdirSync(path.join(tmp, 'folder'));
      fs.writeFileSync(path.join(tmp, 'folder', 'file'), 'x');
      fs.symlinkSync('file', path.join(tmp, 'folder', 'link'));
      run('setfattr', ['-n', 'user.zeta', '-v', '0x00ff0a', path.join(tmp, 'folder', 'file')]);
      run('setfattr', ['-n', 'user.alpha', path.join(tmp, 'folder', 'file')]);
      run('setfattr', ['-n', 'user.dir', '-v', '0xc3a9', path.join(tmp, 'folder')]);
      // touch -d @S.N calls utimensat with the full value; -h leaves a symlink's target alone.
      run('touch', ['-h', '-m', '-d', '@4294967296.000000001', '--', path.join(tmp, 'folder', 'file')]);
      run('touch', ['-h', '-a', '-d', '@7258118400.999999999', '--', path.join(tmp, 'folder', 'file')]);
      run('touch', ['-h', '-d', '@7258118400.123456789', '--', path.join(tmp, 'folder', 'link')]);
      run('touch', ['-h', '-d', '@4294967295.999999999', '--', path.join(tmp, 'folder')]);
      const source = await openLocalSource(pathToFileURL(tmp).href);
      const file = await source.stat(Buffer.from('folder/file'));
      expect({ mtimeNs: file.mtimeNs, atimeNs: file.atimeNs }).toEqual({ mtimeNs: 4_294_967_296_000_000_001n, atimeNs: 7_258_118_400_999_999_999n });
      expect(file.xattrs?.map((x) => [x.name.toString(), x.value.toString('hex')])).toEqual([
        ['user.alpha', ''],
        ['user.zeta', '00ff0a'],
      ]);
      const link = await source.stat(Buffer.from('folder/link'));
      expect({ type: link.type, mtimeNs: link.mtimeNs, atimeNs: link.atimeNs, xattrs: link.xattrs }).toEqual({ type: 'symlink', mtimeNs: 7_258_118_400_123_456_789n, atimeNs: 7_258_118_400_123_456_789n, xattrs: undefined });
      const folder = await source.stat(Buffer.from('folder'));
      expect(folder.mtimeNs).toBe(4_294_967_295_999_999_999n);
      expect(folder.xattrs?.map((x) => [x.name.toString(), x.value.toString('hex')])).toEqual([['user.dir', 'c3a9']]);
      // Reading leaves the atime as it was (O_NOATIME: an atime before the mtime, relatime would move it).
      run('touch', ['-a', '-d', '@1000000000.123456789', '--', path.join(tmp, 'folder', 'file')]);
      const read = await source.stat(Buffer.from('folder/file'));
      const parts: Buffer[] = [];
      for await (const piece of source.read(read)) parts.push(Buffer.from(piece));
      expect(Buffer.concat(parts).toString()).toBe('x');
      expect(fs.lstatSync(path.join(tmp, 'folder', 'file'), { bigint: true }).atimeNs).toBe(1_000_000_000_123_456_789n);
      await source.close();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('openSource refuses unknown schemes with INVALID_ARGUMENT', async () => {
    await expect(openSource('smb://host/share')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('smb://host/share') });
    await expect(openSource('/just/a/path')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('local source listing in place', () => {
  it('lists a folder on a local disk with lstat in place, and the entries equal the pool lstat of each', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-local-inplace-'));
    try {
      for (let i = 0; i < 70; i++) fs.writeFileSync(path.join(tmp, `f${i}`), 'x'.repeat(i));
      fs.mkdirSync(path.join(tmp, 'sub'));
      fs.symlinkSync('f1', path.join(tmp, 'link'));
      const source = await openLocalSource(pathToFileURL(tmp).href);
      const fsType = (await fs.promises.statfs(tmp)).type;
      const state = source as unknown as { inPlaceDevice: bigint | undefined };
      // The suite's machines keep /tmp on ext4, xfs, btrfs, overlayfs or tmpfs: in place is on.
      expect(state.inPlaceDevice, `statfs type 0x${fsType.toString(16)}`).toBe(fs.lstatSync(tmp, { bigint: true }).dev);
      // A first listing reads the symlink, which moves its atime once (relatime).
      for await (const _ of source.list(Buffer.alloc(0))) void _;
      const inPlace = [];
      for await (const e of source.list(Buffer.alloc(0))) inPlace.push(e);
      state.inPlaceDevice = undefined;
      const pooled = [];
      for await (const e of source.list(Buffer.alloc(0))) pooled.push(e);
      expect(inPlace).toHaveLength(72);
      expect(inPlace).toEqual(pooled);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

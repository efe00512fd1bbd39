// The ingest issue's dataset (issue 4, Must show): nested folders, empty files, a 1 GiB file,
// 10,000 small files, relative, absolute and dangling symlinks, hard links, setuid, setgid and
// sticky modes, several owners, a non-UTF-8 name, a 255-byte name, and a 0600 file of uid 2000.
// Built with plain fs calls (as root, for the owners); the ingest and full-trip tests share it.
import fs from 'node:fs';
import path from 'node:path';
import { writeSeededFile } from './ingest-fixtures.js';

export const GIB = 1 << 30;
export const SMALL_DIRS = 100;
export const SMALL_PER_DIR = 100;
export const READER = { uid: 1000, gid: 1000 };
export const NON_UTF8 = Buffer.from([0x6e, 0x6f, 0x6e, 0x2d, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]); // "non-\xff\xfe.bin"
export const LONG_NAME = 'L'.repeat(251) + '.txt';

/** Writes the dataset under `root` (which must exist), with `names/` for the odd names. */
export function buildDataset(root: string): void {
  fs.mkdirSync(path.join(root, 'names'), { recursive: true });
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

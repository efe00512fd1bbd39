// The hostile tree of the restore tests (issue 23): non-UTF-8 names, NFC/NFD twins, a 255-byte
// name, a path over 1,000 bytes, hard links, symlinks (one dangling, one with a non-UTF-8 target),
// setuid/setgid/sticky modes, several owners, nanosecond and pre-1970 times, a sparse file, an
// empty folder and a FIFO; and the comparison of two independent walks of it.
import { execFile } from 'node:child_process';
import { chmod, chown, link, mkdir, open, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { SeenEntry, SeenTree } from './restore-tree.js';

const run = promisify(execFile);

function touchDate(ns: bigint): string {
  const abs = ns < 0n ? -ns : ns;
  return `@${ns < 0n ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
}

export async function setMtime(path: Buffer | string, ns: bigint): Promise<void> {
  await run('touch', ['-h', '-m', '-d', touchDate(ns), '--', path.toString()]);
}

const b = (s: string): Buffer => Buffer.from(s);
const cat = (...parts: Array<Buffer | string>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? b(p) : p)));

/** The hostile tree, built under `root`. */
export async function makeTree(root: string): Promise<void> {
  const r = b(root);
  const nonUtf8 = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]);
  const nfc = b('caf\u00e9.txt');
  const nfd = b('cafe\u0301.txt');
  await mkdir(join(root, 'names'), { recursive: true });
  // touch takes its path as text: the times of the non-UTF-8 name are set before it gets that name.
  await writeFile(join(root, 'names', 'plain'), 'not utf-8\n');
  await setMtime(join(root, 'names', 'plain'), -86_400_000_000_001n);
  await rename(join(root, 'names', 'plain'), cat(r, '/names/', nonUtf8));
  await writeFile(cat(r, '/names/', nfc), 'nfc\n');
  await writeFile(cat(r, '/names/', nfd), 'nfd\n');
  await writeFile(join(root, 'names', 'n'.repeat(255)), '255\n');
  // A path over 1,000 bytes: five folders of 200 bytes and a file.
  let deep = join(root, 'deep');
  for (let i = 0; i < 5; i++) deep = join(deep, String(i).repeat(200));
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'far.txt'), 'far\n');
  // Hard links and symlinks.
  await mkdir(join(root, 'links'));
  await writeFile(join(root, 'links', 'one'), 'linked content\n');
  await link(join(root, 'links', 'one'), join(root, 'links', 'two'));
  await link(join(root, 'links', 'one'), join(root, 'names', 'three'));
  await symlink('one', join(root, 'links', 'to-one'));
  await symlink('/nowhere/at/all', join(root, 'links', 'dangling'));
  await symlink(nonUtf8, cat(r, '/links/to-bad'));
  // Modes and owners.
  await mkdir(join(root, 'modes'));
  await writeFile(join(root, 'modes', 'setuid'), '#!/bin/sh\n');
  await chown(join(root, 'modes', 'setuid'), 1001, 1002);
  await chmod(join(root, 'modes', 'setuid'), 0o4755);
  await mkdir(join(root, 'modes', 'setgid'));
  await chown(join(root, 'modes', 'setgid'), 2000, 2001);
  await chmod(join(root, 'modes', 'setgid'), 0o2775);
  await mkdir(join(root, 'modes', 'sticky'));
  await chmod(join(root, 'modes', 'sticky'), 0o1777);
  await writeFile(join(root, 'modes', 'private'), 'secret-ish\n', { mode: 0o600 });
  await chown(join(root, 'modes', 'private'), 3000, 3000);
  await mkdir(join(root, 'empty'));
  await run('mkfifo', ['-m', '0620', join(root, 'modes', 'pipe')]);
  // A sparse file: 256 KiB of data, a 64 MiB hole, 256 KiB of data.
  const fd = await open(join(root, 'sparse.img'), 'w');
  const data = Buffer.alloc(256 << 10, 0x5a);
  await fd.write(data, 0, data.length, 0);
  await fd.write(data, 0, data.length, (256 << 10) + (64 << 20));
  await fd.close();
  // Times: nanoseconds, before 1970; folders last (writing into a folder changes its mtime).
  await setMtime(join(root, 'names', 'n'.repeat(255)), 1_700_000_000_123_456_789n);
  await setMtime(join(root, 'links', 'to-one'), 1_600_000_000_000_000_007n);
  await setMtime(join(root, 'sparse.img'), 1_650_000_000_999_999_999n);
  for (const dir of ['modes/sticky', 'modes/setgid', 'modes', 'names', 'links', 'empty']) await setMtime(join(root, dir), 1_500_000_000_000_000_001n);
}

/**
 * Two walks equal: the same paths, each with the same type, mode, owner, size, mtime, bytes and
 * target; the same hard links. `held` maps an original entry to what the target can keep of it.
 */
export function expectSameTree(restored: SeenTree, original: SeenTree, held: (want: SeenEntry, got: SeenEntry | undefined) => SeenEntry = (want) => want): void {
  expect([...restored.entries.keys()].sort()).toEqual([...original.entries.keys()].sort());
  for (const [key, original_] of original.entries) {
    const got = restored.entries.get(key);
    const want = held(original_, got);
    // A folder's own mtime is compared too: the restore sets it after its contents.
    expect({ path: Buffer.from(key, 'hex').toString(), ...got }).toEqual({ path: Buffer.from(key, 'hex').toString(), ...want });
  }
  expect(restored.linkGroups).toEqual(original.linkGroups);
}

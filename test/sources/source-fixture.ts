// The fixture tree the source conformance suite reads, and an independent view of it through
// node:fs (lstat with nanoseconds, names as bytes) to compare every source against.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const BIG_SIZE = 3 * 1024 * 1024 + 12_345;
export const NON_UTF8_NAME = Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]); // 'f\xff\xfe.bin'
export const LONG_NAME = Buffer.from('n'.repeat(251) + '.txt');
export const MANY_FILES = 400;

export interface Fixture {
  readonly root: string;
  readonly bigBytes: Buffer;
}

/** Creates the tree under `root` (which must not exist yet). */
export function createFixture(root: string): Fixture {
  const p = (...parts: string[]): string => path.join(root, ...parts);
  fs.mkdirSync(p('nested', 'deeper', 'deepest'), { recursive: true });
  fs.writeFileSync(p('nested', 'deeper', 'deepest', 'leaf.txt'), 'a leaf, three levels down\n');
  fs.writeFileSync(p('nested', 'small.txt'), 'small\n');
  fs.writeFileSync(p('empty.bin'), '');
  const bigBytes = randomBytes(BIG_SIZE);
  fs.writeFileSync(p('big.bin'), bigBytes);

  fs.mkdirSync(p('links'));
  fs.symlinkSync('../big.bin', p('links', 'relative'));
  fs.symlinkSync('/etc/hostname', p('links', 'absolute'));
  fs.symlinkSync('no/such/target', p('links', 'dangling'));
  fs.writeFileSync(p('hard-a.txt'), 'one file, two names\n');
  fs.linkSync(p('hard-a.txt'), p('links', 'hard-b.txt'));

  fs.writeFileSync(p('setuid.sh'), '#!/bin/sh\n');
  fs.chmodSync(p('setuid.sh'), 0o4755);
  fs.writeFileSync(p('setgid.bin'), 'g');
  fs.chmodSync(p('setgid.bin'), 0o2750);
  fs.mkdirSync(p('sticky'));
  fs.chmodSync(p('sticky'), 0o1777);
  fs.writeFileSync(p('sticky', 'owned.txt'), 'owned by someone else\n');
  fs.chownSync(p('sticky', 'owned.txt'), 1234, 5678);
  fs.chmodSync(p('sticky', 'owned.txt'), 0o640);

  fs.writeFileSync(Buffer.concat([Buffer.from(root + '/'), NON_UTF8_NAME]), 'not UTF-8\n');
  fs.writeFileSync(Buffer.concat([Buffer.from(root + '/'), LONG_NAME]), 'a 255-byte name\n');
  execFileSync('mkfifo', [p('fifo')]);

  // Enough entries, with long enough names, that READDIRPLUS needs several pages.
  fs.mkdirSync(p('many'));
  for (let i = 0; i < MANY_FILES; i++) fs.writeFileSync(p('many', `entry-${String(i).padStart(4, '0')}-${'x'.repeat(48)}`), String(i));
  return { root, bigBytes };
}

/**
 * Reads every file and symlink and lists every directory once through node:fs, after the clock has moved on,
 * so that relatime has nothing left to update: later reads by the source under test then leave
 * atime alone and an lstat taken now still describes the tree.
 */
export async function settleAtimes(root: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
  const visit = (dir: Buffer): void => {
    for (const name of fs.readdirSync(dir, { encoding: 'buffer' })) {
      const full = Buffer.concat([dir, Buffer.from('/'), name]);
      const st = fs.lstatSync(full);
      if (st.isDirectory()) visit(full);
      else if (st.isFile()) fs.readFileSync(full);
      else if (st.isSymbolicLink()) fs.readlinkSync(full); // readlink touches a link's atime too
    }
  };
  visit(Buffer.from(root));
}

/** Every path under root, relative, as exact bytes; the independent listing. */
export function walkFs(root: string): Buffer[] {
  const out: Buffer[] = [];
  const visit = (dir: Buffer, rel: Buffer): void => {
    for (const name of fs.readdirSync(dir, { encoding: 'buffer' })) {
      const relPath = rel.length === 0 ? name : Buffer.concat([rel, Buffer.from('/'), name]);
      const full = Buffer.concat([dir, Buffer.from('/'), name]);
      out.push(relPath);
      if (fs.lstatSync(full).isDirectory()) visit(full, relPath);
    }
  };
  visit(Buffer.from(root), Buffer.alloc(0));
  return out;
}

export interface ExpectedMetadata {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  fileId: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  rdevMajor: number;
  rdevMinor: number;
  target: Buffer | undefined;
}

/** What FileMetadata should say about `relPath`, straight from lstat. */
export function expectedMetadata(root: string, relPath: Buffer): { meta: ExpectedMetadata; dev: bigint } {
  const full = relPath.length === 0 ? Buffer.from(root) : Buffer.concat([Buffer.from(root + '/'), relPath]);
  const st = fs.lstatSync(full, { bigint: true });
  const type = st.isFile()
    ? 'file'
    : st.isDirectory()
      ? 'directory'
      : st.isSymbolicLink()
        ? 'symlink'
        : st.isFIFO()
          ? 'fifo'
          : st.isSocket()
            ? 'socket'
            : st.isCharacterDevice()
              ? 'char'
              : 'block';
  return {
    dev: st.dev,
    meta: {
      type,
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: type === 'file' || type === 'symlink' ? Number(st.size) : 0,
      nlink: Number(st.nlink),
      fileId: st.ino,
      atimeNs: st.atimeNs,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      rdevMajor: 0,
      rdevMinor: 0,
      target: type === 'symlink' ? fs.readlinkSync(full, { encoding: 'buffer' }) : undefined,
    },
  };
}

export function sha256(data: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const b of Array.isArray(data) ? data : [data]) h.update(b);
  return h.digest('hex');
}

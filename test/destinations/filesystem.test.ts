// The conformance suite on the filesystem destination, in a temp folder (what an EFS or FSx mount
// looks like to floe).
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { afterEach, describe, expect, it } from 'vitest';
import { contentOf, entryFor, randomData } from './conformance-helpers.js';
import { describeDestination } from './describe-destination.js';

/** Part files anywhere under `root`, counted with a walk of our own (not through the destination). */
async function partFiles(root: Buffer): Promise<number> {
  let count = 0;
  for (const entry of await readdir(root, { withFileTypes: true, encoding: 'buffer' })) {
    const name = Buffer.from(entry.name);
    const path = Buffer.concat([root, Buffer.from('/'), name]);
    if (entry.isDirectory()) count += await partFiles(path);
    else if (name.toString('latin1').startsWith('.floe-part-')) count++;
  }
  return count;
}

describeDestination('filesystem (efs://)', {
  traits: {
    largeSize: 16 * 1024 * 1024 + 12_345,
    // Every byte handed to the part file was written and fsynced before the put failed.
    resumeOffset: (_size, failedAfter) => failedAfter,
    acceptsNonUtf8Names: true,
    keepsOwnership: process.getuid?.() === 0,
    timePrecision: { ns: 1000n, reason: "Node's utimes keeps microseconds (TOOLCHAIN.md, File metadata pitfalls)" },
    known: {},
  },
  async start() {
    const base = await mkdtemp(join(tmpdir(), 'floe-fs-dest-'));
    let n = 0;
    return {
      async open() {
        const root = await mkdtemp(join(base, `t${++n}-`));
        return { destination: await openFilesystemDestination(`efs://${root}`), leftovers: () => partFiles(Buffer.from(root)) };
      },
      stop: () => rm(base, { recursive: true, force: true }),
    };
  },
});

describe('filesystem destination: hard links', () => {
  let base: string | undefined;
  afterEach(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });
  const setup = async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-links-'));
    return { root: base, destination: await openFilesystemDestination(`efs://${base}`) };
  };

  it('makes the second name a link of the first: one inode, two links, no part file even when put again', async () => {
    const { root, destination } = await setup();
    const data = randomData(10_000);
    const first = entryFor('a/first', 'file', data, { fileId: 77n, nlink: 2 });
    const second = entryFor('b/second', 'file', data, { fileId: 77n, nlink: 2 });
    await destination.put(first, contentOf(data));
    await destination.put(second, contentOf(data), { linkTo: 'a/first' });
    // Put again (a run repeated after a crash): still one file, nothing left over.
    await destination.put(second, contentOf(data), { linkTo: 'a/first' });
    const [a, b] = await Promise.all([lstat(join(root, 'a/first')), lstat(join(root, 'b/second'))]);
    expect(b.ino).toBe(a.ino);
    expect(a.nlink).toBe(2);
    expect(await partFiles(Buffer.from(root))).toBe(0);
  });

  it('writes its own copy when the name to link to is no longer that file (size, mode or mtime differ)', async () => {
    const { root, destination } = await setup();
    const data = randomData(10_000);
    const first = entryFor('first', 'file', data, { fileId: 78n, nlink: 2 });
    await destination.put(first, contentOf(data));
    await writeFile(join(root, 'first'), 'replaced by someone else\n');
    const second = entryFor('second', 'file', data, { fileId: 78n, nlink: 2 });
    await destination.put(second, contentOf(data), { linkTo: 'first' });
    expect((await lstat(join(root, 'second'))).ino).not.toBe((await lstat(join(root, 'first'))).ino);
    expect((await readFile(join(root, 'second'))).equals(data)).toBe(true);
    expect((await readFile(join(root, 'first'))).toString()).toBe('replaced by someone else\n');
    // Same size and times but other permissions: not the same file either.
    const third = entryFor('third', 'file', data, { fileId: 78n, nlink: 3, mode: 0o600 });
    await destination.put(third, contentOf(data), { linkTo: 'second' });
    expect((await lstat(join(root, 'third'))).ino).not.toBe((await lstat(join(root, 'second'))).ino);
    expect((await lstat(join(root, 'third'))).mode & 0o7777).toBe(0o600);
  });
});

// The conformance suite on the filesystem destination, in a temp folder (what an EFS or FSx mount
// looks like to floe).
import { lstat, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { llistxattr, makedev, stopSyscallHelper, utimensat } from '../../appliance/os/syscall-helper.js';
import { verifyObject } from '../../appliance/transfer/object-check.js';
import { afterEach, describe, expect, it } from 'vitest';
import { contentOf, entryFor, partFiles, randomData } from './conformance-helpers.js';
import { describeDestination } from './describe-destination.js';

describeDestination('filesystem (efs://)', {
  traits: {
    largeSize: 16 * 1024 * 1024 + 12_345,
    // Every byte handed to the part file was written and fsynced before the put failed.
    resumeOffset: (_size, failedAfter) => failedAfter,
    acceptsNonUtf8Names: true,
    keepsOwnership: process.getuid?.() === 0,
    timePrecision: { ns: 1n },
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

describe('filesystem destination: times to the nanosecond', () => {
  let base: string | undefined;
  afterEach(async () => {
    stopSyscallHelper();
    if (base) await rm(base, { recursive: true, force: true });
  });
  const setup = async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-times-'));
    return { root: base, destination: await openFilesystemDestination(`efs://${base}`) };
  };
  // The times issue 25 names: sub-microsecond, 2^32 s (past NFSv3's range), 2200, before 1970.
  const cases = [
    { mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_600_000_000_000_000_001n },
    { mtimeNs: 4_294_967_296_000_000_000n, atimeNs: 4_294_967_296_999_999_999n },
    { mtimeNs: 7_258_118_400_987_654_321n, atimeNs: 7_258_118_400_000_000_007n },
    { mtimeNs: -86_400_000_000_001n, atimeNs: -1n },
  ];

  it('probes the precision once: ext4, XFS and tmpfs keep nanoseconds, and no probe file stays', async () => {
    const { root, destination } = await setup();
    expect(destination.capabilities.timePrecisionNs).toBe(1);
    expect(await readdir(root)).toEqual([]);
  });

  it('sets atime and mtime of files, folders and symlinks to the nanosecond (stat with bigint), also past 2106 and before 1970', async () => {
    const { root, destination } = await setup();
    // A non-UTF-8 name (byte 0xff) reaches utimensat as exact bytes.
    const fileOf = (i: number) => Buffer.concat([Buffer.from(`d${i}/f-`), Buffer.from([0xff])]);
    for (const [i, times] of cases.entries()) {
      await destination.put(entryFor(`d${i}`, 'directory', Buffer.alloc(0), times), contentOf(Buffer.alloc(0)));
      await destination.put(entryFor(fileOf(i), 'file', Buffer.from('data'), times), contentOf(Buffer.from('data')));
      await destination.put(entryFor(`d${i}/link`, 'symlink', Buffer.from('f-'), times), contentOf(Buffer.from('f-')));
      // A folder's own times are set after its content, as the import does.
      await destination.put(entryFor(`d${i}`, 'directory', Buffer.alloc(0), times), contentOf(Buffer.alloc(0)));
    }
    for (const [i, times] of cases.entries()) {
      for (const path of [Buffer.from(`d${i}`), Buffer.from(`d${i}/link`), fileOf(i)]) {
        const st = await lstat(Buffer.concat([Buffer.from(`${root}/`), path]), { bigint: true });
        expect({ path: path.toString('latin1'), mtimeNs: st.mtimeNs, atimeNs: st.atimeNs }).toEqual({ path: path.toString('latin1'), ...times });
      }
    }
  });

  it('a read back leaves the atime as it was', async () => {
    const { root, destination } = await setup();
    const data = randomData(300_000);
    const times = { mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_500_000_000_000_000_123n }; // atime before mtime: relatime would update it
    await destination.put(entryFor('read-me.bin', 'file', data, times), contentOf(data));
    const chunks: Buffer[] = [];
    for await (const c of destination.read('read-me.bin')) chunks.push(c);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const st = await lstat(join(root, 'read-me.bin'), { bigint: true });
    expect({ mtimeNs: st.mtimeNs, atimeNs: st.atimeNs }).toEqual(times);
  });

  it("verification compares a symlink's own mtime: 1 ns later on the target is a VERIFY_METADATA_FAILURE", async () => {
    const { root, destination } = await setup();
    expect(destination.capabilities.symlinkTimes).toBe(true);
    const times = { mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_600_000_000_000_000_001n };
    const entry = entryFor('link', 'symlink', Buffer.from('elsewhere'), times);
    await destination.put(entry, contentOf(Buffer.from('elsewhere')));
    expect(await verifyObject(destination, 'link', entry)).toBeUndefined();
    await utimensat(Buffer.from(join(root, 'link')), times.atimeNs, times.mtimeNs + 1n);
    expect(await verifyObject(destination, 'link', entry)).toEqual({
      code: 'VERIFY_METADATA_FAILURE',
      message: `link: file-mtime is ${times.mtimeNs + 1n}ns, expected ${times.mtimeNs}ns`,
    });
  });
});

describe('filesystem destination: special files (PreserveDevices=PRESERVE in the journal)', () => {
  let base: string | undefined;
  afterEach(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('makes a FIFO a FIFO with its mode and times, stats it like the journal entry, and verifies it without opening it', async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-fifo-'));
    const destination = await openFilesystemDestination(`efs://${base}`);
    const times = { mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_600_000_000_000_000_001n };
    const entry = entryFor('pipes/fifo', 'fifo', Buffer.alloc(0), { ...times, mode: 0o640 });
    await destination.put(entry, contentOf(Buffer.alloc(0)));
    const st = await lstat(join(base, 'pipes/fifo'), { bigint: true });
    expect(st.isFIFO()).toBe(true);
    expect(Number(st.mode & 0o7777n)).toBe(0o640);
    expect({ mtimeNs: st.mtimeNs, atimeNs: st.atimeNs }).toEqual(times);
    expect(await verifyObject(destination, 'pipes/fifo', entry)).toBeUndefined();
    // Put again (a resumed import): still one FIFO, no part file.
    await destination.put(entry, contentOf(Buffer.alloc(0)));
    expect(await partFiles(Buffer.from(base))).toBe(0);
    expect((await readdir(join(base, 'pipes'))).sort()).toEqual(['fifo']);
  });

  it('refuses a device node without CAP_MKNOD with DESTINATION_ACCESS_DENIED and leaves nothing', async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-dev-'));
    const destination = await openFilesystemDestination(`efs://${base}`);
    const entry = entryFor('dev/null-copy', 'char', Buffer.alloc(0), { rdevMajor: 1, rdevMinor: 3, mode: 0o666 });
    if (process.getuid?.() === 0) {
      // Root (CI) may make it, unless the container drops CAP_MKNOD.
      const made = await destination.put(entry, contentOf(Buffer.alloc(0))).then(
        () => true,
        (err: { code?: string }) => err.code,
      );
      if (made === true) {
        const st = await lstat(join(base, 'dev/null-copy'), { bigint: true });
        expect(st.isCharacterDevice()).toBe(true);
        expect(st.rdev).toBe(makedev(1, 3));
      } else expect(made).toBe('DESTINATION_ACCESS_DENIED');
    } else {
      await expect(destination.put(entry, contentOf(Buffer.alloc(0)))).rejects.toMatchObject({ code: 'DESTINATION_ACCESS_DENIED', message: expect.stringContaining('mknod dev/null-copy: EPERM') });
    }
    expect(await partFiles(Buffer.from(base))).toBe(0);
  });
});

describe('filesystem destination: holes', () => {
  let base: string | undefined;
  afterEach(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('writes a file with a 1 GiB hole sparse: zeros read back, allocation about the data', async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-sparse-'));
    const destination = await openFilesystemDestination(`efs://${base}`);
    const MIB = 1 << 20;
    const head = randomData(MIB + 123); // not block-aligned: the hole starts inside a block
    const tail = randomData(MIB);
    const zero = Buffer.alloc(MIB);
    const hole = 1024 * MIB;
    const size = head.length + hole + tail.length;
    const content = async function* (offset: number): AsyncIterable<Buffer> {
      expect(offset).toBe(0);
      yield head;
      for (let i = 0; i < hole / MIB; i++) yield zero;
      yield tail;
    };
    const entry = entryFor('sparse.img', 'file', Buffer.alloc(0), { size });
    await destination.put(entry, content);
    const st = await lstat(join(base, 'sparse.img'));
    expect(st.size).toBe(size);
    // The data is 2 MiB and a bit; the file system allocates it in blocks (plus metadata).
    expect(st.blocks * 512).toBeLessThanOrEqual(2 * (head.length + tail.length) + 256 * 1024);
    const handle = await open(join(base, 'sparse.img'), 'r');
    try {
      const read = async (at: number, length: number) => {
        const b = Buffer.alloc(length);
        await handle.read(b, 0, length, at);
        return b;
      };
      expect((await read(0, head.length)).equals(head)).toBe(true);
      expect((await read(head.length, MIB)).equals(zero)).toBe(true);
      expect((await read(head.length + hole - MIB, MIB)).equals(zero)).toBe(true);
      expect((await read(head.length + hole, tail.length)).equals(tail)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('a file ending in zeros keeps its length', async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-sparse-tail-'));
    const destination = await openFilesystemDestination(`efs://${base}`);
    const data = Buffer.concat([Buffer.from('head'), Buffer.alloc(512 * 1024)]);
    await destination.put(entryFor('tail-zeros', 'file', data), contentOf(data));
    expect((await readFile(join(base, 'tail-zeros'))).equals(data)).toBe(true);
  });
});

describe('filesystem destination: extended attributes', () => {
  let base: string | undefined;
  afterEach(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });
  const x = (name: string, value: string | number[]) => ({ name: Buffer.from(name), value: Buffer.from(value as string) });

  it('sets user. attributes on files and folders, removes stale ones from a folder put again, never writes other namespaces', async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-xattr-'));
    const destination = await openFilesystemDestination(`efs://${base}`);
    const dir = entryFor('d', 'directory', Buffer.alloc(0), { xattrs: [x('user.a', [0, 255]), x('user.b', 'two')] });
    await destination.put(dir, contentOf(Buffer.alloc(0)));
    const file = entryFor('d/f', 'file', Buffer.from('data'), { mode: 0o444, xattrs: [x('trusted.not-carried', 'x'), x('user.c', '')] });
    await destination.put(file, contentOf(Buffer.from('data')));
    expect((await destination.stat('d/'))?.xattrs).toEqual([x('user.a', [0, 255]), x('user.b', 'two')]);
    expect((await destination.stat('d/f'))?.xattrs).toEqual([x('user.c', '')]);
    expect(await llistxattr(Buffer.from(join(base, 'd/f')))).toEqual([Buffer.from('user.c')]);
    // The folder put again with one attribute: the other goes.
    await destination.put({ ...dir, xattrs: [x('user.b', 'changed')] }, contentOf(Buffer.alloc(0)));
    expect((await destination.stat('d/'))?.xattrs).toEqual([x('user.b', 'changed')]);
    await destination.put({ ...dir, xattrs: undefined }, contentOf(Buffer.alloc(0)));
    expect((await destination.stat('d/'))?.xattrs).toEqual([]);
    expect(await partFiles(Buffer.from(base))).toBe(0);
  });

  it('refuses a device number mknod cannot take (major 4096) with EINVAL, leaving nothing', async () => {
    base = await mkdtemp(join(tmpdir(), 'floe-fs-rdev-'));
    const destination = await openFilesystemDestination(`efs://${base}`);
    const entry = entryFor('big-major', 'char', Buffer.alloc(0), { rdevMajor: 4096, rdevMinor: 1 });
    await expect(destination.put(entry, contentOf(Buffer.alloc(0)))).rejects.toMatchObject({ code: 'DESTINATION_IO', message: expect.stringContaining('EINVAL') });
    expect(await readdir(base)).toEqual([]);
  });
});

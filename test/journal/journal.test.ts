import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Journal, initialChain } from '../../appliance/journal/journal.js';
import { scanJournal } from '../../appliance/journal/journal-scan.js';
import { RecordType } from '../../appliance/journal/records.js';
import { segmentFileName } from '../../appliance/journal/format.js';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import { releaseSharedBuffer, sharedBuffer } from '../../appliance/crypto/crypto-workers.js';
import { verifyJournal } from '../../appliance/journal/verify.js';
import { isFloeError } from '../../appliance/errors.js';
import { spyOnFileHandle } from '../support/file-handle-spy.js';
import { bytesOf, collect, fileMeta, seededBytes, sha256hex, tempDir, testKeys } from './journal-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fresh(segmentLimit?: number) {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const keys = testKeys();
  const journal = await Journal.create(t.dir, keys.ring(), segmentLimit ? { segmentLimit } : {});
  return { dir: t.dir, keys, journal };
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

/** Closes `journal` and flips a byte of the frame that holds chunk `id`; returns where that frame is. */
async function damageChunk(journal: Journal, dir: string, id: Buffer): Promise<{ segment: number; offset: number }> {
  const journalId = journal.journalId;
  const journalKeys = journal.keys;
  await journal.close();
  let damaged: { segment: number; offset: number } | undefined;
  await scanJournal({
    dir: join(dir, 'segments'), journalId, keys: journalKeys, repairTornTail: false,
    start: { segment: 1, offset: 64, seq: 1n, chain: initialChain(journalId) },
    onProblem: (p) => { throw new Error(p.message); },
    onRecord: (r) => {
      if (r.plaintext[0] === RecordType.chunk && r.plaintext.subarray(1, 33).equals(id)) damaged = r.location;
    },
  });
  const segmentFile = join(dir, 'segments', segmentFileName(damaged!.segment));
  const bytes = await readFile(segmentFile);
  bytes[damaged!.offset + 100]! ^= 0x01;
  await writeFile(segmentFile, bytes);
  return damaged!;
}

describe('journal: files and metadata', () => {
  it('keeps every byte and every metadata field exactly, names as raw bytes', async () => {
    const { journal } = await fresh();
    const nonUtf8 = Buffer.from([0x64, 0x2f, 0xff, 0xfe, 0x41]);
    const long = Buffer.from('n'.repeat(255));
    const content = seededBytes(3, 3 * 1024 * 1024 + 5);
    const meta = fileMeta(nonUtf8, content.length, 'file', { mode: 0o4755, uid: 4242, gid: 4343, nlink: 2, fsId: 77n, fileId: 1234567890123n, atimeNs: -5n, mtimeNs: 1_700_000_000_000_000_001n });
    const written = await journal.writeFile(meta, bytesOf(content));
    await journal.writeFile(fileMeta(long, 0));
    await journal.writeFile(fileMeta('dir', 0, 'directory', { mode: 0o1777 }));
    await journal.writeFile(fileMeta('link', 0, 'symlink', { target: Buffer.from([0x2e, 0x2e, 0x2f, 0xfe]) }));
    await journal.writeFile(fileMeta('dev', 0, 'char', { rdevMajor: 1, rdevMinor: 3 }));

    const back = await journal.getFile(nonUtf8);
    expect(back).toEqual({ ...meta, sha256: written.sha256, chunks: written.chunks });
    expect(back!.sha256.toString('hex')).toBe(sha256hex(content));
    expect(back!.chunks.map((c) => c.size)).toEqual([1 << 20, 1 << 20, 1 << 20, 5]);
    expect((await collect(journal.readFile(back!))).equals(content)).toBe(true);
    expect((await collect(journal.readFile(back!, { offset: 1_500_000 }))).equals(content.subarray(1_500_000))).toBe(true);
    expect((await journal.getFile(long))!.size).toBe(0);
    expect((await journal.getFile(Buffer.from('dir')))!.mode).toBe(0o1777);
    const link = (await journal.getFile(Buffer.from('link')))!;
    expect(link.target).toEqual(Buffer.from([0x2e, 0x2e, 0x2f, 0xfe]));
    expect(link.size).toBe(4);
    expect((await journal.getFile(Buffer.from('dev')))!.rdevMinor).toBe(3);
    await journal.close();
  });

  it('tombstones remove a path from the catalog; a later write brings it back', async () => {
    const { journal } = await fresh();
    await journal.writeFile(fileMeta('a', 1), bytesOf(Buffer.from('x')));
    await journal.writeFile(fileMeta('b', 1), bytesOf(Buffer.from('y')));
    expect(await journal.removeFile(Buffer.from('a'))).toBe(true);
    expect(await journal.removeFile(Buffer.from('zz'))).toBe(false);
    expect(await journal.getFile(Buffer.from('a'))).toBeUndefined();
    expect((await journal.stats()).files).toBe(1);
    await journal.writeFile(fileMeta('a', 2), bytesOf(Buffer.from('zz')));
    const s = await journal.stats();
    expect([s.files, s.logicalBytes]).toEqual([2, 3]);
    await journal.close();
  });

  it('refuses relative-path violations with INVALID_ARGUMENT', async () => {
    const { journal } = await fresh();
    await expect(journal.writeFile(fileMeta('/abs', 0))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(journal.writeFile(fileMeta(Buffer.from([0x61, 0, 0x62]), 0))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await journal.close();
  });

  it('refuses to open with another job data key', async () => {
    const { dir, journal } = await fresh();
    await journal.writeFile(fileMeta('a', 1), bytesOf(Buffer.from('x')));
    await journal.close();
    const err = await Journal.open(dir, testKeys().ring()).catch((e: unknown) => e);
    expect(isFloeError(err, 'UNAUTHENTICATED')).toBe(true);
  });
});

describe('journal: reads check the whole-file SHA-256', () => {
  it('a file of one chunk and a file of several read back exactly, and an entry naming another SHA-256 fails at the end', async () => {
    const { journal } = await fresh();
    const small = seededBytes(21, 70_000);
    const large = seededBytes(22, 3 * 1024 * 1024 + 5);
    const one = await journal.writeFile(fileMeta('one.bin', small.length), bytesOf(small, 4096));
    const many = await journal.writeFile(fileMeta('many.bin', large.length), bytesOf(large, 1 << 20));
    expect(one.chunks.length).toBe(1);
    expect(many.chunks.length).toBeGreaterThan(1);
    expect(sha256hex(await collect(journal.readFile(one)))).toBe(sha256hex(small));
    expect(sha256hex(await collect(journal.readFile(many)))).toBe(sha256hex(large));
    for (const entry of [one, many]) {
      const other = { ...entry, sha256: Buffer.alloc(32, 7) };
      const pieces: Buffer[] = [];
      const err = await (async () => {
        try {
          for await (const p of journal.readFile(other)) pieces.push(p);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toMatchObject({ code: 'CHECKSUM_MISMATCH', message: 'the file content does not match its recorded SHA-256' });
      // Every chunk itself was genuine; only the whole-file check, after the last one, fails.
      expect(Buffer.concat(pieces).length).toBe(entry.size);
    }
    await journal.close();
  });
});

describe('journal: transient reads', () => {
  it('opens large chunks in reused shared memory, gives the same bytes and checks, and gives every buffer back even when the reader stops early', async () => {
    const { journal } = await fresh();
    const large = seededBytes(31, 5 * 1024 * 1024 + 77);
    const entry = await journal.writeFile(fileMeta('large.bin', large.length), bytesOf(large, 1 << 20));
    const read = async (e: typeof entry, stopAfter = Infinity) => {
      const copies: Buffer[] = [];
      const memory = new Set<ArrayBufferLike>();
      let shared = 0;
      for await (const piece of journal.readFile(e, { transient: true })) {
        if (piece.buffer instanceof SharedArrayBuffer) shared++;
        memory.add(piece.buffer);
        copies.push(Buffer.from(piece)); // valid until the next piece is asked for
        if (copies.length >= stopAfter) break;
      }
      return { data: Buffer.concat(copies), shared, memory };
    };
    const all = await read(entry);
    expect(all.data.equals(large)).toBe(true);
    // Five chunks of 1 MiB in shared memory; the last, of 77 bytes, is opened inline.
    expect(entry.chunks.map((c) => c.size)).toEqual([...Array(5).fill(1 << 20), 77]);
    expect(all.shared).toBe(5);
    // Buffers go back to the pool and come out again: fewer distinct buffers than chunks.
    expect(all.memory.size).toBeLessThan(entry.chunks.length);
    // A reader that stops early leaves nothing held: the next read gets the same buffers again.
    const early = await read(entry, 2);
    expect(early.data.equals(large.subarray(0, 2 << 20))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await read(entry);
    expect([...again.memory].some((m) => early.memory.has(m))).toBe(true);
    // The whole-file check still runs on in-place chunks.
    const other = { ...entry, sha256: Buffer.alloc(32, 7) };
    await expect(read(other)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: 'the file content does not match its recorded SHA-256' });
    // Without transient, pieces are the reader's to keep.
    const kept: Buffer[] = [];
    for await (const piece of journal.readFile(entry)) kept.push(piece);
    expect(kept.every((p) => !(p.buffer instanceof SharedArrayBuffer))).toBe(true);
    expect(Buffer.concat(kept).equals(large)).toBe(true);
    await journal.close();
  });
});

describe('journal: content filled into blocks', () => {
  const MIB = 1 << 20;
  /** Fills blocks of `blockSize` from `offset` to the end; counts the bytes copied into shared blocks. */
  async function fillAll(journal: Journal, entry: FileEntry, offset: number, blockSize: number, shared: boolean) {
    const fill = journal.fillFile(entry, { offset });
    const out: Buffer[] = [];
    let copied = 0;
    const original = Buffer.prototype.copy;
    const copy = vi.spyOn(Buffer.prototype, 'copy').mockImplementation(function (this: Buffer, ...args: unknown[]) {
      const n = (original as (...a: unknown[]) => number).apply(this, args);
      if ((args[0] as Uint8Array).buffer instanceof SharedArrayBuffer) copied += n;
      return n;
    });
    try {
      for (let at = offset; at < entry.size; at += blockSize) {
        const block = shared ? sharedBuffer(Math.min(blockSize, entry.size - at)) : Buffer.alloc(Math.min(blockSize, entry.size - at));
        await fill.fill(block);
        out.push(Buffer.from(block));
        releaseSharedBuffer(block);
      }
      expect(fill.atEnd).toBe(true);
    } finally {
      copy.mockRestore();
      fill.close();
    }
    return { data: Buffer.concat(out), copied };
  }

  it('opens large chunks straight into shared blocks, copying only what crosses a block end; the bytes from 0 or any offset are those of the file', async () => {
    const { journal } = await fresh();
    const large = seededBytes(41, 5 * MIB + 77);
    const entry = await journal.writeFile(fileMeta('large.bin', large.length), bytesOf(large, MIB));
    expect(entry.chunks.map((c) => c.size)).toEqual([...Array(5).fill(MIB), 77]);
    // Blocks of 3 MiB + 1: chunks 0-2 and 4 are opened into the blocks; chunk 3 crosses the first
    // block's end (1 byte, then the rest into the second), and the last, 77 bytes, is small.
    const direct = await fillAll(journal, entry, 0, 3 * MIB + 1, true);
    expect(direct.data.equals(large)).toBe(true);
    expect(direct.copied).toBe(MIB + 77);
    const ordinary = await fillAll(journal, entry, 0, 3 * MIB + 1, false);
    expect(ordinary.data.equals(large)).toBe(true);
    for (const offset of [1, 2 * MIB + 5, 5 * MIB]) {
      expect((await fillAll(journal, entry, offset, MIB, true)).data.equals(large.subarray(offset))).toBe(true);
    }
    await journal.close();
  });

  it('the whole-file check fails the block with the last byte; a block past the end and a damaged chunk fail with their codes', async () => {
    const { journal, dir, keys } = await fresh();
    const large = seededBytes(42, 4 * MIB + 10);
    const entry = await journal.writeFile(fileMeta('large.bin', large.length), bytesOf(large, MIB));
    const other = { ...entry, sha256: Buffer.alloc(32, 7) };
    const wrongHash = journal.fillFile(other);
    const first = sharedBuffer(3 * MIB);
    await wrongHash.fill(first);
    expect(first.equals(large.subarray(0, 3 * MIB))).toBe(true);
    await expect(wrongHash.fill(sharedBuffer(MIB + 10))).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: 'the file content does not match its recorded SHA-256' });
    await expect(wrongHash.fill(first)).rejects.toThrow('a failed FileFill cannot fill again');
    const tooLong = journal.fillFile(entry);
    await expect(tooLong.fill(sharedBuffer(5 * MIB))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: `content ended ${MIB - 10} bytes before the block's end, at the entry's size ${entry.size}` });
    const damaged = await damageChunk(journal, dir, entry.chunks[1]!.sha256);
    const reopened = await Journal.open(dir, keys.ring());
    try {
      await expect(reopened.fillFile(entry).fill(sharedBuffer(3 * MIB))).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', message: `segment ${damaged.segment} offset ${damaged.offset}: the record does not authenticate (changed on disk)` });
    } finally {
      await reopened.close();
    }
  });
});

describe('journal: chunk locations looked up ahead', () => {
  it('one index call for many files; their reads then ask the index nothing, and give the same bytes', async () => {
    const { journal, dir, keys } = await fresh();
    const contents = [seededBytes(41, 5000), seededBytes(42, 70_000), seededBytes(43, 1)];
    const entries = [];
    for (const [i, c] of contents.entries()) entries.push(await journal.writeFile(fileMeta(`f${i}`, c.length), bytesOf(c)));
    const other = await journal.writeFile(fileMeta('other', 3), bytesOf(Buffer.from('abc')));
    // Reopened: nothing of the writes is cached in memory any more.
    await journal.close();
    const reopened = await Journal.open(dir, keys.ring());
    const gets = vi.spyOn(ClassicLevel.prototype, 'getSync');
    const getMany = vi.spyOn(ClassicLevel.prototype, 'getMany');
    try {
      await reopened.prefetch(entries);
      expect(getMany).toHaveBeenCalledTimes(1);
      gets.mockClear();
      for (const [i, e] of entries.entries()) expect((await collect(reopened.readFile(e))).equals(contents[i]!)).toBe(true);
      expect(gets).not.toHaveBeenCalled();
      // Each location serves one read: the next read of the same file, and a file not looked up, ask the index.
      expect((await collect(reopened.readFile(entries[0]!))).equals(contents[0]!)).toBe(true);
      expect((await collect(reopened.readFile(other))).toString()).toBe('abc');
      expect(gets).toHaveBeenCalledTimes(2);
    } finally {
      gets.mockRestore();
      getMany.mockRestore();
      await reopened.close();
    }
  });
});

describe('journal: writes in batches', () => {
  it('commits reach LevelDB in batches: by time, by size, and before the catalog is read; lookups see each file at once, and so does a reopen', async () => {
    const { journal, dir, keys } = await fresh();
    const contents = Array.from({ length: 700 }, (_, i) => seededBytes(100 + i, 100 + (i % 50)));
    const batches = vi.spyOn(ClassicLevel.prototype, 'batch');
    // The index's batch timer never fires here: only size and readers start a batch.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      // One after another: before, each commit wrote its own batch (100 here).
      for (let i = 0; i < 100; i++) {
        await journal.writeFile(fileMeta(`many/f${i}`, contents[i]!.length), bytesOf(contents[i]!));
        expect((await journal.getFile(Buffer.from(`many/f${i}`)))?.size).toBe(contents[i]!.length);
      }
      expect(batches).not.toHaveBeenCalled();
      const listed: string[] = [];
      for await (const { entry } of journal.catalog()) listed.push(entry.path.toString());
      expect(listed.length).toBe(100);
      expect(batches).toHaveBeenCalledTimes(1);
      // Past 1,024 waiting operations (two per small file) a batch starts without the timer.
      for (let i = 100; i < 700; i++) await journal.writeFile(fileMeta(`many/f${i}`, contents[i]!.length), bytesOf(contents[i]!));
      expect(batches).toHaveBeenCalledTimes(2);
      // The timer starts one for what is left.
      vi.runOnlyPendingTimers();
    } finally {
      vi.useRealTimers();
      batches.mockRestore();
    }
    await journal.close();
    const reopened = await Journal.open(dir, keys.ring());
    try {
      const listed: string[] = [];
      for await (const { entry } of reopened.catalog()) listed.push(entry.path.toString());
      expect(listed.length).toBe(700);
      for (const [i, c] of contents.entries()) {
        const e = await reopened.getFile(Buffer.from(`many/f${i}`));
        expect((await collect(reopened.readFile(e!))).equals(c)).toBe(true);
      }
    } finally {
      await reopened.close();
    }
  });

  it('frames ready together go to the segment in one writev, in seq order, each where the index says', async () => {
    const { journal } = await fresh();
    const writevs = await spyOnFileHandle(journal.dir, 'writev');
    const contents = Array.from({ length: 300 }, (_, i) => seededBytes(2000 + i, 500 + i));
    let calls: number;
    try {
      await Promise.all(contents.map((c, i) => journal.writeFile(fileMeta(`w/f${i}`, c.length), bytesOf(c))));
      calls = writevs.mock.calls.length;
    } finally {
      writevs.mockRestore();
    }
    // 600 frames (a chunk and an entry per file): one writev each before.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(300);
    for (const [i, c] of contents.entries()) expect((await collect(journal.readFile((await journal.getFile(Buffer.from(`w/f${i}`)))!))).equals(c)).toBe(true);
    expect((await verifyJournal(journal)).problems).toEqual([]);
  });

  it('a failed index write fails the next write with a clear error; the reopened journal has every committed file', async () => {
    const { journal, dir, keys } = await fresh();
    await journal.writeFile(fileMeta('a', 3), bytesOf(Buffer.from('abc')));
    await journal.flush();
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch').mockRejectedValueOnce(new Error('IO error: index disk gone'));
    try {
      // Committed: its entry is durable; the index batch that follows fails.
      await journal.writeFile(fileMeta('b', 3), bytesOf(Buffer.from('def')));
      await expect(journal.flush()).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', message: expect.stringContaining('the index could not be written (IO error: index disk gone)') });
      await expect(journal.writeFile(fileMeta('c', 1), bytesOf(Buffer.from('x')))).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT' });
      expect(batch).toHaveBeenCalledTimes(1);
    } finally {
      batch.mockRestore();
    }
    await expect(journal.close()).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT' });
    const reopened = await Journal.open(dir, keys.ring());
    try {
      expect((await collect(reopened.readFile((await reopened.getFile(Buffer.from('a')))!))).toString()).toBe('abc');
      expect((await collect(reopened.readFile((await reopened.getFile(Buffer.from('b')))!))).toString()).toBe('def');
      expect(await reopened.getFile(Buffer.from('c'))).toBeUndefined();
      expect((await verifyJournal(reopened)).problems).toEqual([]);
    } finally {
      await reopened.close();
    }
  });
});

describe('journal: whole files in one buffer', () => {
  it('readWhole gives the bytes readFile gives, with the same checks', async () => {
    const { journal } = await fresh();
    const one = seededBytes(51, 40_000);
    const many = seededBytes(52, 2 * 1024 * 1024 + 9);
    const e1 = await journal.writeFile(fileMeta('one', one.length), bytesOf(one));
    const e2 = await journal.writeFile(fileMeta('many', many.length), bytesOf(many, 1 << 20));
    const e0 = await journal.writeFile(fileMeta('empty', 0));
    expect(e1.chunks).toHaveLength(1);
    expect(e2.chunks.length).toBeGreaterThan(1);
    expect((await journal.readWhole(e1)).equals(one)).toBe(true);
    expect((await journal.readWhole(e2)).equals(many)).toBe(true);
    expect(await journal.readWhole(e0)).toHaveLength(0);
    for (const e of [e1, e2]) {
      await expect(journal.readWhole({ ...e, sha256: Buffer.alloc(32, 7) })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: 'the file content does not match its recorded SHA-256' });
    }
    // A chunk the journal does not have.
    const missing = { ...e1, chunks: [{ ...e1.chunks[0]!, sha256: Buffer.alloc(32, 9) }] };
    await expect(journal.readWhole(missing)).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', message: 'a chunk of this file is not in the journal' });
    const aborted = AbortSignal.abort();
    await expect(journal.readWhole(e1, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('journal: small frames read ahead', () => {
  it('neighbouring frames come in one read, their files then read with no read of their own, byte-exact', async () => {
    const { journal, dir, keys } = await fresh();
    const contents = Array.from({ length: 40 }, (_, i) => seededBytes(60 + i, 1000 + i * 997));
    const entries = [];
    for (const [i, c] of contents.entries()) entries.push(await journal.writeFile(fileMeta(`f${i}`, c.length), bytesOf(c)));
    await journal.close();
    const reopened = await Journal.open(dir, keys.ring());
    const reads = await spyOnFileHandle(dir, 'read');
    try {
      // In a different order than written: the reads are sorted by position.
      await reopened.prefetch([...entries].reverse());
      // The segment's header when it is first opened, then the 40 frames (about 820 KB) at once.
      expect(reads).toHaveBeenCalledTimes(2);
      reads.mockClear();
      for (const [i, e] of entries.entries()) expect((await collect(reopened.readFile(e))).equals(contents[i]!)).toBe(true);
      expect(reads).not.toHaveBeenCalled();
      // A frame serves one read: the next read of a file goes to the disk.
      expect((await collect(reopened.readFile(entries[3]!))).equals(contents[3]!)).toBe(true);
      expect(reads).toHaveBeenCalledTimes(1);
      // The run's buffer, all of its frames used, serves the next run: no new memory.
      const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
      await reopened.prefetch(entries.slice(0, 20));
      expect(allocations).not.toHaveBeenCalled();
      allocations.mockRestore();
      for (const [i, e] of entries.slice(0, 20).entries()) expect((await collect(reopened.readFile(e))).equals(contents[i]!)).toBe(true);
    } finally {
      reads.mockRestore();
      await reopened.close();
    }
  });

  it('a frame damaged on disk and read ahead is refused as any read refuses it; its neighbours read fine', async () => {
    const { journal, dir, keys } = await fresh();
    const contents = Array.from({ length: 6 }, (_, i) => seededBytes(80 + i, 3000 + i));
    const entries = await Promise.all(contents.map((c, i) => journal.writeFile(fileMeta(`g${i}`, c.length), bytesOf(c))));
    const damaged = await damageChunk(journal, dir, entries[2]!.chunks[0]!.sha256);
    const reopened = await Journal.open(dir, keys.ring());
    try {
      await reopened.prefetch(entries);
      for (const [i, e] of entries.entries()) {
        if (i === 2) await expect(collect(reopened.readFile(e))).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', message: `segment 1 offset ${damaged!.offset}: the record does not authenticate (changed on disk)` });
        else expect((await collect(reopened.readFile(e))).equals(contents[i]!)).toBe(true);
      }
    } finally {
      await reopened.close();
    }
  });
});

describe('journal: dedup, stats and index', () => {
  it('writing the same 100 MiB twice grows stored bytes by under 1%', async () => {
    const { journal } = await fresh();
    const data = seededBytes(11, 100 * 1024 * 1024);
    await journal.writeFile(fileMeta('one.bin', data.length), bytesOf(data, 1 << 20));
    const first = await journal.stats();
    await journal.writeFile(fileMeta('two.bin', data.length), bytesOf(data, 333_333));
    const second = await journal.stats();
    expect(first.chunks).toBe(100);
    expect(second.chunks).toBe(100);
    expect(second.logicalBytes).toBe(2 * data.length);
    expect((second.storedBytes - first.storedBytes) / first.storedBytes).toBeLessThan(0.01);
    expect(second.dedupRatio).toBeCloseTo(2, 5);
    await journal.close();
  });

  it('rebuilds an identical catalog after the index folder is deleted', async () => {
    const { dir, keys, journal } = await fresh(2 << 20);
    for (let i = 0; i < 120; i++) await journal.writeFile(fileMeta(`f/${i}`, 700 * i), bytesOf(seededBytes(i + 100, 700 * i)));
    await journal.removeFile(Buffer.from('f/7'));
    await journal.writeFile(fileMeta('f/8', 3), bytesOf(Buffer.from('new')));
    await journal.appendEvent({ kind: 'lifecycle', to: 'ON_SITE' });
    const snapshot = async (j: Journal) => {
      const files: string[] = [];
      for await (const e of j.files()) files.push(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
      const events: string[] = [];
      for await (const e of j.events()) events.push(`${e.seq}:${JSON.stringify(e.event)}`);
      const { storedBytes: _s, ...stats } = await j.stats();
      return { files: files.sort(), events, stats };
    };
    const before = await snapshot(journal);
    await journal.close();
    await rm(join(dir, 'index'), { recursive: true });
    const reopened = await Journal.open(dir, keys.ring());
    expect(reopened.recovery.rebuilt).toBe(true);
    expect(await snapshot(reopened)).toEqual(before);
    expect(before.files.length).toBe(119);
    await reopened.close();
  });
});

describe('journal: secrecy of the disk', () => {
  it('no file under the journal holds the marker, a name, the DEK or any plain SHA-256', async () => {
    const { dir, keys, journal } = await fresh();
    const marker = 'FLOE-MARKER-7d1c';
    const hashes: Buffer[] = [];
    const names: string[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `${marker}-dir/${marker}-file-${i}.txt`;
      const content = Buffer.from(`${marker} line ${i}\n`.repeat(50 + i));
      names.push(name);
      const e = await journal.writeFile(fileMeta(name, content.length), bytesOf(content));
      hashes.push(e.sha256, ...e.chunks.map((c) => c.sha256));
    }
    await journal.close();
    const needles: Array<[string, Buffer]> = [
      ['marker', Buffer.from(marker)],
      ['DEK', keys.dek],
      ...names.map((n): [string, Buffer] => [`name ${n}`, Buffer.from(n)]),
      ...hashes.flatMap((h): Array<[string, Buffer]> => [[`sha ${h.toString('hex')}`, h], [`sha hex`, Buffer.from(h.toString('hex'))]]),
    ];
    const files = await allFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const bytes = await readFile(f);
      for (const [what, needle] of needles) expect(bytes.includes(needle), `${what} found in ${f}`).toBe(false);
    }
  });
});

describe('journal: torn tail', () => {
  it('recovers to the last whole record at 50 random truncation points', async () => {
    const { dir, keys, journal } = await fresh(1 << 30);
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 60; i++) {
      const data = seededBytes(500 + i, (i % 5) * 300_000 + 10);
      contents.set(`t/${i}`, data);
      await journal.writeFile(fileMeta(`t/${i}`, data.length), bytesOf(data));
    }
    // Where each file's entry frame ends: it is committed in a truncated copy iff that is ≤ the cut.
    const ends = new Map<string, number>();
    // LevelDB itself is read here: wait for the index's last batch first.
    await journal.flush();
    for await (const r of journal.applier.store.files()) ends.set(r.entry.path.toString(), r.location.offset + 16 + r.location.length);
    await journal.close();
    const segFile = join(dir, 'segments', '00000001.seg');
    const full = await readFile(segFile);
    const { cp, truncate } = await import('node:fs/promises');
    for (let round = 0; round < 50; round++) {
      const cut = 64 + Math.floor(Math.random() * (full.length - 64));
      const copy = join(dir, `..`, `${dir.split('/').pop()}-cut${round}`);
      cleanups.push(() => rm(copy, { recursive: true, force: true }));
      await cp(dir, copy, { recursive: true });
      await truncate(join(copy, 'segments', '00000001.seg'), cut);
      const j = await Journal.open(copy, keys.ring());
      const lastWhole = Math.max(64, ...[...ends.values()].filter((e) => e <= cut));
      expect(j.recovery.problems).toEqual([]);
      expect((await stat(join(copy, 'segments', '00000001.seg'))).size).toBeLessThanOrEqual(cut);
      expect((await stat(join(copy, 'segments', '00000001.seg'))).size).toBeGreaterThanOrEqual(lastWhole);
      const present = new Set<string>();
      for await (const e of j.files()) {
        present.add(e.path.toString());
        expect((await collect(j.readFile(e))).equals(contents.get(e.path.toString())!)).toBe(true);
      }
      const expected = [...ends].filter(([, end]) => end <= cut).map(([p]) => p).sort();
      expect([...present].sort()).toEqual(expected);
      expect((await verifyJournal(j)).problems).toEqual([]);
      // Writing goes on in a new segment.
      await j.writeFile(fileMeta('after', 1), bytesOf(Buffer.from('z')));
      expect((await j.stats()).segments).toBe(2);
      await j.close();
      await rm(copy, { recursive: true, force: true });
    }
  }, 300_000);
});

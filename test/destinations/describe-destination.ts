// The destination conformance suite (STYLE.md: rclone's fstests). Every destination runs the same
// cases against a real server or file system; a case a server cannot pass is declared in its
// traits with the reason and shows up as skipped with that reason, never silently dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination, ResumeState } from '../../appliance/destinations/destination.js';
import { keyToBytes } from '../../appliance/destinations/path-key.js';
import { ATIME_NS, collect, ContentCounter, contentOf, entryFor, MTIME_NS, randomData, readAll, rejection, sha256 } from './conformance-helpers.js';

export type ConformanceCase =
  | 'longest-key'
  | 'non-utf8-names'
  | 'nanosecond-times'
  | 'pre-1970-times'
  | 'symlink-times'
  | 'resume'
  | 'cleanup-and-stale-resume'
  | 'cancel';

export interface DestinationTraits {
  /** Size of the "large" file: several parts on S3 (keep it modest: memstore holds it in RAM). */
  readonly largeSize: number;
  /** Where a resumed put must start reading when the first put's content failed after `failedAfter` bytes. */
  resumeOffset(size: number, failedAfter: number): number;
  /** Keys may carry non-UTF-8 bytes (file systems) or are refused with DESTINATION_NAME_INVALID (S3). */
  readonly acceptsNonUtf8Names: boolean;
  /** uid and gid are kept as given (S3 metadata; a file system when running as root). */
  readonly keepsOwnership: boolean;
  /** Finest time step kept, in ns, with the reason when coarser than 1 ns. */
  readonly timePrecision: { readonly ns: bigint; readonly reason?: string };
  /** Known differences: the case is skipped and its title carries the reason. */
  readonly known: Partial<Record<ConformanceCase, string>>;
}

export interface DestinationUnderTest {
  readonly destination: Destination;
  /**
   * Open multipart uploads or part files under this destination, counted from outside it.
   * Absent when the server cannot list them (s3rver has no ListMultipartUploads).
   */
  readonly leftovers?: () => Promise<number>;
}

export interface RunningTarget {
  /** A fresh, empty destination (its own prefix or folder) for one test. */
  open(): Promise<DestinationUnderTest>;
  stop(): Promise<void>;
}

export interface DestinationFactory {
  readonly traits: DestinationTraits;
  /** Starts the server (once per describe block). */
  start(): Promise<RunningTarget>;
}

const KIB = 1024;

const required = (): Promise<number> => {
  throw new Error('this case needs leftovers(): declare it as a known difference if the target cannot count them');
};

export function describeDestination(name: string, factory: DestinationFactory): void {
  const traits = factory.traits;
  const testCase = (id: ConformanceCase | undefined, title: string, fn: () => Promise<void>) => {
    const reason = id === undefined ? undefined : traits.known[id];
    if (reason !== undefined) it.skip(`${title} [known difference: ${reason}]`, fn);
    else it(title, fn);
  };

  describe(`destination conformance: ${name}`, () => {
    let running: RunningTarget;
    const opened: Destination[] = [];
    const fresh = async (): Promise<DestinationUnderTest> => {
      const under = await running.open();
      opened.push(under.destination);
      return under;
    };
    const expectedOwner = traits.keepsOwnership ? { uid: '1234', gid: '5678' } : { uid: String(process.getuid?.()), gid: String(process.getgid?.()) };

    beforeAll(async () => {
      running = await factory.start();
    });
    afterAll(async () => {
      for (const destination of opened) await destination.close();
      await running?.stop();
    });

    it('declares its capabilities', async () => {
      const { destination } = await fresh();
      expect(destination.capabilities.posixMetadata).toBe(true);
      expect(destination.capabilities.symlinks).toBe(true);
      expect(destination.capabilities.maxKeyBytes).toBeGreaterThan(200);
    });

    it('puts an empty file and reads it back empty', async () => {
      const { destination } = await fresh();
      const entry = entryFor('empty.txt', 'file');
      const result = await destination.put(entry, contentOf(Buffer.alloc(0)));
      expect(result).toMatchObject({ key: 'empty.txt', bytes: 0 });
      expect(await destination.stat('empty.txt')).toMatchObject({ key: 'empty.txt', size: 0, isDirectory: false });
      expect((await readAll(destination.read('empty.txt'))).length).toBe(0);
    });

    it('puts a small file with exact POSIX metadata and reads it back byte for byte', async () => {
      const { destination } = await fresh();
      const data = randomData(100 * KIB + 7);
      const entry = entryFor('docs/report.bin', 'file', data, { mode: 0o640 });
      const key = destination.keyFor(entry);
      expect(key).toBe('docs/report.bin');
      let progress = 0;
      await destination.put(entry, contentOf(data), { onProgress: (n) => (progress += n) });
      expect(progress).toBe(data.length);
      const object = await destination.stat(key);
      expect(object).toMatchObject({ key, size: data.length, isDirectory: false });
      expect(object?.metadata).toEqual({
        'file-permissions': '0100640',
        'file-owner': expectedOwner.uid,
        'file-group': expectedOwner.gid,
        'file-mtime': `${MTIME_NS}ns`,
        'file-atime': `${ATIME_NS}ns`,
      });
      expect((await readAll(destination.read(key))).equals(data)).toBe(true);
    });

    it(`puts a large file (${(traits.largeSize / KIB / KIB).toFixed(1)} MiB, multipart where supported) and reads it back byte for byte`, async () => {
      const { destination, leftovers } = await fresh();
      const data = randomData(traits.largeSize);
      const entry = entryFor('large.bin', 'file', data);
      const counter = new ContentCounter();
      let progress = 0;
      await destination.put(entry, contentOf(data, counter), { onProgress: (n) => (progress += n) });
      expect(counter.opens).toEqual([0]);
      expect(counter.bytes).toBe(data.length);
      expect(progress).toBe(data.length);
      expect((await destination.stat('large.bin'))?.size).toBe(data.length);
      const back = await readAll(destination.read('large.bin'));
      expect(back.length).toBe(data.length);
      expect(sha256(back).toString('hex')).toBe(sha256(data).toString('hex'));
      if (leftovers) expect(await leftovers()).toBe(0);
    });

    it('replaces an object on a second put of the same path', async () => {
      const { destination } = await fresh();
      await destination.put(entryFor('same.txt', 'file', Buffer.from('first version, longer')), contentOf(Buffer.from('first version, longer')));
      await destination.put(entryFor('same.txt', 'file', Buffer.from('second')), contentOf(Buffer.from('second')));
      expect((await destination.stat('same.txt'))?.size).toBe(6);
      expect((await readAll(destination.read('same.txt'))).toString()).toBe('second');
    });

    it('gives a second name of a hard-linked file (linkTo) the same bytes, reading the content only where it cannot link', async () => {
      const { destination } = await fresh();
      const data = randomData(40 * KIB + 3);
      const first = entryFor('linked/first.bin', 'file', data, { fileId: 9_001n, nlink: 2 });
      const second = entryFor('linked/second.bin', 'file', data, { fileId: 9_001n, nlink: 2 });
      await destination.put(first, contentOf(data));
      const counter = new ContentCounter();
      const result = await destination.put(second, contentOf(data, counter), { linkTo: destination.keyFor(first) });
      expect(result).toMatchObject({ key: 'linked/second.bin', bytes: data.length });
      expect(counter.bytes).toBe(destination.capabilities.hardLinks ? 0 : data.length);
      for (const key of ['linked/first.bin', 'linked/second.bin']) {
        expect((await readAll(destination.read(key))).equals(data), key).toBe(true);
        expect((await destination.stat(key))?.metadata?.['file-mtime']).toBe(`${MTIME_NS}ns`);
      }
      // A name to link to that does not exist: the content is written.
      const third = entryFor('linked/third.bin', 'file', data, { fileId: 9_001n, nlink: 3 });
      await destination.put(third, contentOf(data), { linkTo: 'linked/missing.bin' });
      expect((await readAll(destination.read('linked/third.bin'))).equals(data)).toBe(true);
    });

    it('puts a directory as a "/" key with its metadata', async () => {
      const { destination } = await fresh();
      const entry = entryFor('photos', 'directory');
      const key = destination.keyFor(entry);
      expect(key).toBe('photos/');
      await destination.put(entry, contentOf(Buffer.alloc(0)));
      const object = await destination.stat(key);
      expect(object).toMatchObject({ key: 'photos/', size: 0, isDirectory: true });
      expect(object?.metadata).toEqual({
        'file-permissions': '040750',
        'file-owner': expectedOwner.uid,
        'file-group': expectedOwner.gid,
        'file-mtime': `${MTIME_NS}ns`,
        'file-atime': `${ATIME_NS}ns`,
      });
      expect(await destination.stat('photos')).toBeNull();
    });

    it('puts a symlink whose target bytes (not UTF-8) read back exactly', async () => {
      const { destination } = await fresh();
      const target = Buffer.concat([Buffer.from('../target/'), Buffer.from([0xff, 0xfe]), Buffer.from('/file.txt')]);
      const entry = entryFor('link', 'symlink', target);
      const key = destination.keyFor(entry);
      expect(key).toBe('link');
      await destination.put(entry, contentOf(Buffer.alloc(0)));
      const object = await destination.stat(key);
      expect(object).toMatchObject({ key, size: target.length, isDirectory: false });
      expect(object?.metadata?.['file-permissions']).toBe('0120777');
      expect((await readAll(destination.read(key))).equals(target)).toBe(true);
    });

    testCase('symlink-times', "keeps a symlink's own mtime", async () => {
      const { destination } = await fresh();
      await destination.put(entryFor('link', 'symlink', Buffer.from('somewhere')), contentOf(Buffer.alloc(0)));
      expect((await destination.stat('link'))?.metadata?.['file-mtime']).toBe(`${MTIME_NS}ns`);
    });

    const precision = traits.timePrecision;
    testCase('nanosecond-times', `keeps nanosecond times${precision.ns > 1n ? ` to ${precision.ns} ns (${precision.reason ?? 'no reason given'})` : ''}`, async () => {
      const { destination } = await fresh();
      const mtimeNs = 1_700_000_000_123_456_789n;
      const atimeNs = 1_600_000_000_000_000_001n;
      await destination.put(entryFor('ns.txt', 'file', Buffer.from('x'), { mtimeNs, atimeNs }), contentOf(Buffer.from('x')));
      const metadata = (await destination.stat('ns.txt'))?.metadata;
      const truncate = (ns: bigint) => ns - (ns % precision.ns);
      expect(metadata?.['file-mtime']).toBe(`${truncate(mtimeNs)}ns`);
      expect(metadata?.['file-atime']).toBe(`${truncate(atimeNs)}ns`);
    });

    testCase('pre-1970-times', 'keeps times before 1970', async () => {
      const { destination } = await fresh();
      const mtimeNs = -86_400_123_456_789n;
      const atimeNs = -1_000_000_000n;
      await destination.put(entryFor('old.txt', 'file', Buffer.from('old'), { mtimeNs, atimeNs }), contentOf(Buffer.from('old')));
      const metadata = (await destination.stat('old.txt'))?.metadata;
      expect(metadata?.['file-mtime']).toBe(`${mtimeNs}ns`);
      expect(metadata?.['file-atime']).toBe(`${atimeNs}ns`);
    });

    it('keeps UTF-8 names with spaces, symbols and emoji exactly', async () => {
      const { destination } = await fresh();
      const names = ['dir one/naïve ✓ + %2F & ?#=.txt', 'emoji 🧊 floe.bin', 'CaseSensitive/File', 'casesensitive/file'];
      for (const name of names) await destination.put(entryFor(name, 'file', Buffer.from(name)), contentOf(Buffer.from(name)));
      const keys = (await collect(destination.list())).filter((o) => !o.isDirectory).map((o) => o.key);
      expect(keys.sort()).toEqual([...names].sort());
      for (const name of names) expect((await readAll(destination.read(name))).toString()).toBe(name);
    });

    testCase('non-utf8-names', traits.acceptsNonUtf8Names ? 'keeps non-UTF-8 names as exact bytes' : 'refuses non-UTF-8 names with DESTINATION_NAME_INVALID', async () => {
      const { destination } = await fresh();
      const path = Buffer.concat([Buffer.from('latin1-caf'), Buffer.from([0xe9]), Buffer.from('.txt')]);
      const entry = entryFor(path, 'file', Buffer.from('café'));
      if (!traits.acceptsNonUtf8Names) {
        const err = await rejection(() => destination.keyFor(entry));
        expect(err.code).toBe('DESTINATION_NAME_INVALID');
        expect(err.message).toContain('latin1-caf\\xe9.txt');
        expect((await rejection(destination.put(entry, contentOf(Buffer.from('café'))))).code).toBe('DESTINATION_NAME_INVALID');
        expect(await collect(destination.list())).toEqual([]);
        return;
      }
      const key = destination.keyFor(entry);
      expect(keyToBytes(key).equals(path)).toBe(true);
      await destination.put(entry, contentOf(Buffer.from('café')));
      const listed = await collect(destination.list());
      expect(listed.map((o) => o.key)).toEqual([key]);
      expect(keyToBytes(listed[0]!.key).equals(path)).toBe(true);
      expect((await readAll(destination.read(key))).toString()).toBe('café');
    });

    it('refuses malformed and over-long names with DESTINATION_NAME_INVALID, before writing anything', async () => {
      const { destination } = await fresh();
      const tooLong = 'd/'.repeat(Math.ceil(destination.capabilities.maxKeyBytes / 2)) + 'f';
      for (const path of ['', 'a//b', 'a/../b', './a', 'a/', tooLong]) {
        const entry = entryFor(path, 'file', Buffer.from('x'));
        const err = await rejection(() => destination.keyFor(entry));
        expect({ path: path.slice(0, 20), code: err.code }).toEqual({ path: path.slice(0, 20), code: 'DESTINATION_NAME_INVALID' });
        expect((await rejection(destination.put(entry, contentOf(Buffer.from('x'))))).code).toBe('DESTINATION_NAME_INVALID');
      }
      expect(await collect(destination.list())).toEqual([]);
    });

    testCase('longest-key', 'accepts a key of exactly maxKeyBytes', async () => {
      const { destination } = await fresh();
      const max = destination.capabilities.maxKeyBytes;
      const components: string[] = [];
      let length = 0;
      while (length < max) {
        const room = max - length - (components.length > 0 ? 1 : 0);
        const take = Math.min(200, room);
        components.push('k'.repeat(take));
        length += take + (components.length > 1 ? 1 : 0);
      }
      const path = components.join('/');
      expect(Buffer.byteLength(path)).toBe(max);
      const entry = entryFor(path, 'file', Buffer.from('long'));
      await destination.put(entry, contentOf(Buffer.from('long')));
      expect((await destination.stat(path))?.size).toBe(4);
      expect((await collect(destination.list())).filter((o) => !o.isDirectory).map((o) => o.key)).toEqual([path]);
    });

    it('lists exactly what was put, with sizes', async () => {
      const { destination } = await fresh();
      const files: [string, number][] = [['a.txt', 3], ['sub/b.txt', 1500], ['sub/deeper/c.txt', 0]];
      for (const dir of ['sub', 'sub/deeper']) await destination.put(entryFor(dir, 'directory'), contentOf(Buffer.alloc(0)));
      for (const [path, size] of files) {
        const data = randomData(size);
        await destination.put(entryFor(path, 'file', data), contentOf(data));
      }
      await destination.put(entryFor('sub/link', 'symlink', Buffer.from('b.txt')), contentOf(Buffer.alloc(0)));
      const listed = (await collect(destination.list())).map((o) => ({ key: o.key, size: o.size, isDirectory: o.isDirectory }));
      listed.sort((x, y) => (x.key < y.key ? -1 : 1));
      expect(listed).toEqual([
        { key: 'a.txt', size: 3, isDirectory: false },
        { key: 'sub/', size: 0, isDirectory: true },
        { key: 'sub/b.txt', size: 1500, isDirectory: false },
        { key: 'sub/deeper/', size: 0, isDirectory: true },
        { key: 'sub/deeper/c.txt', size: 0, isDirectory: false },
        { key: 'sub/link', size: 5, isDirectory: false },
      ]);
    });

    it('removes files, symlinks and empty folders; a missing key is not an error', async () => {
      const { destination } = await fresh();
      await destination.put(entryFor('gone', 'directory'), contentOf(Buffer.alloc(0)));
      await destination.put(entryFor('keep.txt', 'file', Buffer.from('k')), contentOf(Buffer.from('k')));
      await destination.put(entryFor('gone.txt', 'file', Buffer.from('g')), contentOf(Buffer.from('g')));
      await destination.put(entryFor('gone-link', 'symlink', Buffer.from('keep.txt')), contentOf(Buffer.alloc(0)));
      for (const key of ['gone.txt', 'gone-link', 'gone/']) await destination.remove(key);
      await destination.remove('never-was.txt');
      expect(await destination.stat('gone.txt')).toBeNull();
      expect(await destination.stat('gone/')).toBeNull();
      expect((await collect(destination.list())).map((o) => o.key)).toEqual(['keep.txt']);
    });

    it('answers stat of a missing key with null and read with NOT_FOUND', async () => {
      const { destination } = await fresh();
      expect(await destination.stat('missing.txt')).toBeNull();
      expect((await rejection(readAll(destination.read('missing.txt')))).code).toBe('NOT_FOUND');
    });

    it('refuses content shorter than the entry says, leaving no object', async () => {
      const { destination } = await fresh();
      const entry = entryFor('short.txt', 'file', Buffer.alloc(1000));
      const err = await rejection(destination.put(entry, contentOf(Buffer.alloc(500))));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(await destination.stat('short.txt')).toBeNull();
    });

    testCase('resume', 'resumes an interrupted put, reading only what was not stored', async () => {
      const { destination, leftovers = required } = await fresh();
      const size = traits.largeSize;
      const data = randomData(size);
      const entry = entryFor('resumed.bin', 'file', data);
      const failAfter = Math.floor(size * 0.7);
      let state: ResumeState | undefined;
      const first = new ContentCounter();
      const err = await rejection(destination.put(entry, contentOf(data, first, failAfter), { onResumeState: (s) => void (state = s) }));
      expect(err.message).toBe('journal read failed (test)');
      expect(state).toBeDefined();
      expect(await destination.stat('resumed.bin')).toBeNull();
      expect(await leftovers()).toBe(1);

      const expectedOffset = traits.resumeOffset(size, failAfter);
      expect(expectedOffset).toBeGreaterThan(0);
      const second = new ContentCounter();
      let progress = 0;
      await destination.put(entry, contentOf(data, second), { resume: state!, onResumeState: (s) => void (state = s), onProgress: (n) => (progress += n) });
      expect(second.opens).toEqual([expectedOffset]);
      expect(second.bytes).toBe(size - expectedOffset);
      expect(progress).toBe(size - expectedOffset);
      const back = await readAll(destination.read('resumed.bin'));
      expect(sha256(back).toString('hex')).toBe(sha256(data).toString('hex'));
      expect(await leftovers()).toBe(0);
    });

    testCase('cleanup-and-stale-resume', 'cleanup() removes what an interrupted put left; resuming that stale state starts over', async () => {
      const { destination, leftovers = required } = await fresh();
      const size = traits.largeSize;
      const data = randomData(size);
      const entry = entryFor('stale.bin', 'file', data);
      let state: ResumeState | undefined;
      await rejection(destination.put(entry, contentOf(data, new ContentCounter(), Math.floor(size * 0.7)), { onResumeState: (s) => void (state = s) }));
      expect(await leftovers()).toBe(1);
      expect(await destination.cleanup!()).toBe(1);
      expect(await leftovers()).toBe(0);
      expect(await destination.cleanup!()).toBe(0);
      expect(await collect(destination.list())).toEqual([]);

      const again = new ContentCounter();
      await destination.put(entry, contentOf(data, again), { resume: state! });
      expect(again.opens).toEqual([0]);
      expect(again.bytes).toBe(size);
      const back = await readAll(destination.read('stale.bin'));
      expect(sha256(back).toString('hex')).toBe(sha256(data).toString('hex'));
      expect(await leftovers()).toBe(0);
    });

    testCase('cancel', 'stops a put when its signal aborts, with CANCELLED', async () => {
      const { destination } = await fresh();
      const data = randomData(traits.largeSize);
      const controller = new AbortController();
      const abortAt = Math.floor(data.length / 3);
      const content = contentOf(data, new ContentCounter(), Infinity, (total) => {
        if (total >= abortAt) controller.abort();
      });
      const err = await rejection(destination.put(entryFor('cancelled.bin', 'file', data), content, { signal: controller.signal }));
      expect(err.code).toBe('CANCELLED');
      expect(await destination.stat('cancelled.bin')).toBeNull();
    });
  });
}

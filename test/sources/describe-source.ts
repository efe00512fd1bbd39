// The conformance suite every Source runs (STYLE.md: one suite, as rclone's fstests): exact bytes,
// exact metadata against an independent lstat of the same tree, complete listings, offsets,
// errors and cancellation.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFloeError } from '../../appliance/errors.js';
import { displayPath } from '../../appliance/journal/file-entry.js';
import type { Source, SourceEntry } from '../../appliance/sources/source.js';
import { BIG_SIZE, LONG_NAME, MANY_FILES, NON_UTF8_NAME, createFixture, expectedMetadata, settleAtimes, sha256, walkFs, type Fixture } from './source-fixture.js';

export interface SourceUnderTest {
  readonly source: Source;
  /**
   * How the source reports fsId: 'device' when it is st_dev (a local file system); 'opaque' when
   * the server picks its own id (an NFS fsid), which must then be one value for the whole tree.
   */
  readonly fsId: 'device' | 'opaque';
  close(): Promise<void>;
}

export type SourceFactory = (exportDir: string) => Promise<SourceUnderTest>;

/**
 * What a source cannot represent, declared with the reason (rclone's fstests list known failures
 * so): the cases that need it are skipped for that source only, and still run for every other.
 * - hardLinks: no hard-link identity; every name is a file of its own, nlink is 1.
 * - inodeNumbers: fileId is the source's own identity, not the tree's st_ino.
 * - ctime: no change time; ctimeNs is the source's stand-in.
 * - nonUtf8Names: names must be UTF-8, so the fixture's non-UTF-8 name is not in the tree.
 */
export type SourceLack = 'hardLinks' | 'inodeNumbers' | 'ctime' | 'nonUtf8Names';

export interface DescribeSourceOptions {
  readonly skip?: string;
  readonly lacks?: Partial<Record<SourceLack, string>>;
}

const b = (text: string): Buffer => Buffer.from(text);
const ROOT = Buffer.alloc(0);

export function describeSource(name: string, factory: SourceFactory, options: DescribeSourceOptions = {}): void {
  const lacks = options.lacks ?? {};
  const lacking = Object.entries(lacks).map(([what, why]) => `${what}: ${why}`);
  const title = `Source conformance: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}${lacking.length > 0 ? ` (lacks ${lacking.join('; ')})` : ''}`;
  /** The fixture's paths this source can hold. */
  const representable = (p: Buffer): boolean => lacks.nonUtf8Names === undefined || Buffer.from(p.toString('utf8'), 'utf8').equals(p);
  describe.skipIf(options.skip !== undefined)(title, () => {
    let tmp: string;
    let fixture: Fixture;
    let subject: SourceUnderTest;
    let source: Source;

    beforeAll(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-source-'));
      fixture = createFixture(path.join(tmp, 'tree'));
      await settleAtimes(fixture.root);
      subject = await factory(fixture.root);
      source = subject.source;
    });

    afterAll(async () => {
      await subject?.close();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    async function walk(dir: Buffer = ROOT): Promise<SourceEntry[]> {
      const out: SourceEntry[] = [];
      for await (const entry of source.list(dir)) {
        out.push(entry);
        if (entry.type === 'directory') out.push(...(await walk(entry.path)));
      }
      return out;
    }

    function expectMatchesLstat(entry: SourceEntry, where: string): void {
      const { meta, dev } = expectedMetadata(fixture.root, entry.path);
      const actual = {
        type: entry.type,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        size: entry.size,
        nlink: entry.nlink,
        fileId: entry.fileId,
        atimeNs: entry.atimeNs,
        mtimeNs: entry.mtimeNs,
        ctimeNs: entry.ctimeNs,
        rdevMajor: entry.rdevMajor,
        rdevMinor: entry.rdevMinor,
        target: entry.target,
      };
      // What the source declared it lacks is compared with what it says instead of with lstat.
      const expected = {
        ...meta,
        ...(lacks.hardLinks === undefined ? {} : { nlink: 1 }),
        ...(lacks.inodeNumbers === undefined ? {} : { fileId: entry.fileId }),
        ...(lacks.ctime === undefined ? {} : { ctimeNs: entry.ctimeNs }),
      };
      expect(actual, `${where} '${displayPath(entry.path)}'`).toEqual(expected);
      if (subject.fsId === 'device') expect(entry.fsId).toBe(dev);
    }

    async function readAll(entry: SourceEntry, offset = 0): Promise<Buffer[]> {
      const chunks: Buffer[] = [];
      for await (const chunk of source.read(entry, offset)) chunks.push(Buffer.from(chunk));
      return chunks;
    }

    it('stats the root as the exported directory, with exact metadata', async () => {
      const root = await source.stat(ROOT);
      expect(root.type).toBe('directory');
      expect(root.path.length).toBe(0);
      expect(root.name.length).toBe(0);
      expectMatchesLstat(root, 'stat');
    });

    it('lists every entry of the tree exactly once, names as exact bytes, no . or ..', async () => {
      const listed = (await walk()).map((e) => e.path.toString('hex')).sort();
      const expected = walkFs(fixture.root).filter(representable).map((p) => p.toString('hex')).sort();
      expect(listed).toEqual(expected);
      if (representable(NON_UTF8_NAME)) expect(listed).toContain(NON_UTF8_NAME.toString('hex'));
      expect(listed).toContain(LONG_NAME.toString('hex'));
      expect(LONG_NAME.length).toBe(255);
      expect(listed.filter((p) => p.startsWith(b('many/').toString('hex')))).toHaveLength(MANY_FILES);
    });

    it('lists with names and paths that agree, and the metadata lstat gives, for every entry', async () => {
      const entries = await walk();
      for (const entry of entries) {
        const slash = entry.path.lastIndexOf(0x2f);
        expect(entry.name.equals(slash < 0 ? entry.path : entry.path.subarray(slash + 1))).toBe(true);
        expectMatchesLstat(entry, 'list');
      }
      if (subject.fsId === 'opaque') expect(new Set(entries.map((e) => e.fsId)).size).toBe(1);
    });

    it('stats each kind of entry with the metadata lstat gives', async () => {
      const paths = ['big.bin', 'empty.bin', 'nested', 'nested/deeper/deepest/leaf.txt', 'links/relative', 'links/absolute', 'links/dangling', 'setuid.sh', 'setgid.bin', 'sticky', 'sticky/owned.txt', 'fifo', 'many'];
      for (const p of [...paths.map(b), NON_UTF8_NAME, LONG_NAME].filter(representable)) expectMatchesLstat(await source.stat(p), 'stat');
    });

    it('keeps setuid, setgid and sticky bits, foreign owners, and the fifo type', async () => {
      expect((await source.stat(b('setuid.sh'))).mode).toBe(0o4755);
      expect((await source.stat(b('setgid.bin'))).mode).toBe(0o2750);
      expect((await source.stat(b('sticky'))).mode).toBe(0o1777);
      const owned = await source.stat(b('sticky/owned.txt'));
      expect([owned.uid, owned.gid, owned.mode]).toEqual([1234, 5678, 0o640]);
      const fifo = await source.stat(b('fifo'));
      expect([fifo.type, fifo.size]).toEqual(['fifo', 0]);
    });

    it('reports symlinks with their exact targets, dangling ones included', async () => {
      expect((await source.readlink(b('links/relative'))).toString()).toBe('../big.bin');
      expect((await source.readlink(b('links/absolute'))).toString()).toBe('/etc/hostname');
      const dangling = await source.stat(b('links/dangling'));
      expect(dangling.type).toBe('symlink');
      expect(dangling.target?.toString()).toBe('no/such/target');
      expect(dangling.size).toBe('no/such/target'.length);
    });

    it.skipIf(lacks.hardLinks !== undefined)('gives hard links one identity (fsId, fileId) and nlink 2', async () => {
      const a = await source.stat(b('hard-a.txt'));
      const c = await source.stat(b('links/hard-b.txt'));
      expect([c.fsId, c.fileId]).toEqual([a.fsId, a.fileId]);
      expect([a.nlink, c.nlink]).toEqual([2, 2]);
      expect((await source.stat(b('big.bin'))).fileId).not.toBe(a.fileId);
    });

    it('reads the exact bytes of a large file, an empty file and a small one', async () => {
      const big = await source.stat(b('big.bin'));
      expect(big.size).toBe(BIG_SIZE);
      const chunks = await readAll(big);
      expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(BIG_SIZE);
      expect(sha256(chunks)).toBe(sha256(fixture.bigBytes));
      expect(await readAll(await source.stat(b('empty.bin')))).toEqual([]);
      expect(Buffer.concat(await readAll(await source.stat(b('nested/deeper/deepest/leaf.txt')))).toString()).toBe('a leaf, three levels down\n');
      if (representable(NON_UTF8_NAME)) expect(Buffer.concat(await readAll(await source.stat(NON_UTF8_NAME))).toString()).toBe('not UTF-8\n');
    });

    it('reads entries as list() returned them', async () => {
      const seen = new Map<string, string>();
      for await (const entry of source.list(ROOT)) {
        if (entry.type === 'file') seen.set(entry.path.toString('hex'), sha256(await readAll(entry)));
      }
      expect(seen.get(b('big.bin').toString('hex'))).toBe(sha256(fixture.bigBytes));
      expect(seen.get(b('setuid.sh').toString('hex'))).toBe(sha256(b('#!/bin/sh\n')));
    });

    it('reads from an offset: the tail bytes exactly, nothing at or past the end', async () => {
      const big = await source.stat(b('big.bin'));
      for (const offset of [1, 1_000_003, 1024 * 1024, BIG_SIZE - 1]) {
        expect(sha256(await readAll(big, offset)), `offset ${offset}`).toBe(sha256(fixture.bigBytes.subarray(offset)));
      }
      expect(await readAll(big, BIG_SIZE)).toEqual([]);
      expect(await readAll(big, BIG_SIZE + 4096)).toEqual([]);
    });

    it('reads two files at once without mixing their bytes', async () => {
      const big = await source.stat(b('big.bin'));
      const [x, y] = await Promise.all([readAll(big), readAll(big, 777)]);
      expect(sha256(x)).toBe(sha256(fixture.bigBytes));
      expect(sha256(y)).toBe(sha256(fixture.bigBytes.subarray(777)));
    });

    it('stays usable after a reader stops early', async () => {
      const big = await source.stat(b('big.bin'));
      for await (const chunk of source.read(big)) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      expect(sha256(await readAll(big))).toBe(sha256(fixture.bigBytes));
    });

    it('answers a missing path with SOURCE_NOT_FOUND naming the path', async () => {
      for (const call of [() => source.stat(b('no-such-file')), () => source.stat(b('nested/no-such-file')), () => source.readlink(b('links/nothing'))]) {
        const err = await call().catch((e: unknown) => e);
        expect(isFloeError(err, 'SOURCE_NOT_FOUND'), String(err)).toBe(true);
        expect((err as Error).message).toMatch(/no-such-file|nothing/);
      }
      const listing = (async () => {
        for await (const _ of source.list(b('no-such-dir'))) void _;
      })();
      await expect(listing).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: expect.stringContaining('no-such-dir') });
    });

    it('refuses to read what is not a regular file, and paths with . or ..', async () => {
      const dir = await source.stat(b('nested'));
      await expect(readAll(dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(source.stat(b('nested/../big.bin'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('stops a read when its AbortSignal fires, with CANCELLED or an AbortError', async () => {
      const big = await source.stat(b('big.bin'));
      const controller = new AbortController();
      let chunks = 0;
      const outcome = await (async () => {
        for await (const _ of source.read(big, 0, { signal: controller.signal })) {
          chunks++;
          controller.abort();
        }
      })().then(
        () => 'finished',
        (e: unknown) => e,
      );
      expect(chunks).toBe(1);
      expect(isFloeError(outcome, 'CANCELLED') || (outcome as Error).name === 'AbortError', String(outcome)).toBe(true);

      const aborted = AbortSignal.abort();
      const err = await source.stat(b('big.bin'), { signal: aborted }).catch((e: unknown) => e);
      expect(isFloeError(err, 'CANCELLED') || (err as Error).name === 'AbortError', String(err)).toBe(true);
    });

    it('hashes what it reads the same way a second time (no stale buffers)', async () => {
      const big = await source.stat(b('big.bin'));
      const h = createHash('sha256');
      for await (const chunk of source.read(big)) h.update(chunk);
      expect(h.digest('hex')).toBe(sha256(fixture.bigBytes));
    });
  });
}

// Issue 24's must-show: a journal written by the previous format version opens, verifies and
// imports. test/fixtures/journal-previous-format/ is a device data folder filled and locked by the
// floe of the commit its README names (before index version 2, docs/journal-format.md §8, §13): two
// ingest executions of a small tree by a real task, a tombstone, a changed file, user. xattrs (file
// entry version 2), the seal. Each test works on a copy in a temp folder, never on the fixture.
// The current code must rebuild the index to its version, find no problem in a full verification
// (chain, every record, chunk and file entry, the seal), list every file with the exact bytes and
// metadata the old floe recorded, show both executions as recovery points with their catalogs, and
// import everything into a folder through ImportService with the bytes and metadata equal.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { cp, lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Level } from 'level';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { SecretKey } from '../../appliance/crypto/secret-key.js';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import { INDEX_VERSION } from '../../appliance/journal/index-store.js';
import { Journal } from '../../appliance/journal/journal.js';
import { JournalKeys } from '../../appliance/journal/journal-keys.js';
import { verifyJournal } from '../../appliance/journal/verify.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { stopSyscallHelper } from '../../appliance/os/syscall-helper.js';
import { ImportService } from '../../appliance/transfer/import-service.js';
import { tempDir } from './journal-fixtures.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../fixtures/journal-previous-format/', import.meta.url));
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface SourceSeen {
  readonly type: string;
  readonly size: number;
  readonly sha256: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly mtimeNs: string;
  readonly target?: string;
  readonly xattrs?: Record<string, string>;
}
interface Execution {
  readonly id: string;
  readonly status: string;
  readonly filesTransferred: number;
  readonly filesDeleted: number;
  /** What an independent walk (node:fs, getfattr) saw of the source after the execution. */
  readonly source: Record<string, SourceSeen>;
  /** Every field of the catalog as the old floe read it back after the execution. */
  readonly catalog: Record<string, Record<string, unknown>>;
}
interface Expected {
  readonly jobId: string;
  readonly deviceId: string;
  readonly taskId: string;
  readonly taskName: string;
  readonly sealFingerprint: string;
  readonly executions: readonly [Execution, Execution];
  readonly dataFiles: readonly string[];
}

const expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
const keys = JSON.parse(await readFile(join(FIXTURE, 'test-only-keys.json'), 'utf8')) as { unlockCode: string; dekHex: string };
const [first, second] = expected.executions;

/**
 * Written here, not read from expected.json, so a regenerated fixture with other content fails:
 * path -> [size, SHA-256] after the second execution, for the files that matter most.
 */
const KNOWN: Record<string, [number, string]> = {
  'data/large.bin': [307_323, '841a8edde8c8d5679d598e4a55e7e3082a4061bfed1982b1217c0420902ef230'],
  'data/medium.bin': [65_536, '91b89c64622612ba4a9bed1bcdc76a1b5be08ae7cefc57631e506842145a0185'],
  'data/medium-hardlink.bin': [65_536, '91b89c64622612ba4a9bed1bcdc76a1b5be08ae7cefc57631e506842145a0185'],
  'tagged.txt': [38, '6d46efb1a660c340fcd1431c47d2a04609d2f4b5b20cb1cb489a1de2179ae81d'],
  'empty.txt': [0, EMPTY_SHA256],
  'README.txt': [60, 'fccbfdc17b72023ee87505a796a85154944ab7c7955bc059f1dd71c5a8cc0b26'],
  'docs/report-00.txt': [43, '12f3a36bdcfc8acd40667cf79deec6c4b7867c217fef17f90b9fbaeafea9f7db'],
  'docs/added-later.txt': [34, '4dd508c35dfce3099270c1569107edc48006b460aa77eb0fed5e0f0f8d2e01ad'],
};
const REPORT_00_V1: [number, string] = [90, '69f3b9f68faefdd67f634d57e94b1a4310925002fb40ff40cf90c16bfe630076'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => stopSyscallHelper());

/** The fixture's data folder copied into a temp folder, with the folders git does not keep (empty ones) made again. */
async function copyFixture(): Promise<{ root: string; dataDir: string }> {
  const t = await tempDir('floe-previous-format-');
  cleanups.push(t.cleanup);
  const dataDir = join(t.dir, 'data');
  await cp(join(FIXTURE, 'data'), dataDir, { recursive: true });
  for (const f of expected.dataFiles) if (f.endsWith('/')) await mkdir(join(dataDir, f), { recursive: true });
  expect(await listTree(dataDir)).toEqual(expected.dataFiles);
  return { root: t.dir, dataDir };
}

async function listTree(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    out.push(e.isDirectory() ? `${path}/` : path);
    if (e.isDirectory()) out.push(...(await listTree(root, path)));
  }
  return out.sort();
}

function ring(): KeyRing {
  return new KeyRing(SecretKey.fromBytes(Buffer.from(keys.dekHex, 'hex')));
}

async function journalId(journalDir: string): Promise<Buffer> {
  return Buffer.from((JSON.parse(await readFile(join(journalDir, 'JOURNAL'), 'utf8')) as { journalId: string }).journalId, 'hex');
}

/** The index as LevelDB holds it: its meta (decrypted) and how many keys of each kind. */
async function rawIndex(journalDir: string): Promise<{ meta: Record<string, unknown>; kinds: Record<string, number> }> {
  const jk = new JournalKeys(ring(), await journalId(journalDir));
  const db = new Level<Uint8Array, Uint8Array>(join(journalDir, 'index'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    const kinds: Record<string, number> = {};
    let meta: Record<string, unknown> = {};
    for await (const [key, value] of db.iterator()) {
      const k = Buffer.from(key);
      const kind = String.fromCharCode(k[0]!);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      if (kind === 'm') meta = JSON.parse(jk.openValue(k, Buffer.from(value)).toString('utf8')) as Record<string, unknown>;
    }
    return { meta, kinds };
  } finally {
    await db.close();
  }
}

/** Every field of an entry, in the form expected.json keeps them. */
function entryJson(e: FileEntry): Record<string, unknown> {
  return {
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    nlink: e.nlink,
    size: e.size,
    atimeNs: e.atimeNs.toString(),
    mtimeNs: e.mtimeNs.toString(),
    ctimeNs: e.ctimeNs.toString(),
    fsId: e.fsId.toString(),
    fileId: e.fileId.toString(),
    rdevMajor: e.rdevMajor,
    rdevMinor: e.rdevMinor,
    target: e.target?.toString('hex') ?? '',
    sha256: e.sha256.toString('hex'),
    chunks: e.chunks.map((c) => ({ id: c.sha256.toString('hex'), size: c.size })),
    xattrs: (e.xattrs ?? []).map((x) => ({ name: x.name.toString('hex'), value: x.value.toString('hex') })),
  };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** path -> entry fields, each regular file read back through the journal's checks and hashed. */
async function readAll(journal: Journal, entries: AsyncIterable<{ entry: FileEntry }>): Promise<{ entries: Record<string, Record<string, unknown>>; content: Record<string, string> }> {
  const list: FileEntry[] = [];
  for await (const { entry } of entries) list.push(entry);
  list.sort((a, b) => Buffer.compare(a.path, b.path));
  const out: Record<string, Record<string, unknown>> = {};
  const content: Record<string, string> = {};
  for (const e of list) {
    out[e.path.toString()] = entryJson(e);
    if (e.type === 'file') {
      const h = createHash('sha256');
      for await (const piece of journal.readFile(e)) h.update(piece);
      content[e.path.toString()] = h.digest('hex');
    }
  }
  return { entries: out, content };
}

/** Source content hashes of the regular files of an execution's walk. */
function sourceContent(e: Execution): Record<string, string> {
  return Object.fromEntries(Object.entries(e.source).filter(([, s]) => s.type === 'file').map(([p, s]) => [p, s.sha256]));
}

/** The user. xattrs of a path as getfattr sees them (name -> hex value). */
async function xattrsOf(abs: string): Promise<Record<string, string>> {
  const { stdout } = await run('getfattr', ['--absolute-names', '-d', '-m', '^user\\.', '-e', 'hex', '--', abs]);
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(user\.[^=]+)=0x([0-9a-f]*)$/u.exec(line);
    if (m !== null) out[m[1]!] = m[2]!;
  }
  return out;
}

describe('a journal written by the previous format version (issue 24)', () => {
  it('the fixture is what its README says: 40 paths of three kinds, a hard link, a tombstone, a changed file, xattrs, a large file, two segments', () => {
    const types = (e: Execution): Record<string, number> => {
      const n: Record<string, number> = {};
      for (const s of Object.values(e.source)) n[s.type] = (n[s.type] ?? 0) + 1;
      return n;
    };
    expect(types(first)).toEqual({ directory: 3, file: 35, symlink: 2 });
    expect(types(second)).toEqual({ directory: 3, file: 35, symlink: 2 });
    expect([first.status, first.filesTransferred, first.filesDeleted]).toEqual(['SUCCESS', 37, 0]);
    expect([second.status, second.filesTransferred, second.filesDeleted]).toEqual(['SUCCESS', 2, 1]);
    expect(Object.keys(first.source).filter((p) => !(p in second.source))).toEqual(['to-delete.txt']);
    expect(Object.keys(second.source).filter((p) => !(p in first.source))).toEqual(['docs/added-later.txt']);
    for (const [path, [size, hash]] of Object.entries(KNOWN)) expect([second.source[path]?.size, second.source[path]?.sha256], path).toEqual([size, hash]);
    expect([first.source['docs/report-00.txt']?.size, first.source['docs/report-00.txt']?.sha256]).toEqual(REPORT_00_V1);
    expect(second.source['tagged.txt']?.xattrs).toEqual({ 'user.floe.binary': '00ff100a', 'user.floe.origin': Buffer.from('fixture').toString('hex') });
    expect(second.source['link-to-readme']).toMatchObject({ type: 'symlink', target: 'README.txt' });
  });

  it('opens with the current code: the index of version 1 is rebuilt to the current version, the full verification finds no problem, and the catalog, points and history are the old floe\'s', async () => {
    const { dataDir } = await copyFixture();
    const journalDir = join(dataDir, 'journal');

    // What the old floe left: an index whose meta names no version, with no history and no points.
    const before = await rawIndex(journalDir);
    expect(before.meta.version).toBeUndefined();
    expect(before.meta.watermark).toMatch(/^\d+$/u);
    expect(before.kinds.h ?? 0).toBe(0);
    expect(before.kinds.p ?? 0).toBe(0);
    expect(before.kinds.f).toBe(Object.keys(second.catalog).length);

    let journal = await Journal.open(journalDir, ring());
    expect(journal.recovery).toMatchObject({ rebuilt: true, tornBytes: 0, problems: [] });
    const records = journal.nextSeq - 1n;
    expect(BigInt(journal.recovery.replayedRecords)).toBe(records);
    expect(String(records)).toBe(before.meta.watermark);

    // The full verification: segment headers, every frame, record, chunk and file entry, the chain, the seal.
    const identity = JSON.parse(await readFile(join(dataDir, 'device', 'identity.json'), 'utf8')) as { devicePublicKey: string };
    const report = await verifyJournal(journal, { devicePublicKey: Buffer.from(identity.devicePublicKey, 'hex') });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, affectedPaths: [], files: Object.keys(second.catalog).length, records: Number(records), recordsAfterLastSeal: 0 });
    expect(report.seals).toEqual([{ seq: String(records), fingerprint: expected.sealFingerprint, ok: true }]);
    expect(journal.segmentExtents.map((x) => x.number)).toEqual([1, 2]); // the old floe restarted between the executions

    // The catalog: every field as the old floe recorded it, every byte as the source had it.
    const now = await readAll(journal, journal.catalog());
    expect(now.entries).toEqual(second.catalog);
    expect(now.content).toEqual(sourceContent(second));
    for (const [path, [size, hash]] of Object.entries(KNOWN)) expect([now.entries[path]?.size, now.content[path]], path).toEqual([size, hash]);
    for (const [path, seen] of Object.entries(second.source)) {
      expect(now.entries[path], path).toMatchObject({ type: seen.type, size: seen.size, mode: seen.mode, uid: seen.uid, gid: seen.gid, mtimeNs: seen.mtimeNs, ...(seen.type === 'directory' ? {} : { nlink: seen.nlink }), sha256: seen.sha256, target: Buffer.from(seen.target ?? '').toString('hex') });
      const xattrs = Object.entries(seen.xattrs ?? {}).map(([name, value]) => ({ name: Buffer.from(name).toString('hex'), value }));
      expect(now.entries[path]!.xattrs, path).toEqual(xattrs);
    }

    // Both executions are recovery points, each with its catalog as it was.
    const points = [];
    for await (const p of journal.points()) points.push(p);
    const bytesOf = (e: Execution): number => Object.values(e.source).filter((s) => s.type === 'file').reduce((n, s) => n + s.size, 0);
    expect(points.map((p) => [p.id, p.taskId, p.taskName, p.status, p.files, p.bytes])).toEqual([
      [first.id, expected.taskId, expected.taskName, 'SUCCESS', 40, bytesOf(first)],
      [second.id, expected.taskId, expected.taskName, 'SUCCESS', 40, bytesOf(second)],
    ]);
    expect(points[0]!.seq < points[1]!.seq && points[1]!.seq < records).toBe(true);
    const atFirst = await readAll(journal, journal.catalogAt(points[0]!.seq));
    expect(atFirst.entries).toEqual(first.catalog);
    expect(atFirst.content).toEqual(sourceContent(first));
    expect(atFirst.content['to-delete.txt']).toBe(first.source['to-delete.txt']!.sha256);
    expect(atFirst.content['docs/report-00.txt']).toBe(REPORT_00_V1[1]);
    expect((await readAll(journal, journal.catalogAt(points[1]!.seq))).entries).toEqual(second.catalog);

    // The history: the deleted file ends in a tombstone between the points, the changed one has both versions.
    const history = async (path: string): Promise<Array<[bigint, string]>> => {
      const out: Array<[bigint, string]> = [];
      for await (const v of journal.history(Buffer.from(path))) out.push([v.location.seq, v.entry === null ? 'tombstone' : v.entry.sha256.toString('hex')]);
      return out;
    };
    const deleted = await history('to-delete.txt');
    expect(deleted.map((v) => v[1])).toEqual([first.source['to-delete.txt']!.sha256, 'tombstone']);
    expect(deleted[1]![0] > points[0]!.seq && deleted[1]![0] < points[1]!.seq).toBe(true);
    expect((await history('docs/report-00.txt')).map((v) => v[1])).toEqual([REPORT_00_V1[1], KNOWN['docs/report-00.txt']![1]]);
    expect((await history('data/large.bin')).map((v) => v[1])).toEqual([KNOWN['data/large.bin']![1]]);
    await journal.close();

    // The rebuilt index is of the current version: the next open replays nothing.
    const after = await rawIndex(journalDir);
    expect(after.meta.version).toBe(INDEX_VERSION);
    expect(after.meta.watermark).toBe(String(records));
    expect(after.kinds.p).toBe(2);
    // Every path of the first execution, then the tombstone, report-00's and docs' second versions, added-later.
    expect(after.kinds.h).toBe(Object.keys(first.catalog).length + 4);
    journal = await Journal.open(journalDir, ring());
    expect(journal.recovery).toMatchObject({ rebuilt: false, replayedRecords: 0, problems: [] });
    await journal.close();
  });

  it('the old device unlocks at the facility (seal check) and ImportService delivers every file into a folder, bytes and metadata equal', async () => {
    const { root, dataDir } = await copyFixture();
    const destination = join(root, 'efs');
    await mkdir(destination);
    const device = await Device.load(dataDir);
    cleanups.push(() => device.close());
    expect(device.state).toBe('LOCKED');
    expect(device.identity).toMatchObject({ jobId: expected.jobId, deviceId: expected.deviceId });
    expect(device.label().sealFingerprint).toBe(expected.sealFingerprint);

    await device.unlock(await readFile(join(FIXTURE, 'manifest.bin')), keys.unlockCode);
    expect(device.state).toBe('AT_FACILITY');
    expect(device.journal().recovery.rebuilt).toBe(true);
    const report = await device.verifyJournal();
    expect(report.problems).toEqual([]);
    expect(report.seals.map((s) => [s.fingerprint, s.ok])).toEqual([[expected.sealFingerprint, true]]);

    const service = new ImportService(device, { progressIntervalMs: 100 });
    const status = await service.run({ destinations: [`efs://${destination}`], options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
    expect(status.error).toBeUndefined();
    const fileBytes = Object.values(second.source).filter((s) => s.type === 'file').reduce((n, s) => n + s.size, 0);
    // The fixture's files belong to uid 1000. Only root can give them that owner; anyone else gets
    // every path delivered with its bytes, and the verification names the owner of each, nothing else.
    const asRoot = process.getuid?.() === 0;
    const verified = asRoot ? 40 : 0;
    expect(status.destinations[0]!.counters).toMatchObject({ FilesTransferred: 40, FilesVerified: verified, BytesWritten: fileBytes, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 40 - verified } });
    const failures = (await service.report())['failure-log.csv'].trimEnd().split('\r\n').slice(1);
    if (asRoot) {
      expect(failures).toEqual([]);
      expect([status.state, device.state]).toEqual(['COMPLETED', 'IMPORTED']);
    } else {
      expect(failures).toHaveLength(40);
      for (const line of failures) expect(line).toMatch(new RegExp(`,verify,VERIFY_METADATA_FAILURE,"[^"]+: file-owner is ${process.getuid?.()}, expected ${second.source['README.txt']!.uid}"$`, 'u'));
      expect([status.state, device.state]).toEqual(['COMPLETED_WITH_ERRORS', 'IMPORTED_WITH_ERRORS']);
    }

    // An independent look at the folder: exactly the second execution's tree, each path as the source had it.
    expect((await listTree(destination)).map((p) => p.replace(/\/$/u, ''))).toEqual(Object.keys(second.source).sort());
    // Every path lstat'ed before any is read: reading moves an atime (relatime), and a hard link's two names share one.
    const stats = new Map<string, BigIntStats>();
    for (const path of Object.keys(second.source)) stats.set(path, await lstat(join(destination, path), { bigint: true }));
    for (const [path, seen] of Object.entries(second.source)) {
      const abs = join(destination, path);
      const st = stats.get(path)!;
      const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
      expect(type, path).toBe(seen.type);
      expect(st.mtimeNs.toString(), path).toBe(seen.mtimeNs);
      // The atime the old floe recorded, kept through the verification's read-back (folders are listed, so not theirs).
      if (type !== 'directory') expect(st.atimeNs.toString(), path).toBe(second.catalog[path]!.atimeNs);
      if (type !== 'symlink') expect(Number(st.mode & 0o7777n), path).toBe(seen.mode);
      if (type !== 'directory') expect(Number(st.nlink), path).toBe(seen.nlink);
      if (asRoot) expect([Number(st.uid), Number(st.gid)], path).toEqual([seen.uid, seen.gid]);
      if (type === 'file') {
        const bytes = await readFile(abs);
        expect([bytes.length, sha256(bytes)], path).toEqual([seen.size, seen.sha256]);
      }
      if (type === 'symlink') expect(await readlink(abs), path).toBe(seen.target);
      if (type !== 'symlink') expect(await xattrsOf(abs), path).toEqual(seen.xattrs ?? {});
    }
    // The hard link is one file with two names at the destination too.
    expect(stats.get('data/medium.bin')!.ino).toBe(stats.get('data/medium-hardlink.bin')!.ino);
    for (const [path, [size, hash]] of Object.entries(KNOWN)) {
      const bytes = await readFile(join(destination, path));
      expect([bytes.length, sha256(bytes)], path).toEqual([size, hash]);
    }
  });
});

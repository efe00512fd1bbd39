// Issue 5, "Full trip", with the ingest issue's dataset: ingested from nfs-ganesha as uid 1000 by
// the ingest engine, the device locked, unlocked at the facility (seal check), imported into Ceph
// RGW and into a file-system destination. An independent checker (GetObject through the SDK, plain
// fs calls) compares every object with the exported folder: bytes, SHA-256, mode, owner, group,
// mtime, symlink targets, hard links. What could not be delivered is in the failure log with its
// reason: the non-UTF-8 name S3 cannot take. (The 0600 file of uid 2000 was never ingested: the
// ingest tests cover its report.)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { lstat, mkdir, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { ImportService } from '../../appliance/transfer/import-service.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { startRgw, type RgwServer } from '../harness/rgw.js';
import { buildDataset, NON_UTF8, READER } from '../ingest/big-dataset.js';
import { ingestOnce, snapshotTree, type ExpectedEntry } from '../ingest/ingest-fixtures.js';
import { listS3Keys, MIB, provisionDevice, readS3Object, s3Credentials, shipToFacility, type ProvisionedDevice } from './transfer-fixtures.js';

const skip = ganeshaUnavailableReason();
const BUCKET = 'floe-trip-nfs';
const TYPE_BITS = { file: 0o100000, directory: 0o040000, symlink: 0o120000 } as const;

/** Runs `check` over `items`, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, check: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await check(items[next++]!);
  }));
}

describe.skipIf(skip !== undefined)(`full trip of the ingest dataset over nfs-ganesha${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tmp: string;
  let exportDir: string;
  let nfs: Ganesha;
  let rgw: RgwServer;
  let p: ProvisionedDevice;
  let device: Device | undefined;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(join(os.tmpdir(), 'floe-trip-nfs-'));
    exportDir = join(tmp, 'export');
    buildDataset(exportDir);
    nfs = await startGanesha({ exportDir });
    // The dataset is over 1 GiB: the default 1 GiB memstore would fill, and RGW then holds writes.
    rgw = await startRgw({ memstoreBytes: 3 * 1024 ** 3 });
    await rgw.createBucket(BUCKET);
  }, 600_000);
  afterAll(async () => {
    await device?.close();
    await p?.cleanup();
    await rgw?.stop();
    await nfs?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('delivers every ingested entry byte-identical with its metadata; the failure log names the one S3 cannot take', { timeout: 900_000 }, async () => {
    p = await provisionDevice([{ uri: `s3://${BUCKET}/trip`, endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }]);
    const fsRoot = join(p.root, 'efs');
    await mkdir(fsRoot);
    const expected = await snapshotTree(exportDir);
    expected.delete('names/secret'); // 0600, uid 2000: refused to uid 1000 at ingest

    const onSite = await Device.load(p.dataDir);
    await onSite.unlock(p.manifest, p.code);
    const source = await openSource(nfs.uri('', READER));
    try {
      const run = await ingestOnce(source, onSite.journal());
      expect(run.counters.FilesSkipped).toBe(1);
    } finally {
      await source.close();
    }
    device = await shipToFacility(onSite, p);
    const service = new ImportService(device, { s3: { credentials: s3Credentials(rgw), partSize: 16 * MIB, queueSize: 4 } });
    const status = await service.run({ destinations: [`s3://${BUCKET}/trip`, `efs://${fsRoot}`], options: { VerifyMode: 'NONE' } });
    expect(status.state).toBe('COMPLETED_WITH_ERRORS');

    // Every entry the catalog holds: the walk's folders, files and links (not the export root).
    const total = expected.size;
    const fileBytes = [...expected.values()].filter((e) => e.type === 'file').reduce((n, e) => n + e.size, 0);
    const nonUtf8Path = `names/${NON_UTF8.toString('latin1')}`;
    const [s3, efs] = status.destinations;
    expect(s3!.counters).toMatchObject({ FilesListed: { AtSource: total }, FilesTransferred: total - 1, FilesFailed: { Prepare: 1, Transfer: 0, Verify: 0 } });
    expect(s3!.counters.BytesWritten).toBe(fileBytes - expected.get(nonUtf8Path)!.size);
    expect(efs!.counters).toMatchObject({ FilesTransferred: total, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    expect(efs!.counters.BytesWritten).toBe(fileBytes);

    const report = await service.report();
    const failures = report['failure-log.csv'].trimEnd().split('\r\n').slice(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^s3:\/\/floe-trip-nfs\/trip \(.*\),names\/non-\\xff\\xfe\.bin,.*,prepare,DESTINATION_NAME_INVALID,"S3 keys must be UTF-8/);

    // S3, through the SDK: the keys, then each object's bytes and metadata.
    const utf8 = [...expected].filter(([latin1]) => Buffer.from(Buffer.from(latin1, 'latin1').toString('utf8'), 'utf8').equals(Buffer.from(latin1, 'latin1')));
    expect(utf8).toHaveLength(total - 1);
    const keyOf = (latin1: string, e: ExpectedEntry) => `trip/${Buffer.from(latin1, 'latin1').toString('utf8')}${e.type === 'directory' ? '/' : ''}`;
    const keys = (await listS3Keys(rgw, BUCKET, 'trip/')).filter((k) => !k.startsWith('trip/.floe-report/'));
    expect(keys).toEqual(utf8.map(([path, e]) => keyOf(path, e)).sort());
    await inParallel(utf8, 16, async ([path, e]) => {
      const seen = await readS3Object(rgw, BUCKET, keyOf(path, e));
      const body = e.type === 'file' ? e.sha256! : createHash('sha256').update(e.type === 'symlink' ? Buffer.from(e.target!, 'latin1') : Buffer.alloc(0)).digest('hex');
      expect(seen, path).toMatchObject({ sha256: body, size: e.type === 'directory' ? 0 : e.size });
      expect(seen!.metadata, path).toMatchObject({
        'file-permissions': `0${(TYPE_BITS[e.type as keyof typeof TYPE_BITS] | e.mode).toString(8)}`,
        'file-owner': String(e.uid),
        'file-group': String(e.gid),
        'file-mtime': `${e.mtimeNs}ns`,
      });
    });

    // The file system, with plain fs calls: every name, including the one S3 could not take.
    await inParallel([...expected], 16, async ([path, e]) => {
      const abs = Buffer.concat([Buffer.from(`${fsRoot}/`), Buffer.from(path, 'latin1')]);
      const st = await lstat(abs, { bigint: true });
      expect([Number(st.uid), Number(st.gid)], path).toEqual([e.uid, e.gid]);
      if (e.type === 'symlink') {
        expect((await readlink(abs, { encoding: 'buffer' })).toString('latin1'), path).toBe(e.target);
        return;
      }
      expect(Number(st.mode) & 0o7777, path).toBe(e.mode);
      if (e.type === 'file') {
        expect(createHash('sha256').update(await readFile(abs)).digest('hex'), path).toBe(e.sha256);
        expect(st.mtimeNs / 1000n, path).toBe(e.mtimeNs / 1000n);
      }
    });
    // Hard links stay one file with three names.
    const inodes = await Promise.all(['links/hard-a', 'links/hard-b', 'nested/hard-c'].map(async (n) => (await lstat(join(fsRoot, n))).ino));
    expect(new Set(inodes).size).toBe(1);
  });
});

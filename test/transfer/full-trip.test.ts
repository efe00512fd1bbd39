// Issue 5, "Full trip": a source folder ingested into the journal, the device locked, unlocked at the
// facility (seal check), imported into Ceph RGW and into a file-system destination; an independent
// checker (GetObject through the SDK, plain fs reads) confirms every object's bytes, SHA-256 and
// metadata; the failure log names what could not be delivered and why.
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { ImportService } from '../../appliance/transfer/import-service.js';
import { startRgw, type RgwServer } from '../harness/rgw.js';
import { listS3Keys, makeSourceFolder, MIB, octalMode, provisionDevice, readS3Object, s3Credentials, shipToFacility, walkSource, ingestFolder, type ProvisionedDevice, type SourceFile } from './transfer-fixtures.js';

const BUCKET = 'floe-trip';

describe('full trip: ingest, lock, facility unlock, import into RGW and a file system', () => {
  let rgw: RgwServer;
  let p: ProvisionedDevice;
  let device: Device;
  let files: SourceFile[];
  let fsRoot: string;

  beforeAll(async () => {
    rgw = await startRgw();
    await rgw.createBucket(BUCKET);
  });
  afterAll(async () => {
    await device?.close();
    await p?.cleanup();
    await rgw?.stop();
  });

  it('delivers every file byte-identical with its metadata, and logs the one S3 cannot take', async () => {
    p = await provisionDevice([{ uri: `s3://${BUCKET}/trip`, endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }]);
    fsRoot = join(p.root, 'efs');
    await mkdir(fsRoot);
    const source = join(p.root, 'source');
    await mkdir(source);
    await makeSourceFolder(source, { small: 60, large: [12 * MIB + 123, 6 * MIB], nonUtf8: true });
    files = await walkSource(source);

    const onSite = await Device.load(p.dataDir);
    await onSite.unlock(p.manifest, p.code);
    await ingestFolder(onSite, source, files);
    device = await shipToFacility(onSite, p);
    expect(device.state).toBe('AT_FACILITY');

    const events: string[] = [];
    const service = new ImportService(device, {
      s3: { credentials: s3Credentials(rgw), partSize: 5 * MIB, queueSize: 3 },
      engine: { largeFileBytes: 5 * MIB },
      publish: (type) => events.push(type),
      progressIntervalMs: 100,
    });
    const status = await service.run({
      // The job's S3 destination (endpoint from the manifest) plus an EFS mount given on the command line.
      destinations: [`s3://${BUCKET}/trip`, `efs://${fsRoot}`],
      options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' },
      uploadReport: true,
    });
    expect(status.state).toBe('COMPLETED_WITH_ERRORS');
    expect(device.state).toBe('IMPORTED_WITH_ERRORS');
    expect(events).toContain('import.status');
    expect(events).toContain('import.progress');

    const total = files.length;
    const fileBytes = files.filter((f) => f.type === 'file').reduce((a, f) => a + f.size, 0);
    const [s3, efs] = status.destinations;
    // S3: everything but the non-UTF-8 name, which fails at PREPARING with its reason.
    expect(s3!.counters).toMatchObject({ FilesListed: { AtSource: total }, FilesTransferred: total - 1, FilesVerified: total - 1, FilesFailed: { Prepare: 1, Transfer: 0, Verify: 0 } });
    expect(s3!.counters.BytesWritten).toBe(fileBytes - 'latin-1 name\n'.length);
    expect(efs!.counters).toMatchObject({ FilesTransferred: total, FilesVerified: total, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    expect(efs!.counters.BytesWritten).toBe(fileBytes);

    // Independent check of S3 through the SDK.
    const allKeys = await listS3Keys(rgw, BUCKET, 'trip/');
    // The report went next to the data, in its own folder.
    const reportKeys = allKeys.filter((k) => k.startsWith('trip/.floe-report/'));
    expect(reportKeys.map((k) => k.split('/').at(-1)).sort()).toEqual(['failure-log.csv', 'success-log.csv', 'summary.json', 'summary.txt']);
    expect(reportKeys[0]).toContain(`/${status.executionId}/`);
    const keys = allKeys.filter((k) => !k.startsWith('trip/.floe-report/'));
    const utf8 = files.filter((f) => Buffer.from(f.path.toString('utf8'), 'utf8').equals(f.path));
    expect(keys).toEqual(utf8.map((f) => `trip/${f.path.toString('utf8')}${f.type === 'directory' ? '/' : ''}`).sort());
    for (const f of utf8) {
      const seen = await readS3Object(rgw, BUCKET, `trip/${f.path.toString('utf8')}${f.type === 'directory' ? '/' : ''}`);
      const body = f.type === 'symlink' ? createHash('sha256').update(f.target!).digest('hex') : f.sha256;
      expect(seen, f.path.toString()).toMatchObject({ sha256: body, size: f.size });
      expect(seen!.metadata).toMatchObject({ 'file-permissions': octalMode(f), 'file-owner': String(f.uid), 'file-group': String(f.gid), 'file-mtime': `${f.mtimeNs}ns` });
    }

    // Independent check of the file system with plain fs calls.
    for (const f of files) {
      const abs = Buffer.concat([Buffer.from(fsRoot + '/'), f.path]);
      const st = await lstat(abs, { bigint: true });
      expect(Number(st.mode) & 0o7777, f.path.toString()).toBe(f.type === 'symlink' ? 0o777 : f.mode);
      if (f.type === 'file') {
        expect(createHash('sha256').update(await readFile(abs)).digest('hex')).toBe(f.sha256);
        expect(st.mtimeNs / 1000n).toBe(f.mtimeNs / 1000n);
      }
      if (f.type === 'symlink') expect(await readlink(abs, { encoding: 'buffer' })).toEqual(f.target);
    }
    expect((await readdir(join(fsRoot, '.floe-report', status.executionId))).sort()).toEqual(['failure-log.csv', 'success-log.csv', 'summary.json', 'summary.txt']);
    const names = await readdir(join(fsRoot, 'share'));
    expect(names.some((n) => n.startsWith('.floe-part-'))).toBe(false);

    // The report, written out on request only.
    const out = join(p.root, 'report');
    const written = await service.writeReport(out);
    expect(written.map((w) => w.slice(out.length + 1)).sort()).toEqual(['failure-log.csv', 'success-log.csv', 'summary.json', 'summary.txt']);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'Completed with errors', filesInJournal: total, filesFailed: 1, verifyMode: 'POINT_IN_TIME_CONSISTENT' });
    expect(summary.destinations.map((d: { filesDelivered: number }) => d.filesDelivered)).toEqual([total - 1, total]);
    const failures = (await readFile(join(out, 'failure-log.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(failures).toEqual([
      'destination,path,key,size,sha256,phase,error_code,message',
      `s3://${BUCKET}/trip (${rgw.endpoint}),share/caf\\xe9.txt,share/caf\\xe9.txt,13,${createHash('sha256').update('latin-1 name\n').digest('hex')},prepare,DESTINATION_NAME_INVALID,"S3 keys must be UTF-8; the path is not: ""share/caf\\xe9.txt"""`,
    ]);
    const successes = (await readFile(join(out, 'success-log.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(successes).toHaveLength(1 + (total - 1) + total);
    expect(await readFile(join(out, 'summary.txt'), 'utf8')).toContain('Completed with errors');

    // The device disk alone reveals no name and no report: nothing under the data folder holds them.
    const needle = Buffer.from('small-17.dat');
    const stack = [p.dataDir];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) stack.push(path);
        else {
          const bytes = await readFile(path);
          expect(bytes.includes(needle), path).toBe(false);
          expect(bytes.includes(Buffer.from('Completed with errors')), path).toBe(false);
        }
      }
    }
  });
});

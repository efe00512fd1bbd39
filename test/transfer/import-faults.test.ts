// Issue 5, Must-show: a byte flipped in one journal chunk before import (that file is not
// delivered, it is reported as a checksum failure, the rest import), and objects changed in the
// destination after upload and before verification (verification reports each one). Ceph RGW.
import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { open as openFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentFileName } from '../../appliance/journal/format.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { ImportService } from '../../appliance/transfer/import-service.js';
import { startRgw, type RgwServer } from '../harness/rgw.js';
import { adminClient, openMultipartUploads } from '../harness/s3-admin.js';
import { rejection } from './transfer-fixtures.js';
import {
  ingestFolder,
  listS3Keys,
  makeSourceFolder,
  MIB,
  provisionDevice,
  readS3Object,
  s3Credentials,
  shipToFacility,
  walkSource,
  type ProvisionedDevice,
  type SourceFile,
} from './transfer-fixtures.js';

const BUCKET = 'floe-faults';

describe('import faults on Ceph RGW', () => {
  let rgw: RgwServer;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    rgw = await startRgw();
    await rgw.createBucket(BUCKET);
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await rgw?.stop();
  });

  async function facilityDevice(prefix: string, spec: { small: number; large: number[] }): Promise<{ device: Device; files: SourceFile[]; p: ProvisionedDevice }> {
    const p = await provisionDevice([{ uri: `s3://${BUCKET}/${prefix}`, endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }]);
    cleanups.push(p.cleanup);
    const source = join(p.root, 'source');
    await mkdir(source);
    await makeSourceFolder(source, spec);
    const files = await walkSource(source);
    const onSite = await Device.load(p.dataDir);
    await onSite.unlock(p.manifest, p.code);
    const err = await rejection(new ImportService(onSite).start());
    expect(err).toMatchObject({ code: 'INVALID_STATE' });
    expect(err.message).toContain('on site use floe sync');
    await ingestFolder(onSite, source, files);
    const device = await shipToFacility(onSite, p);
    cleanups.push(() => device.close());
    return { device, files, p };
  }

  const service = (device: Device) =>
    new ImportService(device, { s3: { credentials: s3Credentials(rgw), partSize: 5 * MIB, queueSize: 2 }, engine: { largeFileBytes: 5 * MIB } });

  it('does not deliver a file whose journal chunk was changed on disk, reports a checksum failure, imports the rest', async () => {
    const { device, files } = await facilityDevice('flip', { small: 12, large: [11 * MIB] });
    // After the facility's seal check (which would refuse the whole journal), damage the third
    // chunk of the large file in its segment: a single flipped ciphertext byte.
    const journal = device.journal();
    const large = (await journal.getFile(Buffer.from('share/large-0.bin')))!;
    const location = (await journal.applier.chunk(large.chunks[7]!.sha256))!;
    const segment = await openFile(join(device.dataDir, 'journal', 'segments', segmentFileName(location.segment)), 'r+');
    const at = location.offset + 16 + 100;
    const byte = Buffer.alloc(1);
    await segment.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x01;
    await segment.write(byte, 0, 1, at);
    await segment.close();

    const status = await service(device).run({ options: { VerifyMode: 'ONLY_FILES_TRANSFERRED' } });
    expect(status.state).toBe('COMPLETED_WITH_ERRORS');
    expect(device.state).toBe('IMPORTED_WITH_ERRORS');
    const counters = status.destinations[0]!.counters;
    expect(counters).toMatchObject({ FilesTransferred: files.length - 1, FilesVerified: files.length - 1, FilesFailed: { Transfer: 1, Verify: 0 } });
    expect(status.report!.filesFailed).toBe(1);

    const keys = await listS3Keys(rgw, BUCKET, 'flip/');
    expect(keys).not.toContain('flip/share/large-0.bin');
    expect(keys).toHaveLength(files.length - 1);
    expect(await openMultipartUploads(rgw, BUCKET, 'flip/')).toEqual([]); // the parts sent before the bad chunk were aborted
    for (const f of files.filter((x) => x.type === 'file' && !x.path.toString().endsWith('large-0.bin'))) {
      expect((await readS3Object(rgw, BUCKET, `flip/${f.path}`))?.sha256).toBe(f.sha256);
    }
    const report = await service(device).report();
    const failureLines = report['failure-log.csv'].trimEnd().split('\r\n').slice(1);
    expect(failureLines).toHaveLength(1);
    expect(failureLines[0]).toMatch(/^s3:\/\/floe-faults\/flip \(http:\/\/127\.0\.0\.1:\d+\),share\/large-0\.bin,share\/large-0\.bin,11534336,[0-9a-f]{64},transfer,VERIFY_CHECKSUM_FAILURE,/u);
    expect(failureLines[0]).toContain("the journal's copy failed its check (JOURNAL_CORRUPT)");
  });

  it('reports objects changed, re-tagged, removed and added in the destination after upload, then repairs what it can', async () => {
    const { device, files } = await facilityDevice('tamper', { small: 20, large: [6 * MIB] });
    const first = await service(device).run({ options: { VerifyMode: 'NONE' } });
    expect(first.state).toBe('COMPLETED');
    expect(first.destinations[0]!.counters).toMatchObject({ FilesTransferred: files.length, FilesVerified: 0 });
    expect(device.state).toBe('IMPORTED');

    // Someone changes the bucket before verification runs.
    const admin = adminClient(rgw);
    const changed = files.find((f) => f.path.toString() === 'share/small-2.dat')!;
    const original = await readS3Object(rgw, BUCKET, 'tamper/share/small-2.dat');
    const flipped = Buffer.alloc(changed.size, 0x61);
    await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tamper/share/small-2.dat', Body: flipped, Metadata: original!.metadata }));
    await admin.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'tamper/share/large-0.bin',
        CopySource: `${BUCKET}/tamper/share/large-0.bin`,
        MetadataDirective: 'REPLACE',
        Metadata: { ...(await readS3Object(rgw, BUCKET, 'tamper/share/large-0.bin'))!.metadata, 'file-mtime': '1ns' },
      }),
    );
    await admin.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'tamper/share/docs/small-3.dat' }));
    await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tamper/share/intruder.txt', Body: 'not from the journal' }));
    admin.destroy();

    const check = await service(device).run({ options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
    expect(check.state).toBe('COMPLETED_WITH_ERRORS');
    expect(device.state).toBe('IMPORTED_WITH_ERRORS');
    expect(check.destinations[0]!.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: files.length, FilesVerified: files.length - 3, FilesFailed: { Transfer: 0, Verify: 4 } });
    const lines = (await service(device).report())['failure-log.csv'].trimEnd().split('\r\n').slice(1);
    const codes = lines.map((l) => {
      const cells = l.split(',');
      return `${cells[2]} ${cells[6]}`;
    });
    expect(codes.sort()).toEqual([
      'share/docs/small-3.dat VERIFY_FILES_REMOVED',
      'share/intruder.txt VERIFY_FILES_ADDED',
      'share/large-0.bin VERIFY_METADATA_FAILURE',
      'share/small-2.dat VERIFY_CHECKSUM_FAILURE',
    ]);
    expect(lines.find((l) => l.includes('VERIFY_METADATA_FAILURE'))).toContain('file-mtime is 1ns');

    // The next import delivers the three damaged files again (verification forgot them).
    const repair = await service(device).run({ options: { VerifyMode: 'ONLY_FILES_TRANSFERRED' } });
    expect(repair.state).toBe('COMPLETED');
    expect(repair.destinations[0]!.counters).toMatchObject({ FilesTransferred: 3, FilesVerified: 3, FilesSkipped: files.length - 3 });
    expect((await readS3Object(rgw, BUCKET, 'tamper/share/small-2.dat'))!.sha256).toBe(changed.sha256);
    expect(device.state).toBe('IMPORTED');
  });
});

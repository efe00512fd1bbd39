// An EXPORT job filled from S3 (issue 23, "Must show": an EXPORT trip from a bucket): objects with
// floe's POSIX metadata in a Ceph RGW bucket are ingested at the facility by a task with an s3://
// source, the device is locked, reloaded (shipped), unlocked on site with the seal checked, and
// restored into the customer's folder: the tree equals the one that went into the bucket (modes,
// owners, nanosecond mtimes, symlinks, empty folders, bytes), the device is RESTORED and the job
// completion report is the restore's. Restoring into an nfs-ganesha export instead is the NFS
// target's (test/transfer), the same RestoreService.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { exportJobReport } from '../../appliance/transfer/export-report.js';
import { RestoreService } from '../../appliance/transfer/restore-service.js';
import type { RgwServer } from '../harness/rgw.js';
import { importTree, s3SourceOptions, sharedRgw, stopSharedRgw } from '../sources/s3-fixture.js';
import { walkTree } from '../transfer/restore-tree.js';
import { CUSTOMER, provisionExportDevice } from './export-jobs.js';

function makeTree(root: string): void {
  const p = (...parts: string[]): string => join(root, ...parts);
  mkdirSync(p('survey', 'raw'), { recursive: true });
  mkdirSync(p('survey', 'empty'));
  for (let i = 0; i < 12; i++) writeFileSync(p('survey', 'raw', `r${i}.csv`), `row ${i}\n`.repeat(100 * (i + 1)));
  writeFileSync(p('survey', 'big.bin'), Buffer.alloc(9 << 20, 0x2a)); // two ranged GETs
  writeFileSync(p('survey', 'tool'), '#!/bin/sh\n');
  chmodSync(p('survey', 'tool'), 0o4755);
  writeFileSync(p('survey', 'theirs.txt'), 'owned by 1234:5678\n');
  chownSync(p('survey', 'theirs.txt'), 1234, 5678);
  chmodSync(p('survey', 'theirs.txt'), 0o640);
  chownSync(p('survey', 'raw'), 2000, 3000);
  symlinkSync('raw/r0.csv', p('survey', 'first.csv'));
  execFileSync('touch', ['-h', '-d', '2021-03-04 05:06:07.123456789 UTC', p('survey', 'raw', 'r0.csv')]);
  execFileSync('touch', ['-h', '-d', '2019-01-01 00:00:00.000000001 UTC', p('survey', 'first.csv')]);
  for (const dir of ['survey/raw', 'survey/empty', 'survey']) execFileSync('touch', ['-d', '2020-02-02 02:02:02.020202020 UTC', p(dir)]);
}

describe('an EXPORT job filled from an S3 bucket (RGW)', () => {
  let server: RgwServer;
  beforeAll(async () => {
    server = await sharedRgw();
    await server.createBucket('export-src');
  }, 120_000);
  afterAll(async () => stopSharedRgw());

  it('bucket -> facility ingest -> lock -> reload -> on-site unlock, seal checked -> restore into the customer folder: the same tree, RESTORED, the report', async () => {
    const dev = await provisionExportDevice('floe-export-s3-');
    try {
      const original = join(dev.root, 'original');
      makeTree(original);
      const put = await importTree(server, original, 'export-src', 'dataset');
      expect(put.imported.status).toBe('SUCCESS');
      const sourceOptions = { s3: { credentials: s3SourceOptions(server).credentials } };
      const manifest = await readFile(dev.manifestPath);

      // At the facility.
      let device = await Device.load(dev.dataDir);
      await device.unlock(manifest, dev.code);
      expect(device.status()).toMatchObject({ state: 'AT_FACILITY', snowballJobState: 'InProgress', jobType: 'EXPORT' });
      const tasks = new TaskService({ device, sourceOptions, scheduleCheckMs: 0 });
      device.setExecutionControl(tasks);
      const task = await tasks.createTask({ Name: 'from-s3', SourceLocationUri: `s3://export-src/dataset?endpoint=${server.endpoint}&forcePathStyle=true`, DestinationPath: 'dataset' });
      const ingested = await tasks.waitExecution((await tasks.startExecution(task.TaskId)).TaskExecutionId);
      const files = put.entries.filter((e) => e.type !== 'directory').length;
      expect(ingested).toMatchObject({ Status: 'SUCCESS', FilesTransferred: files, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
      const label = await device.lock({});
      expect(label).toMatchObject({ jobType: 'EXPORT', shipTo: CUSTOMER });
      await tasks.close();
      await device.close();

      // Shipped; on site.
      device = await Device.load(dev.dataDir);
      expect(device.status()).toMatchObject({ state: 'LOCKED', snowballJobState: 'InTransitToCustomer' });
      await device.unlock(manifest, dev.code);
      expect(device.status()).toMatchObject({ state: 'ON_SITE', snowballJobState: 'WithCustomer', sealFingerprint: label.sealFingerprint });
      const customer = join(dev.root, 'customer');
      await mkdir(customer);
      const restores = new RestoreService(device);
      await restores.start({ target: `file://${customer}`, options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
      const done = await restores.wait();
      expect(done.state).toBe('COMPLETED');
      expect(device.status()).toMatchObject({ state: 'RESTORED', snowballJobState: 'Complete' });

      const want = await walkTree(original);
      const got = await walkTree(join(customer, 'dataset'));
      expect([...got.entries.keys()].sort()).toEqual([...want.entries.keys()].sort());
      for (const [key, entry] of want.entries) expect({ path: Buffer.from(key, 'hex').toString(), ...got.entries.get(key) }).toEqual({ path: Buffer.from(key, 'hex').toString(), ...entry });

      const report = await exportJobReport(device.journal(), device.identity);
      const entries = want.entries.size + 1; // and the dataset folder
      expect(JSON.parse(report['summary.json'])).toMatchObject({ kind: 'export-report', status: 'Completed', filesSelected: entries, filesRestored: entries, filesVerified: entries, filesFailed: 0 });
      expect(report['success-log.csv'].trimEnd().split('\r\n')).toHaveLength(1 + entries);
      restores.close();
      expect((await device.erase({})).forced).toBe(false);
    } finally {
      await dev.cleanup();
    }
  }, 300_000);
});

// Issue 5, Must-show: online sync of half the data while ON_SITE, then lock, unlock at the
// facility, import: only the second half is transferred (requests counted at the server side of
// the SDK). Also: the schedule (UTC, ManualClock), stop, lock refusing a running sync.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { ManualClock } from '../../appliance/tasks/clock.js';
import { ImportService } from '../../appliance/transfer/import-service.js';
import { SyncService } from '../../appliance/transfer/sync-service.js';
import { startRgw, type RgwServer } from '../harness/rgw.js';
import { ingestFolder, listS3Keys, makeSourceFolder, MIB, provisionDevice, readS3Object, rejection, s3Credentials, shipToFacility, walkSource } from './transfer-fixtures.js';

const BUCKET = 'floe-sync';

describe('online sync on site, then import at the facility', () => {
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

  it('transfers the first half online and only the second half at the facility', async () => {
    const p = await provisionDevice([{ uri: `s3://${BUCKET}/half`, endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }]);
    cleanups.push(p.cleanup);
    const firstRoot = join(p.root, 'first');
    const secondRoot = join(p.root, 'second');
    await mkdir(firstRoot);
    await mkdir(secondRoot);
    await makeSourceFolder(firstRoot, { small: 25, large: [7 * MIB], prefix: 'monday' });
    await makeSourceFolder(secondRoot, { small: 30, large: [9 * MIB], prefix: 'tuesday' });
    const first = await walkSource(firstRoot);
    const second = await walkSource(secondRoot);
    const tuning = { s3: { credentials: s3Credentials(rgw), partSize: 5 * MIB, queueSize: 2 }, engine: { largeFileBytes: 5 * MIB } };

    const device = await Device.load(p.dataDir);
    await device.unlock(p.manifest, p.code);
    await ingestFolder(device, firstRoot, first);
    const sync = new SyncService(device, tuning);
    expect((await sync.start({ options: { VerifyMode: 'ONLY_FILES_TRANSFERRED' } })).state).toBe('RUNNING');
    const synced = (await sync.wait())!;
    expect(synced.state).toBe('COMPLETED');
    expect(synced.destinations[0]!.counters).toMatchObject({ FilesTransferred: first.length, FilesVerified: first.length, FilesSkipped: 0 });
    expect(device.state).toBe('ON_SITE');
    expect(await listS3Keys(rgw, BUCKET, 'half/')).toHaveLength(first.length);

    // More data arrives on site; then the device is locked and shipped.
    await ingestFolder(device, secondRoot, second);
    await sync.close();
    const arrived = await shipToFacility(device, p);
    cleanups.push(() => arrived.close());
    expect(arrived.state).toBe('AT_FACILITY');
    const refused = await rejection(new SyncService(arrived).start());
    expect(refused.code).toBe('INVALID_STATE');
    expect(refused.message).toContain('use floe import');

    const status = await new ImportService(arrived, tuning).run({ options: { VerifyMode: 'ONLY_FILES_TRANSFERRED' } });
    expect(status.state).toBe('COMPLETED');
    const counters = status.destinations[0]!.counters;
    expect(counters).toMatchObject({ FilesListed: { AtSource: first.length + second.length }, FilesSkipped: first.length, FilesTransferred: second.length, FilesVerified: second.length });
    expect(counters.BytesWritten).toBe(second.filter((f) => f.type === 'file').reduce((a, f) => a + f.size, 0));
    expect(status.report!.destinations[0]!.filesDelivered).toBe(first.length + second.length);
    expect(await listS3Keys(rgw, BUCKET, 'half/')).toHaveLength(first.length + second.length);
    for (const f of [...first, ...second].filter((x) => x.type === 'file')) {
      expect((await readS3Object(rgw, BUCKET, `half/${f.path}`))!.sha256, f.path.toString()).toBe(f.sha256);
    }
    // The success log says which half travelled how.
    const success = (await new ImportService(arrived).report())['success-log.csv'].trimEnd().split('\r\n').slice(1);
    const transfers = success.map((l) => `${l.split(',')[2]!.split('/')[0]} ${l.split(',')[6]}`);
    expect(new Set(transfers)).toEqual(new Set(['monday sync', 'tuesday import']));
  });

  it('arms a UTC schedule, runs at the due time, stops; lock refuses a running sync', async () => {
    const p = await provisionDevice([{ uri: `s3://${BUCKET}/sched`, endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }]);
    cleanups.push(p.cleanup);
    const root = join(p.root, 'src');
    await mkdir(root);
    await makeSourceFolder(root, { small: 5, large: [] });
    const files = await walkSource(root);
    const device = await Device.load(p.dataDir);
    cleanups.push(() => device.close());
    await device.unlock(p.manifest, p.code);
    await ingestFolder(device, root, files);

    const clock = new ManualClock(Date.parse('2026-11-30T10:17:00Z'));
    const sync = new SyncService(device, { s3: { credentials: s3Credentials(rgw) }, clock });
    expect(await rejection(sync.start({ schedule: 'rate(5 minutes)' }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const armed = await sync.start({ schedule: 'cron(0 * * * ? *)', options: { BytesPerSecond: 4096 } });
    expect(armed).toMatchObject({ state: 'SCHEDULED', schedule: 'cron(0 * * * ? *)', nextRunAt: '2026-11-30T11:00:00.000Z' });
    clock.advance(43 * 60 * 1000);
    await new Promise((r) => setTimeout(r, 200));
    expect(sync.status().state).toBe('RUNNING'); // about 100 KiB at 4 KiB/s: still going
    expect(await rejection(device.lock({}))).toMatchObject({ code: 'CONFLICT' });
    // Lifting the limit while it runs lets it finish.
    expect(sync.setBytesPerSecond(-1).state).toBe('RUNNING');
    expect((await sync.wait())?.state).toBe('COMPLETED');
    expect(sync.status()).toMatchObject({ state: 'SCHEDULED', last: { state: 'COMPLETED' } });
    expect(await listS3Keys(rgw, BUCKET, 'sched/')).toHaveLength(files.length);

    // Stop disarms the schedule; nothing runs, so there is no bandwidth to change.
    const stopped = await sync.stop();
    expect(stopped.state).toBe('IDLE');
    expect(await rejection(Promise.resolve().then(() => sync.setBytesPerSecond(1024)))).toMatchObject({ code: 'INVALID_STATE' });
    await sync.close();
  });
});

// An EXPORT job end to end through the daemon process and the CLI (issue 23, item 5): provisioned
// with `floe provision --job-type EXPORT`, unlocked at the facility, filled by a task from a folder
// (a mounted EFS is read as file://), locked for the customer, the daemon restarted (shipped),
// unlocked on site with the seal checked, restored into the customer's folder, RESTORED, the job
// completion report written, erased. The restored tree equals the facility's by an independent
// walk; the states come in order, in the journal too; each refusal has its code, exit and message.
import { execFile } from 'node:child_process';
import { chmod, chown, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { floe, floeJson, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { appendRecordWithKey } from '../daemon/offline-device.js';
import { walkTree } from '../transfer/restore-tree.js';
import { CUSTOMER, FACILITY, exportSpecWithoutType, provisionExportDevice } from './export-jobs.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(dev: { dataDir: string }): Promise<DaemonProcess> {
  const d = await startDaemonProcess(dev.dataDir);
  cleanups.push(() => d.kill('SIGKILL'));
  return d;
}

interface Status {
  state: string;
  snowballJobState: string;
  jobType: string;
  unlocked: boolean;
  sealFingerprint?: string;
}

/** The facility's data: folders, modes, owners, nanosecond times, a symlink, a hard link, an empty folder, a file of several chunks. */
async function facilityTree(root: string): Promise<number> {
  await mkdir(join(root, 'survey', 'raw'), { recursive: true });
  await mkdir(join(root, 'survey', 'empty'));
  await mkdir(join(root, 'reference'));
  await writeFile(join(root, 'survey', 'raw', 'a.csv'), 'x,y\n1,2\n');
  await writeFile(join(root, 'survey', 'raw', 'big.bin'), Buffer.alloc(5 << 20, 0x3c));
  await writeFile(join(root, 'survey', 'README'), 'survey 2026\n');
  await link(join(root, 'survey', 'README'), join(root, 'reference', 'README.link'));
  await symlink('../survey/raw/a.csv', join(root, 'reference', 'latest.csv'));
  await writeFile(join(root, 'reference', 'private.key'), 'not really\n', { mode: 0o600 });
  await chown(join(root, 'reference', 'private.key'), 4000, 4001);
  await writeFile(join(root, 'reference', 'tool'), '#!/bin/sh\n');
  await chmod(join(root, 'reference', 'tool'), 0o4755);
  await chown(join(root, 'survey', 'raw'), 1000, 1000);
  await run('touch', ['-h', '-m', '-d', '@1700000000.123456789', join(root, 'survey', 'raw', 'a.csv')]);
  await run('touch', ['-h', '-m', '-d', '@1600000000.000000007', join(root, 'reference', 'latest.csv')]);
  for (const dir of ['survey/raw', 'survey/empty', 'survey', 'reference']) await run('touch', ['-m', '-d', '@1500000000.000000001', join(root, dir)]);
  return (await walkTree(root)).entries.size;
}

/** `floe ARGS --json` that must fail: its exit code and `floe: message [CODE]` from the JSON error. */
async function refusal(args: readonly string[]): Promise<[number | null, string]> {
  const r = await floe([...args, '--json']);
  expect(r.stdout).toBe('');
  const error = JSON.parse(r.stderr) as { code: string; message: string };
  return [r.status, `${error.message} [${error.code}]`];
}

describe('an EXPORT trip through the daemon', () => {
  it('provision --job-type EXPORT -> facility unlock -> ingest -> lock -> restart -> on-site unlock, seal checked -> restore -> RESTORED -> report -> erase', { timeout: 600_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'floe-export-trip-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const facility = join(root, 'efs');
    const customer = join(root, 'customer-share');
    await mkdir(facility);
    await mkdir(customer);
    const entries = await facilityTree(facility);
    const original = await walkTree(facility);

    // Provisioning at the station: a spec with no jobType, made EXPORT by the flag.
    const specPath = join(root, 'job.json');
    await writeFile(specPath, JSON.stringify(exportSpecWithoutType('EXPORT trip', facility)));
    const p = await floeJson<{ jobId: string; unlockCode: string; manifestPath: string }>(['provision', '--job', specPath, '--job-type', 'EXPORT', '--data', join(root, 'data'), '--out', join(root, 'out')]);
    const dev: ProvisionedDevice = { root, dataDir: join(root, 'data'), outDir: join(root, 'out'), manifestPath: p.manifestPath, code: p.unlockCode, jobId: p.jobId, cleanup: async () => undefined };
    const data = ['--data', dev.dataDir];
    const states: string[] = [];
    const status = async (): Promise<Status> => {
      const s = await floeJson<Status>(['status', ...data]);
      states.push(`${s.state}/${s.snowballJobState}`);
      return s;
    };
    const unlock = () => floeJson<Status>(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code]);

    let daemon = await serve(dev);
    expect(await status()).toMatchObject({ state: 'PROVISIONED', jobType: 'EXPORT', unlocked: false });

    // At the facility: the first unlock, then ingest from the mounted EFS.
    expect(await unlock()).toMatchObject({ state: 'AT_FACILITY', snowballJobState: 'InProgress', jobType: 'EXPORT', unlocked: true });
    await status();
    expect(await refusal(['import', ...data])).toEqual([
      14,
      'an EXPORT device imports nothing into AWS: its journal goes to the customer, restored on site (ON_SITE) with floe restore; the device is AT_FACILITY [INVALID_STATE]',
    ]);
    expect(await refusal(['restore', ...data, '--to', `file://${customer}`])).toEqual([
      14,
      'restore runs only on site (ON_SITE) on an EXPORT device, after the seal check; the device is AT_FACILITY [INVALID_STATE]',
    ]);
    const task = await floeJson<{ TaskId: string }>(['task', 'create', ...data, '--name', 'dataset', '--source', `file://${facility}`, '--destination-path', 'dataset']);
    const started = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, task.TaskId]);
    const ingested = await floeJson<{ Status: string; FilesTransferred: number }>(['execution', 'wait', ...data, started.TaskExecutionId]);
    // Ingest counts files, not folders; the restore below counts every entry and the dataset folder itself.
    expect(ingested).toMatchObject({ Status: 'SUCCESS', FilesTransferred: [...original.entries.values()].filter((e) => e.type !== 'directory').length });

    // Locked for the customer: the label goes to the customer's address, the device returns to the facility.
    const label = await floeJson<{ jobType: string; shipTo: object; shipFrom: object; returnAddress: object; sealFingerprint: string }>(['lock', ...data]);
    expect(label).toMatchObject({ jobId: dev.jobId, jobType: 'EXPORT', shipTo: CUSTOMER, shipFrom: FACILITY, returnAddress: FACILITY });
    expect(label.sealFingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(await status()).toMatchObject({ state: 'LOCKED', snowballJobState: 'InTransitToCustomer', unlocked: false, sealFingerprint: label.sealFingerprint });
    const text = (await floe(['label', ...data])).stdout;
    expect(text).toContain('Ship to:   Field Station 4, Example Corp, 1 Harbour Road, Tromso, 9008, NO\n');
    expect(text).toContain('Return to: Receiving, 1 Test Way, Seattle, WA, 98101, US\n');

    // Shipped: the daemon stops and starts again at the customer's site.
    expect(await daemon.kill('SIGTERM')).toBe(0);
    daemon = await serve(dev);
    expect(await status()).toMatchObject({ state: 'LOCKED', unlocked: false });
    expect(await unlock()).toMatchObject({ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true, sealFingerprint: label.sealFingerprint });
    await status();
    expect(await floeJson(['journal', 'verify', ...data])).toMatchObject({ ok: true, files: entries + 1 });

    // On site an EXPORT device restores: ingest and import are refused.
    expect(await refusal(['task', 'start', ...data, task.TaskId])).toEqual([
      14,
      "ingest runs only at the facility (AT_FACILITY) on an EXPORT device; the device is ON_SITE: on site it restores into the customer's share (floe restore) [INVALID_STATE]",
    ]);
    expect(await refusal(['import', ...data])).toEqual([
      14,
      'an EXPORT device imports nothing into AWS: its journal goes to the customer, restored on site (ON_SITE) with floe restore; the device is ON_SITE [INVALID_STATE]',
    ]);
    expect(await refusal(['erase', ...data, '--yes'])).toEqual([14, 'erase applies after restore (the device is ON_SITE); use --force to erase anyway [INVALID_STATE]']);

    const restored = await floeJson<{ state: string; destinations: Array<{ counters: Record<string, unknown> }> }>([
      'restore', ...data, '--to', `file://${customer}`, '--option', 'VerifyMode=POINT_IN_TIME_CONSISTENT',
    ]);
    expect(restored.state).toBe('COMPLETED');
    expect(restored.destinations[0]!.counters).toMatchObject({ FilesTransferred: entries + 1, FilesVerified: entries + 1, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    expect(await status()).toMatchObject({ state: 'RESTORED', snowballJobState: 'Complete' });

    // The customer's share holds the facility's tree: bytes, types, modes, owners, mtimes, links.
    const got = await walkTree(join(customer, 'dataset'));
    expect([...got.entries.keys()].sort()).toEqual([...original.entries.keys()].sort());
    for (const [key, want] of original.entries) expect({ path: Buffer.from(key, 'hex').toString(), ...got.entries.get(key) }).toEqual({ path: Buffer.from(key, 'hex').toString(), ...want });
    expect(got.linkGroups).toEqual(original.linkGroups);
    expect(got.linkGroups).toHaveLength(1);

    // The job completion report follows the direction: the restore's result.
    const reportDir = join(root, 'report');
    const written = await floeJson<{ status: string; files: string[] }>(['report', ...data, '--out', reportDir]);
    expect(written.status).toBe('Completed');
    const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({
      kind: 'export-report',
      jobType: 'EXPORT',
      jobId: dev.jobId,
      status: 'Completed',
      point: started.TaskExecutionId,
      target: `file://${customer}`,
      verifyMode: 'POINT_IN_TIME_CONSISTENT',
      filesSelected: entries + 1,
      filesRestored: entries + 1,
      filesAlreadyInPlace: 0,
      filesVerified: entries + 1,
      filesFailed: 0,
    });
    const successLog = (await readFile(join(reportDir, 'success-log.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(successLog[0]).toBe('path,key,size,sha256,execution_id,restored_at');
    expect(successLog).toHaveLength(1 + entries + 1);
    expect(successLog.filter((l) => l.startsWith('dataset/survey/raw/big.bin,'))).toHaveLength(1);
    expect(await readFile(join(reportDir, 'failure-log.csv'), 'utf8')).toBe('path,key,size,sha256,phase,error_code,message\r\n');
    const summaryText = await readFile(join(reportDir, 'summary.txt'), 'utf8');
    expect(summaryText.split('\n').slice(0, 2)).toEqual([
      `Job ${dev.jobId} (device ${(summary as { deviceId: string }).deviceId}): EXPORT, Completed`,
      `Restored into file://${customer}: ${entries + 1} entries written (${summaryText.split('\n')[1]!.match(/\(([^)]+)\)/)![1]}), 0 already in place, ${entries + 1} verified, 0 failed`,
    ]);

    // The states in order, as the journal recorded them (the daemon stopped to read it here).
    expect(await daemon.kill('SIGTERM')).toBe(0);
    const device = await Device.load(dev.dataDir);
    await device.unlock(await readFile(dev.manifestPath), dev.code);
    const events: string[] = [];
    for await (const e of device.journal().events()) if (e.event.kind === 'lifecycle') events.push(`${e.event.from}->${e.event.to}`);
    await device.close();
    expect(events).toEqual(['PROVISIONED->AT_FACILITY', 'AT_FACILITY->LOCKED', 'LOCKED->ON_SITE', 'ON_SITE->RESTORED']);

    daemon = await serve(dev);
    const erased = await floeJson<{ jobId: string; jobType: string; forced: boolean }>(['erase', ...data, '--yes']);
    expect(erased).toMatchObject({ jobId: dev.jobId, jobType: 'EXPORT', forced: false });
    states.push('ERASED/Complete');
    expect((await floe(['status', ...data, '--json'])).stdout).toContain('"state":"ERASED"');
    expect(states).toEqual([
      'PROVISIONED/PreparingAppliance',
      'AT_FACILITY/InProgress',
      'LOCKED/InTransitToCustomer',
      'LOCKED/InTransitToCustomer',
      'ON_SITE/WithCustomer',
      'RESTORED/Complete',
      'ERASED/Complete',
    ]);
  });
});

describe('the on-site unlock of an EXPORT device checks the seal', () => {
  /** An EXPORT device filled at the facility (one task over a small folder) and locked; its daemon stopped. */
  async function lockedAtFacility(): Promise<ProvisionedDevice> {
    const dev = await provisionExportDevice();
    cleanups.push(dev.cleanup);
    await mkdir(dev.facility);
    await writeFile(join(dev.facility, 'a.txt'), 'exported\n');
    const d = await serve(dev);
    const data = ['--data', dev.dataDir];
    expect((await floe(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code])).status).toBe(0);
    const started = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, (await floeJson<{ TaskId: string }>(['task', 'create', ...data, '--name', 'f', '--source', `file://${dev.facility}`])).TaskId]);
    expect(await floeJson(['execution', 'wait', ...data, started.TaskExecutionId])).toMatchObject({ Status: 'SUCCESS' });
    expect((await floe(['lock', ...data])).status).toBe(0);
    await d.kill('SIGTERM');
    return dev;
  }

  const cases: Array<[string, (dev: ProvisionedDevice) => Promise<void>, string]> = [
    ['a record appended after the seal', (dev) => appendRecordWithKey(dev), 'the journal does not match its seal: 1 records were appended after the seal [SEAL_MISMATCH]'],
    [
      'a label that names another seal',
      async (dev) => {
        const path = join(dev.dataDir, 'device', 'lifecycle.json');
        const life = JSON.parse(await readFile(path, 'utf8')) as { sealFingerprint: string };
        await writeFile(path, JSON.stringify({ ...life, sealFingerprint: '0'.repeat(32) }));
      },
      'the journal does not match its seal: the last seal is <seal>; the label says 00000000000000000000000000000000 [SEAL_MISMATCH]',
    ],
  ];

  for (const [what, tamper, message] of cases) {
    it(`refuses ${what}: SEAL_MISMATCH, exit 16, still LOCKED with no key, nothing restored`, { timeout: 300_000 }, async () => {
      const dev = await lockedAtFacility();
      const seal = (JSON.parse(await readFile(join(dev.dataDir, 'device', 'lifecycle.json'), 'utf8')) as { sealFingerprint: string }).sealFingerprint;
      await tamper(dev);
      await serve(dev);
      const data = ['--data', dev.dataDir];
      expect(await refusal(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code])).toEqual([16, message.replace('<seal>', seal)]);
      expect(await floeJson(['status', ...data])).toMatchObject({ state: 'LOCKED', snowballJobState: 'InTransitToCustomer', unlocked: false });
      expect(await refusal(['restore', ...data, '--to', `file://${dev.root}`])).toEqual([13, 'the device holds no key: unlock it with the manifest and the unlock code [DEVICE_LOCKED]']);
    });
  }
});

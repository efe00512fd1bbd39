// Issue 23, must-show "An EXPORT trip end to end": objects with POSIX metadata in a Ceph RGW bucket
// (put there by floe's own S3 import) -> an EXPORT device filled at the facility by a task with an
// s3:// source -> locked, the daemon restarted (shipped), unlocked on site with the seal checked ->
// restored into the customer's nfs-ganesha export through floe's NFS client: the export's folder
// equals the original tree by an independent walk (times as NFSv3 carries them), the job
// completion report written, the device RESTORED. Credentials reach the daemon as the SDK's chain
// reads them (the environment), never through the task or the job spec.
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { nfsTime } from '../../appliance/destinations/nfs/nfs-destination.js';
import { provision } from '../../provisioning/provision.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { importTree, sharedRgw, stopSharedRgw } from '../sources/s3-fixture.js';
import { FAST_SCRYPT, floe, floeJson, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { writeSeededFile } from '../ingest/ingest-fixtures.js';
import { walkTree } from '../transfer/restore-tree.js';
import { CUSTOMER, FACILITY } from './export-jobs.js';

const run = promisify(execFile);
const noGanesha = ganeshaUnavailableReason();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await stopSharedRgw();
});

/** The dataset in the facility's bucket: modes, owners, ns and pre-1970 times, a symlink, an empty folder, a FIFO, a file of several ranged GETs. */
async function dataset(root: string): Promise<void> {
  await mkdir(join(root, 'survey', 'raw'), { recursive: true });
  await mkdir(join(root, 'survey', 'empty'));
  await writeFile(join(root, 'survey', 'raw', 'a.csv'), 'x,y\n1,2\n');
  writeSeededFile(join(root, 'survey', 'raw', 'big.bin'), (19 << 20) + 777, 11);
  await writeFile(join(root, 'survey', 'README'), 'survey 2026\n');
  await writeFile(join(root, 'old.txt'), 'from before 1970\n');
  await writeFile(join(root, 'tool'), '#!/bin/sh\n');
  await chmod(join(root, 'tool'), 0o4755);
  await writeFile(join(root, 'private.key'), 'not really\n', { mode: 0o600 });
  await chown(join(root, 'private.key'), 4000, 4001);
  await chown(join(root, 'survey', 'raw'), 1000, 1000);
  await symlink('survey/raw/a.csv', join(root, 'latest.csv'));
  await run('mkfifo', ['-m', '0640', join(root, 'pipe')]);
  await run('touch', ['-m', '-d', '@1700000000.123456789', join(root, 'survey', 'raw', 'a.csv')]);
  await run('touch', ['-m', '-d', '@-315619199.987654321', join(root, 'old.txt')]);
  for (const dir of ['survey/raw', 'survey/empty', 'survey']) await run('touch', ['-m', '-d', '@1500000000.000000001', join(root, dir)]);
}

describe.skipIf(noGanesha !== undefined)('an EXPORT trip from an RGW bucket to a ganesha export', () => {
  it('s3:// ingest AT_FACILITY -> lock -> daemon restart -> on-site unlock, seal checked -> restore into nfs:// -> RESTORED, report written; the export equals the bucket\'s tree', { timeout: 600_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'floe-export-s3-nfs-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const server = await sharedRgw();
    await server.createBucket('export-data');
    const tree = join(root, 'tree');
    await dataset(tree);
    const original = await walkTree(tree);
    expect((await importTree(server, tree, 'export-data', 'share')).imported.status).toBe('SUCCESS');

    const exportDir = join(root, 'customer-export');
    await mkdir(exportDir);
    const ganesha: Ganesha = await startGanesha({ exportDir, attrExpirationSeconds: 0 });
    cleanups.push(() => ganesha.stop());

    const source = `s3://export-data/share?endpoint=${server.endpoint}&forcePathStyle=true`;
    const p = await provision({
      jobSpec: { jobType: 'EXPORT', description: 'bucket to the customer', deviceType: 'SNC1_SSD', sources: [{ uri: 's3://export-data/share', endpoint: server.endpoint }], shippingAddress: CUSTOMER, returnAddress: FACILITY },
      dataDir: join(root, 'data'),
      outDir: join(root, 'out'),
      scrypt: FAST_SCRYPT,
    });
    const data = ['--data', join(root, 'data')];
    const env = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_REGION: server.region };
    const serve = async (): Promise<DaemonProcess> => {
      const d = await startDaemonProcess(join(root, 'data'), env);
      cleanups.push(() => d.kill('SIGKILL'));
      return d;
    };
    const unlock = () => floeJson<{ state: string; snowballJobState: string; sealFingerprint?: string }>(['unlock', ...data, '--manifest', p.manifestPath, '--code', p.unlockCode]);

    let daemon = await serve();
    expect(await unlock()).toMatchObject({ state: 'AT_FACILITY', snowballJobState: 'InProgress' });
    const task = await floeJson<{ TaskId: string }>(['task', 'create', ...data, '--name', 'from-bucket', '--source', source, '--destination-path', 'dataset', '--option', 'PreserveDevices=PRESERVE']);
    const started = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, task.TaskId]);
    const ingested = await floeJson<{ Status: string; FilesTransferred: number }>(['execution', 'wait', ...data, started.TaskExecutionId]);
    expect(ingested).toMatchObject({ Status: 'SUCCESS', FilesTransferred: [...original.entries.values()].filter((e) => e.type !== 'directory').length });

    const label = await floeJson<{ jobType: string; shipTo: object; sealFingerprint: string }>(['lock', ...data]);
    expect(label).toMatchObject({ jobType: 'EXPORT', shipTo: CUSTOMER });
    expect(await daemon.kill('SIGTERM')).toBe(0);
    daemon = await serve();
    expect(await unlock()).toMatchObject({ state: 'ON_SITE', snowballJobState: 'WithCustomer', sealFingerprint: label.sealFingerprint });

    const target = ganesha.uri();
    const restored = await floeJson<{ state: string; destinations: Array<{ counters: Record<string, unknown> }> }>(['restore', ...data, '--to', target, '--option', 'VerifyMode=POINT_IN_TIME_CONSISTENT']);
    const entries = original.entries.size + 1; // and the dataset folder itself
    expect(restored.state).toBe('COMPLETED');
    expect(restored.destinations[0]!.counters).toMatchObject({ FilesTransferred: entries, FilesVerified: entries, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    expect(await floeJson(['status', ...data])).toMatchObject({ state: 'RESTORED', snowballJobState: 'Complete' });

    // The customer's export holds the bucket's tree: bytes, types, modes, owners, mtimes (NFSv3: from 1970).
    const got = await walkTree(join(exportDir, 'dataset'));
    expect([...got.entries.keys()].sort()).toEqual([...original.entries.keys()].sort());
    for (const [key, want] of original.entries) {
      const held = { ...want, mtimeNs: want.type === 'symlink' ? got.entries.get(key)?.mtimeNs : nfsTime(want.mtimeNs) };
      expect({ path: Buffer.from(key, 'hex').toString(), ...got.entries.get(key) }).toEqual({ path: Buffer.from(key, 'hex').toString(), ...held });
    }
    expect(got.entries.get(Buffer.from('old.txt').toString('hex'))?.mtimeNs).toBe(0n);

    const reportDir = join(root, 'report');
    expect(await floeJson<{ status: string }>(['report', ...data, '--out', reportDir])).toMatchObject({ status: 'Completed' });
    const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ kind: 'export-report', jobType: 'EXPORT', jobId: p.jobId, status: 'Completed', target, filesSelected: entries, filesRestored: entries, filesVerified: entries, filesFailed: 0 });
    expect((await readFile(join(reportDir, 'success-log.csv'), 'utf8')).trimEnd().split('\r\n')).toHaveLength(1 + entries);
    // No credential anywhere the device keeps or shows.
    expect(JSON.stringify(summary)).not.toContain(server.secretAccessKey);
    expect((await floe(['task', 'describe', ...data, task.TaskId])).stdout).not.toContain(server.secretAccessKey);
    expect(await daemon.kill('SIGTERM')).toBe(0);
  });
});

// The import through `floe serve` and the CLI, as a facility operator runs it: facility unlock,
// `floe sync start` refused, `floe import --json`, `floe import status`, `floe report --out DIR`,
// and an import that completes with errors (exit 7).
// S3 credentials reach the daemon through the SDK's environment chain, never through the job.
import { readFile, readdir, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { startRgw, type RgwServer } from '../harness/rgw.js';
import { ingestFolder, listS3Keys, makeSourceFolder, MIB, readS3Object, walkSource } from './transfer-fixtures.js';
import { testJobSpec } from '../support/test-job.js';

const BUCKET = 'floe-cli';

describe('floe import, floe sync and floe report through the daemon', () => {
  let rgw: RgwServer;
  let p: ProvisionedDevice;
  let daemon: DaemonProcess | undefined;
  let withErrors: { p: ProvisionedDevice; daemon: DaemonProcess } | undefined;
  beforeAll(async () => {
    rgw = await startRgw();
    await rgw.createBucket(BUCKET);
  });
  afterAll(async () => {
    await daemon?.kill();
    await p?.cleanup();
    await withErrors?.daemon.kill();
    await withErrors?.p.cleanup();
    await rgw?.stop();
  });

  it('imports with progress, shows status, writes the report on request', async () => {
    p = await provisionDevice(
      testJobSpec('cli import test', [{ uri: `s3://${BUCKET}/cli`, endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }]),
      'floe-import-cli-',
    );
    const manifest = await readFile(p.manifestPath);
    const source = join(p.root, 'source');
    await mkdir(source);
    await makeSourceFolder(source, { small: 20, large: [9 * MIB] });
    const files = await walkSource(source);
    // On site, in process: ingest and lock (the ingest engine's own tests cover ingest through the daemon).
    const onSite = await Device.load(p.dataDir);
    await onSite.unlock(manifest, p.code);
    await ingestFolder(onSite, source, files);
    await onSite.lock({});

    daemon = await startDaemonProcess(p.dataDir, { AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey });
    const data = ['--data', p.dataDir];
    const noImport = await floe(['import', 'status', ...data]);
    expect(noImport.status).toBe(3);
    expect(noImport.stderr).toContain('no import was started since the daemon started [NOT_FOUND]');
    expect((await floeJson(['unlock', ...data, '--manifest', p.manifestPath, '--code', p.code])).state).toBe('AT_FACILITY');

    const sync = await floe(['sync', 'start', ...data]);
    expect(sync.status).toBe(14);
    expect(sync.stderr).toContain('online sync runs on site (ON_SITE); the device is AT_FACILITY: use floe import [INVALID_STATE]');

    // stdout and stderr are pipes (not a terminal): a progress line every --stats, with rate and ETA.
    // BytesPerSecond keeps the 9 MiB file on the wire for about two seconds, so lines come while it runs.
    const text = await floe(['import', ...data, '--option', 'VerifyMode=POINT_IN_TIME_CONSISTENT', '--option', 'BytesPerSecond=4M', '--stats', '200ms']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/State: +COMPLETED\n/u);
    expect(text.stdout).toContain(`s3://${BUCKET}/cli (${rgw.endpoint}): SUCCESS; ${files.length}/${files.length} files transferred, 0 skipped, ${files.length} verified, 0 failed`);
    const progress = text.stderr.split('\n').filter((l) => l !== '');
    expect(progress.every((l) => !l.includes('\r'))).toBe(true);
    const line = /^(RUNNING|s3:\/\/\S+ \(\S+\) [A-Z]+|COMPLETED) {2}\S+ \S+ \/ \S+ \S+, \d+%, (-|[0-9.]+ \S+)\/s, ETA (-|[0-9hms]+); files \d+\/\d+, failed \d+; elapsed [0-9hms]+$/u;
    for (const l of progress) expect(l).toMatch(line);
    const measured = progress.filter((l) => / TRANSFERRING .*, [0-9.]+ [KMG]iB\/s, ETA [0-9hms]+;/u.test(l));
    // The S3 destination counts a part's bytes when the part is sent (8 MiB here), so how many lines
    // fall inside the transfer with a rate depends on when the parts end: at least one does.
    expect(measured.length, text.stderr).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatch(/ SUCCESS {2}.*, 100%, .*ETA 0s; /u);

    const status = await floeJson<{ executionId: string; state: string; report: { status: string } }>(['import', 'status', ...data]);
    expect(status).toMatchObject({ state: 'COMPLETED', report: { status: 'Completed' } });
    expect((await floeJson(['status', ...data])).state).toBe('IMPORTED');

    // Again: everything is delivered, nothing is sent.
    const again = await floeJson<{ destinations: Array<{ counters: { FilesTransferred: number; FilesSkipped: number } }> }>(['import', ...data]);
    expect(again.destinations[0]!.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: files.length });

    const out = join(p.root, 'report');
    const report = await floe(['report', ...data, '--out', out]);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toContain(': Completed\n');
    expect((await readdir(out)).sort()).toEqual(['failure-log.csv', 'success-log.csv', 'summary.json', 'summary.txt']);
    expect((await readFile(join(out, 'failure-log.csv'), 'utf8')).trimEnd().split('\r\n')).toHaveLength(1);
    expect((await readFile(join(out, 'success-log.csv'), 'utf8')).trimEnd().split('\r\n')).toHaveLength(1 + files.length);
    const refused = await floe(['report', ...data, '--out', out]);
    expect(refused.status).toBe(4);
    expect(refused.stderr).toContain('already exists: choose an empty folder [CONFLICT]');

    expect(await listS3Keys(rgw, BUCKET, 'cli/')).toHaveLength(files.length);
    const large = files.find((f) => f.path.toString().endsWith('large-0.bin'))!;
    expect((await readS3Object(rgw, BUCKET, `cli/${large.path}`))!.sha256).toBe(large.sha256);
  });

  it('exits 7 (COMPLETED_WITH_ERRORS) when a file cannot be imported, the JSON error on stderr, the file in the failure log', async () => {
    const device = await provisionDevice(
      testJobSpec('cli import with errors', [{ uri: `s3://${BUCKET}/errors`, endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }]),
      'floe-import-errors-',
    );
    const source = join(device.root, 'source');
    await mkdir(source);
    // A Latin-1 name: the journal keeps its bytes; an S3 key must be UTF-8, so that one file fails.
    await makeSourceFolder(source, { small: 4, large: [], nonUtf8: true });
    const files = await walkSource(source);
    const onSite = await Device.load(device.dataDir);
    await onSite.unlock(await readFile(device.manifestPath), device.code);
    await ingestFolder(onSite, source, files);
    await onSite.lock({});
    withErrors = { p: device, daemon: await startDaemonProcess(device.dataDir, { AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey }) };
    const data = ['--data', device.dataDir];
    expect((await floeJson(['unlock', ...data, '--manifest', device.manifestPath, '--code', device.code])).state).toBe('AT_FACILITY');

    const text = await floe(['import', ...data, '--stats', '200ms']);
    expect(text.status, text.stderr).toBe(7);
    expect(text.stdout).toMatch(/State: +COMPLETED_WITH_ERRORS\n/u);
    expect(text.stderr).toMatch(/floe: import import-\S+: Completed with errors, 1 file failed \(DESTINATION_NAME_INVALID\); floe report --out DIR lists them \[COMPLETED_WITH_ERRORS\]\n$/u);

    // Again with --json: the result on stdout, the error as one JSON object on stderr, same exit code.
    const json = await floe(['import', ...data, '--json']);
    expect(json.status, json.stderr).toBe(7);
    expect((JSON.parse(json.stdout) as { state: string }).state).toBe('COMPLETED_WITH_ERRORS');
    const error = JSON.parse(json.stderr.trimEnd().split('\n').at(-1)!) as { code: string; message: string; details: { errorCodes: string[]; filesFailed: number } };
    expect(error).toMatchObject({ code: 'COMPLETED_WITH_ERRORS', details: { errorCodes: ['DESTINATION_NAME_INVALID'], filesFailed: 1 } });
    expect(error.message).toContain('Completed with errors, 1 file failed');
    expect((await floeJson(['status', ...data])).state).toBe('IMPORTED_WITH_ERRORS');

    const out = join(device.root, 'report');
    expect((await floe(['report', ...data, '--out', out])).status).toBe(0);
    const failures = (await readFile(join(out, 'failure-log.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(failures).toHaveLength(2);
    expect(failures[1]).toContain('DESTINATION_NAME_INVALID');
    expect(await listS3Keys(rgw, BUCKET, 'errors/')).toHaveLength(files.length - 1);
  });
});

// `floe execution report ID --out DIR` for an agentless copy (docs/copy.md): through the daemon, a
// task copying a folder into another folder; the report's four files written from the journal,
// one success line per delivered file; a second --out into the same folder is refused; an
// execution that is not a copy has no such report (NOT_FOUND).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';

let dev: ProvisionedDevice | undefined;
let daemon: DaemonProcess | undefined;
afterAll(async () => {
  await daemon?.kill('SIGKILL');
  await dev?.cleanup();
});

describe('floe execution report --out for a copy', () => {
  it('writes summary.json, success-log.csv, failure-log.csv and summary.txt of the copy; refuses a folder that has them; NOT_FOUND for an ingest', async () => {
    dev = await provisionDevice(undefined, 'floe-copy-report-');
    daemon = await startDaemonProcess(dev.dataDir);
    const data = ['--data', dev.dataDir];
    expect((await floe(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code])).status).toBe(0);
    const from = join(dev.root, 'from');
    const to = join(dev.root, 'to');
    await mkdir(join(from, 'sub'), { recursive: true });
    await mkdir(to);
    await writeFile(join(from, 'a.txt'), 'alpha\n');
    await writeFile(join(from, 'sub', 'b.txt'), 'beta\n');

    const task = await floeJson<{ TaskId: string }>(['task', 'create', ...data, '--name', 'copy', '--source', `file://${from}`, '--copy-to', `file://${to}`]);
    const started = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, task.TaskId]);
    expect(await floeJson(['execution', 'wait', ...data, started.TaskExecutionId])).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 3 });
    expect(await readFile(join(to, 'sub', 'b.txt'), 'utf8')).toBe('beta\n');

    const out = join(dev.root, 'report');
    const written = await floeJson<{ status: string; files: string[] }>(['execution', 'report', ...data, started.TaskExecutionId, '--out', out]);
    expect(written).toEqual({ status: 'Completed', files: ['summary.json', 'success-log.csv', 'failure-log.csv', 'summary.txt'].map((f) => join(out, f)) });
    const success = (await readFile(join(out, 'success-log.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(success.slice(1).map((l) => l.split(',')[2]).sort()).toEqual(['a.txt', 'sub/', 'sub/b.txt']);
    expect(await readFile(join(out, 'failure-log.csv'), 'utf8')).toBe('destination,path,key,size,sha256,phase,error_code,message\r\n');
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toMatchObject({ kind: 'copy-report', status: 'Completed', source: `file://${from}`, destination: `file://${to}`, filesFailed: 0 });

    const again = await floe(['execution', 'report', ...data, started.TaskExecutionId, '--out', out, '--json']);
    expect(again.status).not.toBe(0);
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'CONFLICT', message: `${join(out, 'summary.json')} already exists: choose an empty folder` });

    const ingest = await floeJson<{ TaskId: string }>(['task', 'create', ...data, '--name', 'ingest', '--source', `file://${from}`]);
    const ingested = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, ingest.TaskId]);
    await floeJson(['execution', 'wait', ...data, ingested.TaskExecutionId]);
    const none = await floe(['execution', 'report', ...data, ingested.TaskExecutionId, '--out', join(dev.root, 'none'), '--json']);
    expect(none.status).toBe(3);
    expect(JSON.parse(none.stderr)).toMatchObject({ code: 'NOT_FOUND' });
  }, 120_000);
});

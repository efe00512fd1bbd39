// `floe execution wait` and `floe import` with stdout and stderr pipes (not a terminal), the real CLI
// against a real daemon: progress lines with rate, percent and ETA every --stats, then the summary.
// A file:// source and an efs:// destination (a local folder) need no NFS or S3 server; BytesPerSecond
// keeps 32 MiB on the wire for a few seconds each way (after the limiter's first burst).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { testJobSpec } from '../support/test-job.js';

const MIB = 1048576;
const LINE = /^(\S+ \(\S+\) |efs:\S* )?[A-Z_]+ {2}\S+ \S+ \/ \S+ \S+, \d+%, (-|[0-9.]+ [KMGT]?i?B)\/s, ETA (-|[0-9hms]+); files \d+\/\d+, failed \d+; elapsed [0-9hms]+$/u;
const MEASURED = /TRANSFERRING {2}.*, [0-9.]+ [KMG]iB\/s, ETA [0-9hms]+;/u;

function progressOf(stderr: string): string[] {
  expect(stderr).not.toContain('\r');
  return stderr.split('\n').filter((l) => l !== '');
}

describe('progress lines without a terminal', () => {
  let p: ProvisionedDevice | undefined;
  let daemon: DaemonProcess | undefined;
  let destination: string | undefined;
  afterAll(async () => {
    await daemon?.kill('SIGKILL');
    await p?.cleanup();
    if (destination !== undefined) await rm(destination, { recursive: true, force: true });
  });

  it('execution wait and import print progress lines with rate and ETA when stdout is not a terminal', async () => {
    destination = await mkdtemp(join(tmpdir(), 'floe-progress-dest-'));
    p = await provisionDevice(testJobSpec('progress test', [{ uri: `efs://${destination}` }]), 'floe-progress-cli-');
    const source = join(p.root, 'source');
    await mkdir(source);
    const big = Buffer.alloc(32 * MIB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await writeFile(join(source, 'big.bin'), big);
    for (let i = 0; i < 5; i++) await writeFile(join(source, `small-${i}.txt`), `small ${i}\n`);

    daemon = await startDaemonProcess(p.dataDir);
    const data = ['--data', p.dataDir];
    expect((await floe(['unlock', ...data, '--manifest', p.manifestPath, '--code', p.code])).status).toBe(0);
    await floeJson(['task', 'create', ...data, '--name', 'all', '--source', `file://${source}`, '--option', 'VerifyMode=NONE']);
    const started = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, 'all', '--bytes-per-second', '4M']);

    const wait = await floe(['execution', 'wait', ...data, started.TaskExecutionId, '--stats', '200ms', '--interval', '100']);
    expect(wait.status, wait.stderr).toBe(0);
    expect(wait.stdout).toMatch(/^Execution: .*\nStatus: +SUCCESS\n/u);
    const waitLines = progressOf(wait.stderr);
    for (const l of waitLines) expect(l).toMatch(LINE);
    expect(waitLines.filter((l) => MEASURED.test(l)).length, wait.stderr).toBeGreaterThanOrEqual(2);
    expect(waitLines.at(-1)).toMatch(/^SUCCESS {2}32\.0 MiB \/ 32\.0 MiB, 100%, .*ETA 0s; files 6\/6, failed 0;/u);

    expect((await floe(['lock', ...data])).status).toBe(0);
    expect((await floe(['unlock', ...data, '--manifest', p.manifestPath, '--code', p.code])).status).toBe(0);
    const imported = await floe(['import', ...data, '--option', 'BytesPerSecond=8M', '--option', 'VerifyMode=NONE', '--stats', '200ms']);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/State: +COMPLETED\n/u);
    const importLines = progressOf(imported.stderr);
    for (const l of importLines) expect(l).toMatch(LINE);
    expect(importLines.filter((l) => MEASURED.test(l)).length, imported.stderr).toBeGreaterThanOrEqual(2);
    expect(importLines.at(-1)).toMatch(/, 100%, .*ETA 0s; files 6\/6, failed 0;/u);
  }, 60_000);
});

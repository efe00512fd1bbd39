// Ingest end to end through `floe serve` and the CLI, from nfs-ganesha: task create/list/start,
// execution wait/describe/update/cancel, the report over the API and the CLI, and the execution still described
// after a daemon restart (it is kept in the journal).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ganeshaUnavailableReason, startGanesha } from '../harness/ganesha.js';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { writeSeededFile } from './ingest-fixtures.js';

const skip = ganeshaUnavailableReason();
const MIB = 1 << 20;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Execution {
  TaskExecutionId: string;
  Status: string;
  FilesTransferred: number;
  FilesSkipped: number;
  FilesVerified: number;
  BytesWritten: number;
  Options: { BytesPerSecond: number };
  Result: { ErrorCode?: string; TransferStatus: string };
}

describe.skipIf(skip !== undefined)(`ingest through floe serve and the CLI${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('task create/list/start, execution wait/describe, update BytesPerSecond and cancel, report, and describe after a restart', async () => {
    const dev = await provisionDevice(undefined, 'floe-daemon-ingest-');
    cleanups.push(dev.cleanup);
    const exportDir = path.join(dev.root, 'export');
    fs.mkdirSync(path.join(exportDir, 'docs'), { recursive: true });
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(exportDir, 'docs', `note-${i}.txt`), `note ${i}\n`.repeat(10));
    fs.writeFileSync(path.join(exportDir, 'docs', 'scratch.tmp'), 'temporary\n');
    writeSeededFile(path.join(exportDir, 'large.bin'), 32 * MIB, 3);
    const server = await startGanesha({ exportDir });
    cleanups.push(() => server.stop());
    let daemon: DaemonProcess = await startDaemonProcess(dev.dataDir);
    cleanups.push(() => daemon.kill('SIGKILL'));
    const data = ['--data', dev.dataDir];

    // Before unlock: no keys, so no tasks.
    const locked = await floe(['task', 'list', ...data]);
    expect(locked.status).toBe(13);
    expect(locked.stderr).toContain('[DEVICE_LOCKED]');
    expect((await floe(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code])).status).toBe(0);

    const created = await floeJson<{ TaskId: string; Name: string; Excludes: string }>(['task', 'create', ...data, '--name', 'docs', '--source', server.uri('docs', { uid: 1000, gid: 1000 }), '--exclude', '*.tmp', '--option', 'VerifyMode=ONLY_FILES_TRANSFERRED', '--option', 'LogLevel=TRANSFER']);
    expect(created).toMatchObject({ Name: 'docs', Excludes: '*.tmp' });
    const bad = await floe(['task', 'create', ...data, '--name', 'x', '--source', server.uri(), '--include', '*.txt']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('include filters allow "*" only as the rightmost character');
    await floeJson(['task', 'create', ...data, '--name', 'large', '--source', server.uri(), '--include', '/large.bin', '--option', 'VerifyMode=NONE']);
    const list = await floeJson<{ Tasks: Array<{ Name: string; Status: string }> }>(['task', 'list', ...data]);
    expect(list.Tasks.map((t) => `${t.Name}:${t.Status}`).sort()).toEqual(['docs:AVAILABLE', 'large:AVAILABLE']);

    const started = await floeJson<Execution>(['task', 'start', ...data, 'docs']);
    const done = await floeJson<Execution>(['execution', 'wait', ...data, started.TaskExecutionId]);
    expect(done).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 30, FilesVerified: 30, FilesSkipped: 0 });
    const text = await floe(['execution', 'describe', ...data, started.TaskExecutionId]);
    expect(text.stdout).toMatch(/Status:\s+SUCCESS/);
    expect(text.stdout).toContain('30 transferred of 30 estimated, 0 skipped, 30 verified, 0 deleted');

    // The report, over the API (JSON lines, from memory).
    const report = await fetch(`${daemon.url}/v1/executions/${started.TaskExecutionId}/report`, { headers: { authorization: `Bearer ${fs.readFileSync(path.join(dev.dataDir, 'device', 'api-token'), 'utf8').trim()}` } });
    expect(report.status).toBe(200);
    const lines = (await report.text()).trim().split('\n').map((l) => JSON.parse(l) as { category?: string; path?: string; summary?: { counts: Record<string, number> } });
    expect(lines.filter((l) => l.category === 'transferred').map((l) => l.path).sort()).toEqual([...Array(30).keys()].map((i) => `note-${i}.txt`).sort());
    expect(lines.at(-1)?.summary?.counts).toMatchObject({ transferred: 30, verified: 30 });
    const cliReport = await floe(['execution', 'report', ...data, started.TaskExecutionId]);
    expect(cliReport.status).toBe(0);
    expect(cliReport.stdout.trim().split('\n').map((l) => JSON.parse(l) as { category?: string }).filter((l) => l.category === 'verified')).toHaveLength(30);
    const noReport = await floe(['execution', 'report', ...data, 'exec-00000000000000000']);
    expect(noReport.status).toBe(3);
    expect(noReport.stderr).toContain('[NOT_FOUND]');

    // A slow one: change its bandwidth, then cancel it.
    const slow = await floeJson<Execution>(['task', 'start', ...data, 'large', '--bytes-per-second', String(MIB)]);
    const updated = await floeJson<Execution>(['execution', 'update', ...data, slow.TaskExecutionId, '--bytes-per-second', String(2 * MIB)]);
    expect(updated.Options.BytesPerSecond).toBe(2 * MIB);
    const cancelled = await floeJson<Execution>(['execution', 'cancel', ...data, slow.TaskExecutionId]);
    expect(cancelled).toMatchObject({ Status: 'ERROR', Result: { ErrorCode: 'CANCELLED' } });
    const waited = await floe(['execution', 'wait', ...data, slow.TaskExecutionId]);
    expect(waited.status).toBe(6);
    expect(waited.stderr).toContain('[CANCELLED]');

    // A restart: the daemon holds no key until unlocked; then the executions are read back from the journal.
    expect(await daemon.kill('SIGTERM')).toBe(0);
    daemon = await startDaemonProcess(dev.dataDir);
    expect((await floe(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code])).status).toBe(0);
    const again = await floeJson<Execution>(['execution', 'describe', ...data, started.TaskExecutionId]);
    expect(again).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 30, FilesVerified: 30 });
    const rerun = await floeJson<Execution>(['execution', 'wait', ...data, (await floeJson<Execution>(['task', 'start', ...data, 'docs'])).TaskExecutionId]);
    expect(rerun).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 0, FilesSkipped: 30 });
  }, 300_000);
});

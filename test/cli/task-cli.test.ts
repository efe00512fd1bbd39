// `floe task describe` and `floe task update`, the real CLI against a real daemon (file:// source):
// describe prints what create set, update changes filters and merges options, the next execution
// uses them, and refusals carry their code, message and exit code, as JSON on stderr with --json.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';

interface Task {
  TaskId: string;
  Name: string;
  Includes?: string;
  Excludes?: string;
  Schedule?: string;
  Options: Record<string, unknown>;
}

describe('floe task describe / update', () => {
  let p: ProvisionedDevice | undefined;
  let daemon: DaemonProcess | undefined;
  afterAll(async () => {
    await daemon?.kill('SIGKILL');
    await p?.cleanup();
  });

  it('describes a task, updates its filters, options and schedule, and the next execution uses them', async () => {
    p = await provisionDevice(undefined, 'floe-task-cli-');
    const source = join(p.root, 'share');
    await mkdir(join(source, 'docs'), { recursive: true });
    for (let i = 0; i < 4; i++) await writeFile(join(source, 'docs', `r-${i}.txt`), `report ${i}\n`);
    for (let i = 0; i < 2; i++) await writeFile(join(source, `t-${i}.tmp`), `tmp ${i}\n`);
    daemon = await startDaemonProcess(p.dataDir);
    const data = ['--data', p.dataDir];
    expect((await floe(['unlock', ...data, '--manifest', p.manifestPath, '--code', p.code])).status).toBe(0);
    const created = await floeJson<Task>(['task', 'create', ...data, '--name', 'share', '--source', `file://${source}`, '--exclude', '*.tmp', '--option', 'LogLevel=TRANSFER']);

    const text = await floe(['task', 'describe', ...data, 'share']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`Task: +${created.TaskId} \\(share\\)\\n`));
    expect(text.stdout).toMatch(/Excludes: +\*\.tmp\n/);
    expect(text.stdout).toMatch(/Options: +.*LogLevel=TRANSFER/);
    expect(await floeJson<Task>(['task', 'describe', ...data, created.TaskId])).toMatchObject({ TaskId: created.TaskId, Excludes: '*.tmp', Status: 'AVAILABLE' });

    const first = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, 'share']);
    expect(await floeJson(['execution', 'wait', ...data, first.TaskExecutionId])).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 4 });

    const updated = await floeJson<Task>(['task', 'update', ...data, 'share', '--exclude', '', '--option', 'VerifyMode=NONE', '--schedule', 'rate(2 hours)']);
    expect(updated).toMatchObject({ TaskId: created.TaskId, Schedule: 'rate(2 hours)', Options: { VerifyMode: 'NONE', LogLevel: 'TRANSFER' } });
    expect(updated).not.toHaveProperty('Excludes');
    const second = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, 'share']);
    expect(await floeJson(['execution', 'wait', ...data, second.TaskExecutionId])).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 2, FilesSkipped: 4, FilesVerified: 0 });

    const renamed = await floe(['task', 'update', ...data, 'share', '--name', 'site share', '--include', '/docs']);
    expect(renamed.status, renamed.stderr).toBe(0);
    expect(renamed.stdout).toMatch(new RegExp(`Task: +${created.TaskId} \\(site share\\)\\n`));
    expect(renamed.stdout).toMatch(/Includes: +\/docs\n/);
  }, 60_000);

  it('refuses with the code, message and exit code: nothing to change, a bad option, an unknown task, while running', async () => {
    const data = ['--data', p!.dataDir];
    const nothing = await floe(['task', 'update', ...data, 'site share', '--json']);
    expect(nothing.status).toBe(2);
    expect(JSON.parse(nothing.stderr)).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'floe task update: nothing to change: give --name, --include, --exclude, --option or --schedule' });

    const viaCreate = await floe(['task', 'create', ...data, '--name', 'x', '--source', 'file:///tmp', '--option', 'Mtime=NONE', '--json']);
    const viaUpdate = await floe(['task', 'update', ...data, 'site share', '--option', 'Mtime=NONE', '--json']);
    expect(viaUpdate.status).toBe(2);
    expect(viaCreate.status).toBe(2);
    expect(JSON.parse(viaUpdate.stderr)).toEqual(JSON.parse(viaCreate.stderr));
    expect(JSON.parse(viaUpdate.stderr)).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Atime') });

    const unknown = await floe(['task', 'describe', ...data, 'no such task', '--json']);
    expect(unknown.status).toBe(3);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no task "no such task"') });

    const big = join(p!.root, 'share', 'docs', 'big.bin');
    await writeFile(big, Buffer.alloc(8 << 20, 7));
    const running = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, 'site share', '--bytes-per-second', '1M']);
    const busy = await floe(['task', 'update', ...data, 'site share', '--exclude', '*.bin', '--json']);
    expect(busy.status).toBe(4);
    expect(JSON.parse(busy.stderr)).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('has a queued or running execution') });
    expect((await floe(['execution', 'cancel', ...data, running.TaskExecutionId])).status).toBe(0);
    expect(await floeJson<Task>(['task', 'update', ...data, 'site share', '--exclude', '*.bin'])).toMatchObject({ Excludes: '*.bin' });
  }, 60_000);
});

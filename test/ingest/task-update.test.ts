// UpdateTask on a real provisioned Device and its journal (file:// source): the next execution uses
// the new filters and the merged options, bad values are refused with create's code and message,
// an update is refused while the task runs, and it survives a restart (a `task.updated` event).
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FloeError } from '../../appliance/errors.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { provisionDevice, type ProvisionedDevice } from '../support/daemon-process.js';
import { writeSeededFile } from './ingest-fixtures.js';

const MIB = 1 << 20;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openService(dev: ProvisionedDevice, events: Array<{ type: string; data: Record<string, unknown> }> = []): Promise<{ device: Device; service: TaskService }> {
  const device = await Device.load(dev.dataDir);
  await device.unlock(await readFile(dev.manifestPath), dev.code);
  const service = new TaskService({ device, events: { publish: (type, data) => events.push({ type, data: data as Record<string, unknown> }) }, scheduleCheckMs: 0 });
  device.setExecutionControl(service);
  const close = async (): Promise<void> => {
    await service.close();
    await device.close();
  };
  cleanups.push(close);
  return { device, service };
}

/** A share of 10 reports, 3 logs and one 16 MiB file. */
async function setup(): Promise<{ dev: ProvisionedDevice; share: string }> {
  const dev = await provisionDevice(undefined, 'floe-task-update-');
  cleanups.push(dev.cleanup);
  const share = path.join(dev.root, 'share');
  fs.mkdirSync(path.join(share, 'docs'), { recursive: true });
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(share, 'docs', `report-${i}.txt`), `report ${i}\n`.repeat(50));
  for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(share, `run-${i}.log`), `log ${i}\n`);
  writeSeededFile(path.join(share, 'big.bin'), 16 * MIB, 3);
  return { dev, share };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as FloeError | undefined;
  expect(err, 'refused').toBeDefined();
  return { code: err!.code, message: err!.message };
}

describe('UpdateTask', () => {
  it('the next execution honours new filters and merged options, with exact counts', async () => {
    const { dev, share } = await setup();
    const events: Array<{ type: string; data: Record<string, unknown> }> = [];
    const { service } = await openService(dev, events);
    const task = await service.createTask({ Name: 'docs', SourceLocationUri: `file://${share}`, Excludes: '*.log|*.bin', Options: { LogLevel: 'TRANSFER', VerifyMode: 'ONLY_FILES_TRANSFERRED' } });
    const first = await service.waitExecution((await service.startExecution('docs')).TaskExecutionId);
    expect(first).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 10, FilesVerified: 10, FilesSkipped: 0 });

    // Excludes changes (the logs come in), VerifyMode changes, LogLevel stays.
    const updated = await service.updateTask('docs', { Excludes: '*.bin', Options: { VerifyMode: 'NONE' } });
    expect(updated).toMatchObject({ TaskId: task.TaskId, Name: 'docs', Excludes: '*.bin', Status: 'AVAILABLE', SourceLocationUri: task.SourceLocationUri, CreationTime: task.CreationTime });
    expect(updated.Options).toEqual({ ...task.Options, VerifyMode: 'NONE' });
    expect(updated.Options.LogLevel).toBe('TRANSFER');
    expect(events.filter((e) => e.type === 'task.updated')).toEqual([{ type: 'task.updated', data: { TaskId: task.TaskId } }]);
    const second = await service.waitExecution((await service.startExecution(task.TaskId)).TaskExecutionId);
    expect(second).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 3, FilesSkipped: 10, FilesVerified: 0, Options: { VerifyMode: 'NONE', LogLevel: 'TRANSFER' } });

    // '' removes a filter; an include narrows to one folder; a rename keeps the id.
    const narrowed = await service.updateTask('docs', { Name: 'reports only', Excludes: '', Includes: '/docs' });
    expect(narrowed).toMatchObject({ TaskId: task.TaskId, Name: 'reports only', Includes: '/docs' });
    expect(narrowed).not.toHaveProperty('Excludes');
    fs.appendFileSync(path.join(share, 'docs', 'report-0.txt'), 'more\n');
    fs.appendFileSync(path.join(share, 'run-0.log'), 'more\n');
    const third = await service.waitExecution((await service.startExecution('reports only')).TaskExecutionId);
    expect(third).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 1, FilesSkipped: 9 });
    await expect(service.describeTask('docs')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a bad filter, option, schedule or name with the code and message create gives; the task is unchanged', async () => {
    const { dev, share } = await setup();
    const { service } = await openService(dev);
    const source = `file://${share}`;
    const task = await service.createTask({ Name: 'docs', SourceLocationUri: source, Includes: '/docs', Schedule: 'rate(1 hour)' });
    const bad: Array<Record<string, unknown>> = [
      { Includes: '*.txt' },
      { Excludes: 'a|' },
      { Options: { Mtime: 'NONE' } },
      { Options: { VerifyMode: 'SOMETIMES' } },
      { Options: { NoSuchOption: 1 } },
      { Options: { BytesPerSecond: 0 } },
      { Schedule: 'cron(every day)' },
      { Name: 'bad*name' },
      { Name: '' },
    ];
    for (const change of bad) {
      const viaCreate = await refusal(service.createTask({ Name: 'other', SourceLocationUri: source, ...change }));
      const viaUpdate = await refusal(service.updateTask('docs', change));
      expect(viaUpdate, JSON.stringify(change)).toEqual(viaCreate);
      expect(viaUpdate.code).toBe('INVALID_ARGUMENT');
    }
    expect(await refusal(service.updateTask('docs', {}))).toEqual({ code: 'INVALID_ARGUMENT', message: 'nothing to update: give at least one of Name, Includes, Excludes, Options, Schedule' });
    expect(await refusal(service.updateTask('docs', { SourceLocationUri: 'file:///elsewhere' } as never))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'SourceLocationUri cannot be changed: create a new task for another source or journal folder',
    });
    expect(await refusal(service.updateTask('nope', { Excludes: '*.tmp' }))).toMatchObject({ code: 'NOT_FOUND' });
    await service.createTask({ Name: 'logs', SourceLocationUri: source });
    await expect(service.updateTask('logs', { Name: 'docs' })).rejects.toMatchObject({ code: 'CONFLICT', message: `a task named 'docs' already exists (${task.TaskId})`, details: { field: 'Name' } });
    expect(await service.describeTask('docs')).toEqual({ ...task, Status: 'AVAILABLE' });
    // Clearing the schedule.
    const unscheduled = await service.updateTask('docs', { Schedule: '' });
    expect(unscheduled).not.toHaveProperty('Schedule');
  });

  it('is refused with CONFLICT while the task has a queued or running execution; allowed once it ended', async () => {
    const { dev, share } = await setup();
    const { service } = await openService(dev);
    await service.createTask({ Name: 'big', SourceLocationUri: `file://${share}`, Includes: '/big.bin', Options: { VerifyMode: 'NONE', BytesPerSecond: 2 * MIB } });
    const running = await service.startExecution('big');
    await expect(service.updateTask('big', { Options: { BytesPerSecond: -1 } })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('has a queued or running execution: wait for it or cancel it, then update the task'),
    });
    expect((await service.describeTask('big')).Options.BytesPerSecond).toBe(2 * MIB);
    await service.cancelExecution(running.TaskExecutionId);
    await expect(service.updateTask('big', { Options: { BytesPerSecond: -1 } })).resolves.toMatchObject({ Options: { BytesPerSecond: -1 } });
  });

  it('survives a restart: the journal replays task.updated after task.created', async () => {
    const { dev, share } = await setup();
    const first = await openService(dev);
    const task = await first.service.createTask({ Name: 'docs', SourceLocationUri: `file://${share}`, Excludes: '*.bin', Options: { LogLevel: 'TRANSFER' } });
    await first.service.updateTask('docs', { Name: 'docs v2', Excludes: '*.bin|*.log', Options: { PreserveDeletedFiles: 'REMOVE' }, Schedule: 'rate(6 hours)' });
    await first.service.close();
    await first.device.close();

    const { service } = await openService(dev);
    const tasks = await service.listTasks();
    expect(tasks).toEqual([
      {
        ...task,
        Name: 'docs v2',
        Excludes: '*.bin|*.log',
        Options: { ...task.Options, PreserveDeletedFiles: 'REMOVE' },
        Schedule: 'rate(6 hours)',
        Status: 'AVAILABLE',
      },
    ]);
    const run = await service.waitExecution((await service.startExecution('docs v2')).TaskExecutionId);
    expect(run).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 10 });
  });
});

// TaskService with a real provisioned Device and its journal (file:// source): DataSync's task and
// execution semantics, queueing, BytesPerSecond while running, cancel, lock interplay, persistence
// across a restart, events, and a data folder that names no customer path.
import fs from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { provisionDevice, type ProvisionedDevice } from '../support/daemon-process.js';
import { writeSeededFile } from './ingest-fixtures.js';

const MIB = 1 << 20;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  dev: ProvisionedDevice;
  device: Device;
  service: TaskService;
  events: Array<{ type: string; data: Record<string, unknown> }>;
  share: string;
}

async function setup(): Promise<Setup> {
  const dev = await provisionDevice(undefined, 'floe-task-service-');
  cleanups.push(dev.cleanup);
  const share = path.join(dev.root, 'share');
  fs.mkdirSync(path.join(share, 'docs'), { recursive: true });
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(share, 'docs', `customer-report-${i}.txt`), `report ${i}\n`.repeat(100));
  writeSeededFile(path.join(share, 'big.bin'), 24 * MIB, 9);
  const device = await Device.load(dev.dataDir);
  await device.unlock(await readFile(dev.manifestPath), dev.code);
  const events: Setup['events'] = [];
  const service = new TaskService({ device, events: { publish: (type, data) => events.push({ type, data: data as Record<string, unknown> }) }, progressIntervalMs: 200, scheduleCheckMs: 0 });
  device.setExecutionControl(service);
  cleanups.push(async () => {
    await service.close();
    await device.close();
  });
  return { dev, device, service, events, share };
}

describe('TaskService', () => {
  it('creates, lists and runs a task to SUCCESS with exact counters, phases, events and a report', async () => {
    const { service, events, share } = await setup();
    const task = await service.createTask({ Name: 'docs', SourceLocationUri: `file://${share}`, Excludes: '*.bin', Options: { LogLevel: 'TRANSFER' } });
    expect(task).toMatchObject({ TaskId: expect.stringMatching(/^task-[0-9a-f]{17}$/), Name: 'docs', Status: 'AVAILABLE', Excludes: '*.bin', Options: { LogLevel: 'TRANSFER', VerifyMode: 'POINT_IN_TIME_CONSISTENT' } });
    expect((await service.listTasks()).map((t) => t.Name)).toEqual(['docs']);
    await expect(service.createTask({ Name: 'docs', SourceLocationUri: `file://${share}` })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.createTask({ Name: 'bad', SourceLocationUri: 'smb://x/y' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('unsupported SourceLocationUri') });
    await expect(service.createTask({ Name: 'bad', SourceLocationUri: `file://${share}`, Includes: '*.txt' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(service.createTask({ Name: 'bad', SourceLocationUri: `file://${share}`, Options: { Mtime: 'NONE' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Atime') });

    const started = await service.startExecution('docs');
    expect(started.TaskExecutionId).toMatch(/^exec-[0-9a-f]{17}$/);
    const done = await service.waitExecution(started.TaskExecutionId);
    expect(done).toMatchObject({
      Status: 'SUCCESS',
      FilesTransferred: 20,
      FilesVerified: 20,
      FilesSkipped: 0,
      EstimatedFilesToTransfer: 20,
      BytesWritten: [...Array(20).keys()].reduce((n, i) => n + `report ${i}\n`.length * 100, 0),
      Result: { PrepareStatus: 'SUCCESS', TransferStatus: 'SUCCESS', VerifyStatus: 'SUCCESS' },
    });
    expect(done.Result.TotalDuration).toBeGreaterThanOrEqual(done.Result.TransferDuration);
    const statuses = events.filter((e) => e.type === 'execution.status').map((e) => e.data.Status);
    expect(statuses).toEqual(['LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING', 'SUCCESS']);
    const report = service.executionReport(started.TaskExecutionId).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(report.filter((l) => l.category === 'transferred')).toHaveLength(20);
    expect(report.filter((l) => l.category === 'verified')).toHaveLength(20);
    expect(report.at(-1)).toMatchObject({ summary: { counts: { transferred: 20, verified: 20 }, status: 'SUCCESS' } });

    // A second run: CHANGED skips all 20.
    const again = await service.waitExecution((await service.startExecution(task.TaskId)).TaskExecutionId);
    expect(again).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 0, FilesSkipped: 20, FilesVerified: 20 });
  });

  it('queues a second execution (TaskQueueing), changes BytesPerSecond while running, cancels (ERROR/CANCELLED), and refuses with TaskQueueing DISABLED', async () => {
    const { service, events, share } = await setup();
    await service.createTask({ Name: 'big', SourceLocationUri: `file://${share}`, Includes: '/big.bin', Options: { VerifyMode: 'NONE' } });
    await service.createTask({ Name: 'docs', SourceLocationUri: `file://${share}`, Includes: '/docs' });
    const first = await service.startExecution('big', { BytesPerSecond: 4 * MIB });
    const second = await service.startExecution('docs');
    expect(second.Status).toBe('QUEUED');
    expect((await service.describeTask('docs')).Status).toBe('QUEUED');
    await expect(service.startExecution('docs', { TaskQueueing: 'DISABLED' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(service.running()).toBe(2);

    await new Promise((r) => setTimeout(r, 1200));
    const slow = await service.describeExecution(first.TaskExecutionId);
    expect(slow.Status).toBe('TRANSFERRING');
    expect(slow.BytesTransferred).toBeLessThan(12 * MIB);
    const updated = await service.updateExecution(first.TaskExecutionId, { BytesPerSecond: -1 });
    expect(updated.Options.BytesPerSecond).toBe(-1);
    await expect(service.updateExecution(first.TaskExecutionId, { BytesPerSecond: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const firstDone = await service.waitExecution(first.TaskExecutionId);
    expect(firstDone).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 1, BytesWritten: 24 * MIB });
    const secondDone = await service.waitExecution(second.TaskExecutionId);
    expect(secondDone).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 20 });
    expect(Date.parse(secondDone.StartTime)).toBeLessThan(Date.parse(firstDone.EndTime!));
    expect(events.some((e) => e.type === 'execution.progress' && e.data.TaskExecutionId === first.TaskExecutionId)).toBe(true);
    await expect(service.updateExecution(first.TaskExecutionId, { BytesPerSecond: 5 })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(service.deleteTask('big')).resolves.toMatchObject({ Name: 'big' });
    await service.createTask({ Name: 'big', SourceLocationUri: `file://${share}`, Includes: '/big.bin', Options: { VerifyMode: 'NONE' } });

    // Cancel a running execution, and a queued one.
    fs.writeFileSync(path.join(share, 'big.bin'), 'changed'); // so the next run transfers
    writeSeededFile(path.join(share, 'big.bin'), 24 * MIB, 10);
    const running = await service.startExecution('big', { BytesPerSecond: 2 * MIB, TransferMode: 'ALL' });
    const queued = await service.startExecution('docs');
    await new Promise((r) => setTimeout(r, 600));
    const cancelledQueued = await service.cancelExecution(queued.TaskExecutionId);
    expect(cancelledQueued).toMatchObject({ Status: 'ERROR', Result: { ErrorCode: 'CANCELLED', ErrorDetail: 'Execution was cancelled' } });
    const cancelled = await service.cancelExecution(running.TaskExecutionId);
    expect(cancelled).toMatchObject({ Status: 'ERROR', Result: { ErrorCode: 'CANCELLED', TransferStatus: 'ERROR' } });
    await expect(service.cancelExecution(running.TaskExecutionId)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(service.describeExecution('exec-00000000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(service.running()).toBe(0);
  });

  it('refuses lock while an execution runs, lock --cancel-running cancels it; ingest is refused off site with INVALID_STATE', async () => {
    const { device, service, share } = await setup();
    await service.createTask({ Name: 'big', SourceLocationUri: `file://${share}`, Options: { VerifyMode: 'NONE', BytesPerSecond: 2 * MIB } });
    const execution = await service.startExecution('big');
    await new Promise((r) => setTimeout(r, 300));
    await expect(device.lock({})).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('1 execution(s) running') });
    await device.lock({ cancelRunning: true });
    expect(device.state).toBe('LOCKED');
    await expect(service.startExecution('big')).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'ingest runs only on site (ON_SITE); the device is LOCKED' });
    await expect(service.listTasks()).rejects.toMatchObject({ code: 'DEVICE_LOCKED' });
    expect(service.running()).toBe(0);
    void execution;
  });

  it('keeps tasks and finished executions in the journal (encrypted): a restarted service sees them; the data folder names no customer path', async () => {
    const { dev, device, service, share } = await setup();
    const task = await service.createTask({ Name: 'docs', SourceLocationUri: `file://${share}`, Includes: '/docs', Options: { LogLevel: 'TRANSFER' } });
    const run = await service.waitExecution((await service.startExecution('docs')).TaskExecutionId);
    expect(run.Status).toBe('SUCCESS');
    await service.close();
    await device.close();

    const reloaded = await Device.load(dev.dataDir);
    await reloaded.unlock(await readFile(dev.manifestPath), dev.code);
    const fresh = new TaskService({ device: reloaded, scheduleCheckMs: 0 });
    cleanups.push(async () => {
      await fresh.close();
      await reloaded.close();
    });
    expect(await fresh.listTasks()).toEqual([expect.objectContaining({ TaskId: task.TaskId, Name: 'docs', Includes: '/docs', Status: 'AVAILABLE' })]);
    const described = await fresh.describeExecution(run.TaskExecutionId);
    expect(described).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 20, FilesVerified: 20, TaskId: task.TaskId });
    expect(await fresh.listExecutions('docs')).toHaveLength(1);
    await fresh.deleteTask('docs');
    expect(await fresh.listTasks()).toEqual([]);
    await expect(fresh.describeTask('docs')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await fresh.describeExecution(run.TaskExecutionId)).Status).toBe('SUCCESS');
    expect(() => fresh.executionReport(run.TaskExecutionId)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));

    // No file of the data folder holds a customer path or the task's name in the clear.
    for (const entry of await readdir(dev.dataDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const bytes = await readFile(path.join(entry.parentPath, entry.name));
      for (const needle of ['customer-report', share]) expect(bytes.includes(Buffer.from(needle)), `${entry.name} contains ${needle}`).toBe(false);
    }
  });

  it('starts a scheduled task when its schedule falls due (UTC), once per due time', async () => {
    const { dev, device, share } = await setup();
    let now = Date.parse('2026-11-30T10:20:00Z');
    const events: string[] = [];
    const scheduled = new TaskService({ device, now: () => now, scheduleCheckMs: 20, events: { publish: (type) => events.push(type) } });
    cleanups.push(() => scheduled.close());
    void dev;
    await expect(scheduled.createTask({ Name: 'too-often', SourceLocationUri: `file://${share}`, Schedule: 'rate(5 minutes)' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await scheduled.createTask({ Name: 'hourly', SourceLocationUri: `file://${share}`, Includes: '/docs', Schedule: 'rate(1 hour)' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await scheduled.listExecutions()).toHaveLength(0); // due at 11:00
    now = Date.parse('2026-11-30T11:00:01Z');
    await new Promise((r) => setTimeout(r, 300));
    const runs = await scheduled.listExecutions('hourly');
    expect(runs).toHaveLength(1);
    expect(events).toContain('task.scheduled-start');
    expect((await scheduled.waitExecution(runs[0]!.TaskExecutionId)).Status).toBe('SUCCESS');
    await new Promise((r) => setTimeout(r, 200));
    expect(await scheduled.listExecutions('hourly')).toHaveLength(1); // next at 12:00
  });
});

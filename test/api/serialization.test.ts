// Responses are serialized from their schemas (fast-json-stringify drops what a schema does not
// list). Each route's answer must be exactly what its service returns, nested objects included,
// so the CLI and the UI never lose a field.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReportJson } from '../../appliance/api/routes/journal-routes.js';
import { inProcessApi, type InProcessApi } from './api-fixture.js';

let api: InProcessApi;
beforeAll(async () => {
  api = await inProcessApi();
});
afterAll(async () => api.close());

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

async function get(url: string): Promise<unknown> {
  const res = await api.app.inject({ method: 'GET', url, headers: api.auth });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
}

describe('response serialization keeps every field', () => {
  it('status, unlock, journal stats and verify, tasks and executions, sync, device, lock and label', async () => {
    const { device, tasks, sync, hardware } = api.context;
    expect(await get('/v1/status')).toEqual(plain(device.status()));
    const unlock = await api.app.inject({ method: 'POST', url: '/v1/unlock', headers: api.auth, payload: { manifest: api.device.manifest.toString('base64'), code: api.device.code } });
    expect(unlock.json()).toEqual(plain(device.status()));

    const share = join(api.device.root, 'share');
    await mkdir(join(share, 'sub'), { recursive: true });
    for (let i = 0; i < 5; i++) await writeFile(join(share, 'sub', `f${i}.txt`), `content ${i}\n`.repeat(100));
    const created = await api.app.inject({ method: 'POST', url: '/v1/tasks', headers: api.auth, payload: { Name: 'serial', SourceLocationUri: `file://${share}`, Excludes: '*.tmp', Options: { LogLevel: 'TRANSFER' } } });
    expect(created.statusCode, created.body).toBe(200);
    const task = created.json() as { TaskId: string };
    expect(task).toEqual(plain(await tasks.describeTask(task.TaskId)));
    const started = (await api.app.inject({ method: 'POST', url: `/v1/tasks/${task.TaskId}/executions`, headers: api.auth, payload: {} })).json() as { TaskExecutionId: string };
    await tasks.waitExecution(started.TaskExecutionId);

    expect(await get('/v1/tasks')).toEqual(plain({ Tasks: await tasks.listTasks() }));
    expect(await get(`/v1/tasks/${task.TaskId}`)).toEqual(plain(await tasks.describeTask(task.TaskId)));
    const described = await tasks.describeExecution(started.TaskExecutionId);
    expect(described.FilesTransferred).toBe(5);
    expect(await get(`/v1/executions/${started.TaskExecutionId}`)).toEqual(plain(described));
    expect(await get('/v1/executions')).toEqual(plain({ TaskExecutions: await tasks.listExecutions() }));
    expect(await get('/v1/journal/stats')).toEqual(plain(await device.journalStats()));
    const verify = await api.app.inject({ method: 'POST', url: '/v1/journal/verify', headers: api.auth });
    expect(verify.json()).toEqual(plain(verifyReportJson(await device.verifyJournal())));
    expect(await get('/v1/sync')).toEqual(plain(sync.status()));
    expect(await get('/v1/device')).toEqual(plain(await hardware.snapshot()));

    const lock = await api.app.inject({ method: 'POST', url: '/v1/lock', headers: api.auth, payload: {} });
    expect(lock.json()).toEqual(plain(device.label()));
    expect(await get('/v1/label')).toEqual(plain(device.label()));
    expect(await get('/v1/status')).toEqual(plain(device.status()));
  });
});

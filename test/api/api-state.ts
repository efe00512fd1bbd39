// The daemon's observable state, to compare before and after a fuzz run: lifecycle status,
// tasks, executions, journal stats, sync status, and the data folder's files (except the log).
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { InProcessApi } from './api-fixture.js';

export async function observableState(api: InProcessApi): Promise<Record<string, unknown>> {
  const get = async (url: string): Promise<unknown> => {
    const res = await api.app.inject({ method: 'GET', url, headers: api.auth });
    return { status: res.statusCode, body: res.json() as unknown };
  };
  const files: Record<string, number> = {};
  for (const e of await readdir(api.device.dataDir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const rel = relative(api.device.dataDir, path);
    if (rel.startsWith('logs/') || rel === 'device/unlock-attempts.json') continue;
    // LevelDB rewrites its own files (log, manifest) on open: compare the journal segments only.
    if (rel.startsWith('journal/') && !rel.startsWith('journal/segments/')) continue;
    files[rel] = (await stat(path)).size;
  }
  const status = (await get('/v1/status')) as { body: Record<string, unknown> };
  const { unlockRetryAfterSeconds: _a, failedUnlockAttempts: _b, ...lifecycle } = status.body;
  return {
    lifecycle,
    tasks: await get('/v1/tasks'),
    executions: await get('/v1/executions'),
    journal: await get('/v1/journal/stats'),
    sync: await get('/v1/sync'),
    files,
  };
}

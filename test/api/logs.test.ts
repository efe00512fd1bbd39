// Structured logs: JSON lines in <data>/logs/floe.log, size-rotated keeping N files; no token,
// unlock code, manifest or customer path at info level.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingFile } from '../../appliance/daemon/rotating-file.js';
import { tempDir } from '../journal/journal-fixtures.js';
import { inProcessApi, type InProcessApi } from './api-fixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('daemon log', () => {
  it('logs lifecycle changes and requests by route pattern as JSON lines, without secrets or customer paths', async () => {
    const api: InProcessApi = await inProcessApi();
    cleanups.push(() => api.close());
    const client = api.client();
    const secretPath = 'customer-share/Payroll 2026/salaries.xlsx';
    await client.post('/v1/unlock', { manifest: api.device.manifest.toString('base64'), code: api.device.code });
    await api.app.inject({ method: 'GET', url: `/v1/tasks/${encodeURIComponent(secretPath)}?x=${encodeURIComponent(secretPath)}`, headers: api.auth });
    await api.app.inject({ method: 'GET', url: '/v1/label', headers: { authorization: 'Bearer not-the-token' } });
    await api.app.inject({ method: 'POST', url: '/v1/unlock', headers: api.auth, payload: { manifest: 'AAAA', code: api.device.code } });
    api.context.events.publish('warning', { message: `cannot read ${secretPath}`, code: 'SOURCE_ACCESS_DENIED' });
    await client.post('/v1/lock', {});
    await api.stop();

    const text = await readFile(join(api.device.dataDir, 'logs', 'floe.log'), 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(4);
    for (const l of lines) {
      expect(typeof l.time).toBe('number');
      expect(typeof l.level).toBe('number');
    }
    const token = api.auth.authorization.slice('Bearer '.length);
    expect(text).not.toContain(token);
    expect(text).not.toContain(api.device.code);
    expect(text).not.toContain(api.device.manifest.toString('base64').slice(-40));
    expect(text).not.toContain('Payroll');
    expect(text).not.toContain('salaries');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'lifecycle', data: expect.objectContaining({ from: 'PROVISIONED', to: 'ON_SITE' }) }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'lifecycle', data: expect.objectContaining({ from: 'ON_SITE', to: 'LOCKED' }) }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'POST', route: '/v1/unlock', status: 200 }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'GET', route: '/v1/label', status: 401 }));
    expect(lines).toContainEqual(expect.objectContaining({ event: 'warning', code: 'SOURCE_ACCESS_DENIED', level: 40 }));
  });

  it('rotates by size and keeps N files', async () => {
    const t = await tempDir('floe-log-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'logs', 'floe.log');
    const file = new RotatingFile({ path, maxBytes: 1000, keep: 3 });
    const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(80) })}\n`;
    for (let i = 0; i < 100; i++) file.write(line(i));
    file.close();
    expect((await readdir(join(t.dir, 'logs'))).sort()).toEqual(['floe.log', 'floe.log.1', 'floe.log.2', 'floe.log.3']);
    const all = await Promise.all(['floe.log.3', 'floe.log.2', 'floe.log.1', 'floe.log'].map((n) => readFile(join(t.dir, 'logs', n), 'utf8')));
    for (const body of all) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1000);
    // The newest lines, whole and in order, across the kept files.
    const kept = all.join('').trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(kept.at(-1)).toBe(99);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 100 - kept.length + k));
    // Reopening appends to the current file.
    const again = new RotatingFile({ path, maxBytes: 1000, keep: 3 });
    again.write(line(100));
    again.close();
    expect((await readFile(path, 'utf8')).trim().split('\n').at(-1)).toBe(line(100).trim());
  });
});

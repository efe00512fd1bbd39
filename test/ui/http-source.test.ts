// The UI's data layer against a real `floe serve` (no NFS needed): every route it reads answers in
// a shape the screens can show, a route the daemon lacks reads as "not available", actions carry
// the daemon's error codes, events stream live, and the store finds a restarted daemon again.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpFloeSource } from '../../ui/data/http-source.js';
import { UiStore, valueOf } from '../../ui/data/store.js';
import { toUiError } from '../../ui/data/ui-error.js';
import type { UiEvent } from '../../ui/data/views.js';
import { provisionDevice, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until<T>(what: string, f: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the UI data layer against floe serve', () => {
  it('reads every route, starts, throttles and cancels an execution, maps errors, follows events and reconnects after a restart', { timeout: 120_000 }, async () => {
    const dev = await provisionDevice(undefined, 'floe-ui-http-');
    cleanups.push(dev.cleanup);
    let daemon: DaemonProcess = await startDaemonProcess(dev.dataDir);
    cleanups.push(() => daemon.kill('SIGKILL'));
    const source = HttpFloeSource.forDataDir(dev.dataDir);

    expect(await source.status()).toMatchObject({ state: 'PROVISIONED', jobId: dev.jobId, unlocked: false });
    await expect(source.tasks()).rejects.toMatchObject({ code: 'DEVICE_LOCKED' });
    const wrong = await source.unlock(dev.manifestPath, 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA').catch(toUiError);
    expect(wrong).toMatchObject({ code: 'WRONG_UNLOCK_CODE' });
    expect(typeof (wrong as { details?: { retryAfterSeconds?: unknown } }).details?.retryAfterSeconds).toBe('number');
    const delayed = await source.unlock(dev.manifestPath, dev.code).catch(toUiError);
    // Right after a wrong code the daemon may ask to wait; either way the answer is readable.
    if ('code' in delayed && delayed.code === 'UNLOCK_DELAYED') {
      await new Promise((r) => setTimeout(r, 1000 * Number((delayed as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds ?? 1) + 200));
      expect(await source.unlock(dev.manifestPath, dev.code)).toMatchObject({ state: 'ON_SITE', unlocked: true });
    } else {
      expect(delayed).toMatchObject({ state: 'ON_SITE', unlocked: true });
    }

    expect(await source.journalStats()).toMatchObject({ files: 0, dedupRatio: expect.any(Number) });
    expect(await source.tasks()).toEqual([]);
    expect(await source.executions()).toEqual([]);
    // The daemon probes the hardware in the background: the first answers may not have disks yet.
    let device = await source.device();
    for (let i = 0; i < 60 && device.disks.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      device = await source.device();
    }
    expect(device.disks.length).toBeGreaterThan(0);
    expect(device.dataDisk?.totalBytes).toBeGreaterThan(0);
    expect((await source.syncStatus()).status).toBe('IDLE');
    await expect(source.importStatus()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(source.startImport()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(source.createTask({ name: 'x', source: 'ftp://nowhere', includes: '', excludes: '', options: {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // A slow execution: start, change its bandwidth while it runs, cancel it.
    const shareDir = join(dev.root, 'share');
    mkdirSync(shareDir);
    writeFileSync(join(shareDir, 'big.bin'), Buffer.alloc(4 << 20, 1));
    writeFileSync(join(shareDir, 'scratch.tmp'), 'x');
    const created = await source.createTask({ name: 'local', source: `file://${shareDir}`, includes: '', excludes: '*.tmp', options: { VerifyMode: 'NONE', BytesPerSecond: 64 * 1024 } });
    expect(created).toMatchObject({ name: 'local', excludes: '*.tmp', status: 'AVAILABLE' });
    const executionId = await source.startTask(created.id);
    expect(executionId).toMatch(/^exec-/);
    await source.setBandwidth(executionId, 128 * 1024);
    expect(await source.execution(executionId)).toMatchObject({ id: executionId, taskId: created.id, bytesPerSecond: 128 * 1024 });
    expect((await source.tasks())[0]).toMatchObject({ id: created.id, currentExecutionId: executionId });
    await source.cancelExecution(executionId);
    expect(await source.execution(executionId)).toMatchObject({ status: 'ERROR', errorCode: 'CANCELLED' });
    expect((await source.executions()).map((e) => e.id)).toEqual([executionId]);

    // Events: a lock published while following the stream arrives as a lifecycle event.
    const events: UiEvent[] = [];
    const abort = new AbortController();
    let opened = false;
    const following = source.events(undefined, (e) => events.push(e), abort.signal, () => (opened = true));
    await until('the event stream to open', () => opened);
    const label = await source.lock(false);
    expect(label).toMatchObject({ jobId: dev.jobId, sealFingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) });
    await until('a lifecycle event', () => events.find((e) => e.type === 'lifecycle'));
    abort.abort();
    await following;
    expect(events.find((e) => e.type === 'lifecycle')?.data).toMatchObject({ to: 'LOCKED' });
    expect(await source.label()).toEqual(label);

    // The store: online, then offline while the daemon is down, then online again by itself.
    const store = new UiStore(HttpFloeSource.forDataDir(dev.dataDir), { intervalMs: 200 });
    store.start();
    cleanups.push(async () => store.close());
    await until('the store online', () => store.getSnapshot().connection.online && valueOf(store.getSnapshot().status)?.state === 'LOCKED');
    expect(valueOf(store.getSnapshot().label)?.sealFingerprint).toBe(label.sealFingerprint);
    await until('events live', () => store.getSnapshot().connection.events === 'live');
    await daemon.kill('SIGTERM');
    await until('the store offline', () => !store.getSnapshot().connection.online);
    expect(store.getSnapshot().connection.lastError?.code).toBe('UNAVAILABLE');
    daemon = await startDaemonProcess(dev.dataDir);
    await until('the store online again', () => store.getSnapshot().connection.online);
    await until('events live again', () => store.getSnapshot().connection.events === 'live');
    expect(store.getSnapshot().connection.location).toBe(daemon.url);
    store.close();
  });
});

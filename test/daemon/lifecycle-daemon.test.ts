// The shipping lifecycle through the real daemon process and the CLI (issue: daemon, provisioning
// and the shipping lifecycle): every state shown by `floe status --json`, and the refusals.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { floe, floeJson } from '../support/daemon-process.js';
import { device, serve, sourceFolder, status, unlock } from './daemon-test-helpers.js';
import { sampleContent } from './offline-device.js';

describe('floe serve: the whole path', () => {
  it('provision -> serve -> unlock -> files -> lock -> restart -> facility unlock (seal verified) -> erase, status --json in every state', { timeout: 400_000 }, async () => {
    const dev = await device();
    let daemon = await serve(dev);
    expect(await status(dev)).toMatchObject({ state: 'PROVISIONED', snowballJobState: 'PreparingAppliance', unlocked: false, jobId: dev.jobId });

    const unlocked = await unlock(dev);
    expect(unlocked.stderr).toBe('');
    expect(JSON.parse(unlocked.stdout)).toMatchObject({ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true });
    expect(await status(dev)).toMatchObject({ state: 'ON_SITE', unlocked: true });

    // Ingest on site: a task over a folder, run to the end.
    const share = await sourceFolder(dev, 4);
    const task = await floeJson<{ TaskId: string }>(['task', 'create', '--data', dev.dataDir, '--name', 'share', '--source', `file://${share}`]);
    const started = await floeJson<{ TaskExecutionId: string }>(['task', 'start', '--data', dev.dataDir, task.TaskId]);
    const done = await floeJson<{ Status: string; FilesTransferred: number }>(['execution', 'wait', '--data', dev.dataDir, started.TaskExecutionId]);
    expect(done).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 4 });
    const stats = await floeJson<{ files: number; logicalBytes: number }>(['journal', 'stats', '--data', dev.dataDir]);
    expect(stats.files).toBe(4);
    expect(stats.logicalBytes).toBe([0, 1, 2, 3].reduce((n, i) => n + sampleContent(i).length, 0));

    const label = await floeJson<{ jobId: string; sealFingerprint: string; returnAddress: { city: string } }>(['lock', '--data', dev.dataDir]);
    expect(label.jobId).toBe(dev.jobId);
    expect(label.sealFingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(label.returnAddress.city).toBe('Seattle');
    expect(await status(dev)).toMatchObject({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false, sealFingerprint: label.sealFingerprint });
    const text = await floe(['label', '--data', dev.dataDir]);
    expect(text.stdout).toContain(`Seal:      ${label.sealFingerprint}\n`);

    // Shipped: the daemon stops and starts again at the facility.
    expect(await daemon.kill('SIGTERM')).toBe(0);
    daemon = await serve(dev);
    expect(await status(dev)).toMatchObject({ state: 'LOCKED', unlocked: false });
    const arrived = await unlock(dev);
    expect(arrived.status).toBe(0);
    expect(JSON.parse(arrived.stdout)).toMatchObject({ state: 'AT_FACILITY', snowballJobState: 'WithAWS', unlocked: true, sealFingerprint: label.sealFingerprint });
    const verify = await floeJson<{ ok: boolean; files: number; seals: Array<{ fingerprint: string; ok: boolean }> }>(['journal', 'verify', '--data', dev.dataDir]);
    expect(verify).toMatchObject({ ok: true, files: 4 });
    expect(verify.seals.at(-1)).toEqual(expect.objectContaining({ fingerprint: label.sealFingerprint, ok: true }));

    const unconfirmed = await floe(['erase', '--data', dev.dataDir, '--force']);
    expect(unconfirmed.status).toBe(2);
    expect(unconfirmed.stderr).toBe('floe: floe erase destroys every key and byte of the job and stdin is not a terminal to confirm it: add --yes [INVALID_ARGUMENT]\n');
    expect(await status(dev)).toMatchObject({ state: 'AT_FACILITY' });
    const refused = await floe(['erase', '--data', dev.dataDir, '--yes']);
    expect(refused.status).toBe(14);
    expect(refused.stderr).toBe('floe: erase applies after import (the device is AT_FACILITY); use --force to erase anyway [INVALID_STATE]\n');
    const erased = await floeJson<{ jobId: string; forced: boolean; filesOverwritten: number }>(['erase', '--data', dev.dataDir, '--force', '--yes']);
    expect(erased).toMatchObject({ jobId: dev.jobId, forced: true });
    expect(erased.filesOverwritten).toBeGreaterThan(3);
    expect(await status(dev)).toMatchObject({ state: 'ERASED', snowballJobState: 'Complete' });
    await expect(stat(join(dev.dataDir, 'journal'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses what does not apply, with one line and the error code', async () => {
    const dev = await device();
    await serve(dev);
    const lock = await floe(['lock', '--data', dev.dataDir]);
    expect([lock.status, lock.stderr]).toEqual([14, 'floe: lock applies on site (ON_SITE); the device is PROVISIONED [INVALID_STATE]\n']);
    const label = await floe(['label', '--data', dev.dataDir]);
    expect([label.status, label.stderr]).toEqual([14, 'floe: there is no shipping label in state PROVISIONED: the label exists once the device is locked [INVALID_STATE]\n']);
    const stats = await floe(['journal', 'stats', '--data', dev.dataDir]);
    expect([stats.status, stats.stderr]).toEqual([13, 'floe: the device holds no key: unlock it with the manifest and the unlock code [DEVICE_LOCKED]\n']);
    const missing = await floe(['unlock', '--data', dev.dataDir, '--manifest', join(dev.root, 'nope.bin'), '--code', dev.code]);
    expect([missing.status, missing.stderr]).toEqual([15, `floe: cannot read the manifest ${join(dev.root, 'nope.bin')}: ENOENT [MANIFEST_INVALID]\n`]);
    const noData = await floe(['status'], { FLOE_DATA: '' });
    expect([noData.status, noData.stderr]).toEqual([2, 'floe: say which device: --data DIR or FLOE_DATA=DIR [INVALID_ARGUMENT]\n']);
  });

  it('lock refuses while an execution runs, and --cancel-running cancels it and locks', async () => {
    const dev = await device();
    await serve(dev);
    expect((await unlock(dev)).status).toBe(0);
    const share = await sourceFolder(dev, 1, 8 * 1024 * 1024);
    await floeJson(['task', 'create', '--data', dev.dataDir, '--name', 'slow', '--source', `file://${share}`]);
    const run = await floeJson<{ TaskExecutionId: string }>(['task', 'start', '--data', dev.dataDir, 'slow', '--bytes-per-second', String(1024 * 1024)]);
    const refused = await floe(['lock', '--data', dev.dataDir]);
    expect([refused.status, refused.stderr]).toEqual([4, 'floe: 1 execution(s) running: wait for them, cancel them, or lock with --cancel-running [CONFLICT]\n']);
    expect(await status(dev)).toMatchObject({ state: 'ON_SITE', unlocked: true });
    const label = await floeJson<{ sealFingerprint: string }>(['lock', '--data', dev.dataDir, '--cancel-running']);
    expect(label.sealFingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(await status(dev)).toMatchObject({ state: 'LOCKED', unlocked: false });
    expect(run.TaskExecutionId).toMatch(/^exec-/);
  });

  it('a command with no daemon running says so in one line', async () => {
    const dev = await device();
    const r = await floe(['status', '--data', dev.dataDir]);
    expect(r.status).toBe(5);
    expect(r.stderr).toBe(`floe: no floe daemon is running for ${dev.dataDir}: start it with floe serve --data ${dev.dataDir} [UNAVAILABLE]\n`);
  });
});


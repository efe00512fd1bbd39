// The shipping lifecycle through the real daemon process and the CLI (issue: daemon, provisioning
// and the shipping lifecycle): every state shown by `floe status --json`, SIGKILL in every state,
// refusals at facility unlock, wrong codes, and what the data folder holds.
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FloeError } from '../../appliance/errors.js';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { appendRecordWithKey, importPhaseOffline, sampleContent, secretsOf, writeFilesOffline } from './offline-device.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function device(): Promise<ProvisionedDevice> {
  const dev = await provisionDevice();
  cleanups.push(dev.cleanup);
  return dev;
}

async function serve(dev: ProvisionedDevice, env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const d = await startDaemonProcess(dev.dataDir, env);
  cleanups.push(() => d.kill('SIGKILL'));
  return d;
}

interface Status {
  state: string;
  snowballJobState: string;
  unlocked: boolean;
  jobId: string;
  sealFingerprint?: string;
}

const status = (dev: ProvisionedDevice): Promise<Status> => floeJson<Status>(['status', '--data', dev.dataDir]);
const unlock = (dev: ProvisionedDevice) => floe(['unlock', '--data', dev.dataDir, '--manifest', dev.manifestPath, '--code', dev.code, '--json']);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe('floe serve: the whole path', () => {
  it('provision -> serve -> unlock -> files -> lock -> restart -> facility unlock (seal verified) -> erase, status --json in every state', async () => {
    const dev = await device();
    let daemon = await serve(dev);
    expect(await status(dev)).toMatchObject({ state: 'PROVISIONED', snowballJobState: 'PreparingAppliance', unlocked: false, jobId: dev.jobId });

    const unlocked = await unlock(dev);
    expect(unlocked.stderr).toBe('');
    expect(JSON.parse(unlocked.stdout)).toMatchObject({ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true });
    expect(await status(dev)).toMatchObject({ state: 'ON_SITE', unlocked: true });

    // Files reach the journal on site (the daemon is stopped meanwhile: one owner at a time).
    expect(await daemon.kill('SIGTERM')).toBe(0);
    await writeFilesOffline(dev, 4);
    daemon = await serve(dev);
    expect(await status(dev)).toMatchObject({ state: 'ON_SITE', unlocked: false });
    expect((await unlock(dev)).status).toBe(0);
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

    const refused = await floe(['erase', '--data', dev.dataDir]);
    expect(refused.status).toBe(14);
    expect(refused.stderr).toBe('floe: erase applies after import (the device is AT_FACILITY); use --force to erase anyway [INVALID_STATE]\n');
    const erased = await floeJson<{ jobId: string; forced: boolean; filesOverwritten: number }>(['erase', '--data', dev.dataDir, '--force']);
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

  it('a command with no daemon running says so in one line', async () => {
    const dev = await device();
    const r = await floe(['status', '--data', dev.dataDir]);
    expect(r.status).toBe(5);
    expect(r.stderr).toBe(`floe: no floe daemon is running for ${dev.dataDir}: start it with floe serve --data ${dev.dataDir} [UNAVAILABLE]\n`);
  });
});

describe('floe serve: SIGKILL in every state', () => {
  it('comes back holding no key, in the same state, with an intact journal', async () => {
    const dev = await device();
    const killAndRestart = async (d: DaemonProcess, state: string): Promise<DaemonProcess> => {
      expect(await d.kill('SIGKILL')).toBe('SIGKILL');
      const next = await serve(dev);
      expect(await status(dev)).toMatchObject({ state, unlocked: false });
      return next;
    };
    const verifyOk = async (files: number) => {
      expect(await floeJson(['journal', 'verify', '--data', dev.dataDir])).toMatchObject({ ok: true, files });
    };

    let d = await serve(dev);
    d = await killAndRestart(d, 'PROVISIONED');
    expect((await unlock(dev)).status).toBe(0);
    d = await killAndRestart(d, 'ON_SITE');
    await d.kill('SIGTERM');
    await writeFilesOffline(dev, 3);
    d = await serve(dev);
    expect((await unlock(dev)).status).toBe(0);
    await verifyOk(3);
    d = await killAndRestart(d, 'ON_SITE');
    expect((await unlock(dev)).status).toBe(0);
    await verifyOk(3);
    expect((await floe(['lock', '--data', dev.dataDir])).status).toBe(0);
    d = await killAndRestart(d, 'LOCKED');
    expect(JSON.parse((await unlock(dev)).stdout)).toMatchObject({ state: 'AT_FACILITY' }); // the seal check passed
    d = await killAndRestart(d, 'AT_FACILITY');
    await d.kill('SIGTERM');
    await importPhaseOffline(dev);
    d = await serve(dev);
    d = await killAndRestart(d, 'IMPORTING');
    expect((await unlock(dev)).status).toBe(0);
    await verifyOk(3);
    d = await killAndRestart(d, 'IMPORTING');
    await d.kill('SIGTERM');
    await importPhaseOffline(dev, { withErrors: false }).catch(async () => undefined);
    d = await serve(dev);
    expect((await status(dev)).state).toMatch(/^IMPORT(ED|ING)$/);
    expect((await unlock(dev)).status).toBe(0);
    await verifyOk(3);
    expect((await floe(['erase', '--data', dev.dataDir, '--force'])).status).toBe(0);
    expect(await d.kill('SIGKILL')).toBe('SIGKILL');
    await serve(dev);
    // An erased device keeps no token: only the public status answers.
    expect(await status(dev)).toEqual({ state: 'ERASED', snowballJobState: 'Complete', since: expect.any(String) });
  });
});

describe('floe serve: facility unlock refusals', () => {
  async function lockedWithFiles(): Promise<ProvisionedDevice> {
    const dev = await device();
    await writeFilesOffline(dev, 3);
    const d = await serve(dev);
    expect((await unlock(dev)).status).toBe(0);
    expect((await floe(['lock', '--data', dev.dataDir])).status).toBe(0);
    await d.kill('SIGTERM');
    return dev;
  }
  const segment = (dev: ProvisionedDevice) => join(dev.dataDir, 'journal', 'segments', '00000001.seg');

  const cases: Array<[string, (dev: ProvisionedDevice) => Promise<ProvisionedDevice>, number, RegExp]> = [
    ['one flipped byte in a segment', async (dev) => {
      const b = await readFile(segment(dev));
      b[b.length >> 1]! ^= 0x01;
      await writeFile(segment(dev), b);
      return dev;
    }, 16, /^floe: the journal does not match its seal: segment 1 .*(does not authenticate|damaged)/],
    ['a removed segment', async (dev) => {
      await rm(segment(dev));
      return dev;
    }, 16, /^floe: the journal does not match its seal: .*(missing|no seal)/],
    ['a truncated segment', async (dev) => {
      const b = await readFile(segment(dev));
      await writeFile(segment(dev), b.subarray(0, b.length - 100));
      return dev;
    }, 16, /^floe: the journal does not match its seal: /],
    ['records appended after the seal', async (dev) => {
      await appendRecordWithKey(dev);
      return dev;
    }, 16, /^floe: the journal does not match its seal: 1 records were appended after the seal \[SEAL_MISMATCH\]$/],
    ['a manifest field changed', async (dev) => {
      const m = await readFile(dev.manifestPath);
      m[m.length - 40]! ^= 0x01;
      const changed = join(dev.root, 'changed_manifest.bin');
      await writeFile(changed, m);
      return { ...dev, manifestPath: changed };
    }, 15, /^floe: .*manifest.* \[MANIFEST_INVALID\]$/],
    ['a manifest from another job', async (dev) => {
      const other = await device();
      return { ...dev, manifestPath: other.manifestPath, code: other.code };
    }, 15, /^floe: the manifest is for job JID[0-9a-f-]+; this device holds job JID[0-9a-f-]+ \[MANIFEST_WRONG_DEVICE\]$/],
  ];

  for (const [what, tamper, exit, message] of cases) {
    it(`refuses ${what} with a precise message, staying LOCKED with no key`, async () => {
      const dev = await lockedWithFiles();
      const used = await tamper(dev);
      await serve(dev);
      const r = await unlock(used);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.status).toBe(exit);
      expect(await status(dev)).toMatchObject({ state: 'LOCKED', unlocked: false });
    });
  }
});

describe('floe serve: wrong unlock codes', () => {
  it('20 wrong codes: growing delays, never a 5xx, state unchanged; then the right code works', async () => {
    const dev = await device();
    await writeFilesOffline(dev, 1);
    let d = await serve(dev);
    expect((await unlock(dev)).status).toBe(0);
    expect((await floe(['lock', '--data', dev.dataDir])).status).toBe(0);
    await d.kill('SIGTERM');
    const env = { FLOE_UNLOCK_BASE_DELAY_MS: '20', FLOE_UNLOCK_MAX_DELAY_MS: '640', FLOE_UNLOCK_RATE_PER_MINUTE: '6000' };
    d = await serve(dev, env);
    const manifest = (await readFile(dev.manifestPath)).toString('base64');
    const wrong = `${dev.code.slice(0, -1)}${dev.code.endsWith('A') ? 'B' : 'A'}`;
    const delays: number[] = [];
    let delayedAnswers = 0;
    for (let i = 0; i < 20; i++) {
      const err = (await d.client.post('/v1/unlock', { manifest, code: wrong }).catch((e: unknown) => e)) as FloeError;
      expect(err.code).toBe('WRONG_UNLOCK_CODE');
      const ms = Number(err.details?.retryAfterMs);
      delays.push(ms);
      if (ms > 0) {
        // An attempt inside the delay is answered 429 without checking the code.
        const early = (await d.client.post('/v1/unlock', { manifest, code: dev.code }).catch((e: unknown) => e)) as FloeError;
        expect(early.code).toBe('UNLOCK_DELAYED');
        delayedAnswers++;
      }
      if (i === 9) {
        // The count survives a restart: the delays go on growing from where they were.
        await d.kill('SIGKILL');
        d = await serve(dev, env);
        expect(await d.client.get('/v1/status')).toMatchObject({ state: 'LOCKED', failedUnlockAttempts: 10 });
      }
      await new Promise((r) => setTimeout(r, ms + 5));
    }
    expect(delays.slice(0, 3)).toEqual([0, 0, 0]);
    expect(delays.slice(3)).toEqual([20, 40, 80, 160, 320, 640, 640, 640, 640, 640, 640, 640, 640, 640, 640, 640, 640]);
    expect(delayedAnswers).toBe(17);
    expect(await status(dev)).toMatchObject({ state: 'LOCKED', unlocked: false });
    expect(JSON.parse((await unlock(dev)).stdout)).toMatchObject({ state: 'AT_FACILITY', unlocked: true });
  });
});

describe('floe serve: the data folder', () => {
  it('after lock and after exit holds no data key bytes, no unlock code and no manifest; the token file is 0600', async () => {
    const dev = await device();
    const d = await serve(dev);
    expect((await unlock(dev)).status).toBe(0);
    await d.kill('SIGTERM');
    await writeFilesOffline(dev, 3);
    const d2 = await serve(dev);
    expect((await unlock(dev)).status).toBe(0);
    expect((await floe(['lock', '--data', dev.dataDir])).status).toBe(0);
    const { dek, seed, manifest } = await secretsOf(dev);
    const check = async (when: string) => {
      const files = await filesUnder(dev.dataDir);
      expect(files.length).toBeGreaterThan(5);
      for (const f of files) {
        const bytes = await readFile(f);
        expect(bytes.includes(dek), `data key in ${f} ${when}`).toBe(false);
        expect(bytes.includes(seed), `device seed in ${f} ${when}`).toBe(false);
        expect(bytes.includes(Buffer.from(dev.code)), `unlock code in ${f} ${when}`).toBe(false);
        expect(bytes.includes(manifest.subarray(manifest.length - 64)), `manifest bytes in ${f} ${when}`).toBe(false);
        expect(bytes.includes(Buffer.from('sample file 0')), `plaintext in ${f} ${when}`).toBe(false);
      }
    };
    await check('after lock');
    expect(await d2.kill('SIGTERM')).toBe(0);
    await check('after exit');
    expect((await stat(join(dev.dataDir, 'device', 'api-token'))).mode & 0o777).toBe(0o600);
    await expect(stat(join(dev.dataDir, 'device', 'daemon.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

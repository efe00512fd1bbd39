// The daemon process under faults (issue: daemon, provisioning and the shipping lifecycle):
// SIGKILL in every state, refusals at facility unlock, wrong codes, what the data folder holds.
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FloeError } from '../../appliance/errors.js';
import { floe, floeJson, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { device, filesUnder, serve, status, unlock } from './daemon-test-helpers.js';
import { appendRecordWithKey, importPhaseOffline, secretsOf, writeFilesOffline } from './offline-device.js';

describe('floe serve: SIGKILL in every state', () => {
  it('comes back holding no key, in the same state, with an intact journal', { timeout: 400_000 }, async () => {
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
    expect((await floe(['erase', '--data', dev.dataDir, '--force', '--yes'])).status).toBe(0);
    expect(await d.kill('SIGKILL')).toBe('SIGKILL');
    await serve(dev);
    // An erased device keeps no token: only the public status answers.
    expect(await status(dev)).toEqual({ state: 'ERASED', snowballJobState: 'Complete', since: expect.any(String) });
  });
});

/** A device that was unlocked on site, holds `files` files, and was locked; its daemon stopped. */
async function lockedWithFiles(files = 3): Promise<ProvisionedDevice> {
  const dev = await device();
  await writeFilesOffline(dev, files);
  const d = await serve(dev);
  expect((await unlock(dev)).status).toBe(0);
  expect((await floe(['lock', '--data', dev.dataDir])).status).toBe(0);
  await d.kill('SIGTERM');
  return dev;
}

describe('floe serve: facility unlock refusals', () => {
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
      // unlock runs with --json: the error is one JSON object on stderr, {code, message, details?}.
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      const error = JSON.parse(r.stderr) as { code: string; message: string };
      expect(`floe: ${error.message} [${error.code}]`).toMatch(message);
      expect(r.status).toBe(exit);
      expect(await status(dev)).toMatchObject({ state: 'LOCKED', unlocked: false });
    });
  }
});

describe('floe serve: wrong unlock codes', () => {
  it('20 wrong codes: growing delays, never a 5xx, state unchanged; then the right code works', { timeout: 300_000 }, async () => {
    const dev = await lockedWithFiles(1);
    const env = { FLOE_UNLOCK_BASE_DELAY_MS: '20', FLOE_UNLOCK_MAX_DELAY_MS: '640', FLOE_UNLOCK_RATE_PER_MINUTE: '6000' };
    let d = await serve(dev, env);
    const manifest = (await readFile(dev.manifestPath)).toString('base64');
    const wrong = `${dev.code.slice(0, -1)}${dev.code.endsWith('A') ? 'B' : 'A'}`;
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      if (i === 9) {
        // The count survives a restart: the delays go on growing from where they were.
        await d.kill('SIGKILL');
        d = await serve(dev, env);
        expect(await d.client.get('/v1/status')).toMatchObject({ state: 'LOCKED', failedUnlockAttempts: 9 });
      }
      if (i === 19) {
        // The last delay long enough to try the right code inside it, however loaded the machine.
        await d.kill('SIGTERM');
        d = await serve(dev, { ...env, FLOE_UNLOCK_MAX_DELAY_MS: '5000' });
      }
      const err = (await d.client.post('/v1/unlock', { manifest, code: wrong }).catch((e: unknown) => e)) as FloeError;
      expect(err.code).toBe('WRONG_UNLOCK_CODE');
      const ms = Number(err.details?.retryAfterMs);
      delays.push(ms);
      if (i < 19) await new Promise((r) => setTimeout(r, ms + 5));
    }
    // Inside the delay even the right code is answered 429 without being checked.
    const early = (await d.client.post('/v1/unlock', { manifest, code: dev.code }).catch((e: unknown) => e)) as FloeError;
    expect(early.code).toBe('UNLOCK_DELAYED');
    expect(early.message).toMatch(/^too many wrong unlock codes: try again in [1-5] s$/);
    expect(delays).toEqual([0, 0, 0, 20, 40, 80, 160, 320, 640, 640, 640, 640, 640, 640, 640, 640, 640, 640, 640, 5000]);
    await new Promise((r) => setTimeout(r, 5005));
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

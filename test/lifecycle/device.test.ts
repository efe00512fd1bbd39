// The device lifecycle in process (the daemon-level tests start `floe serve`): unlock, lock with a
// seal, keys dropped, facility unlock checked against the seal, erase; refusals with clear errors.
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { JOB_LIFECYCLES } from '../../appliance/lifecycle/job-lifecycle.js';
import { provision } from '../../provisioning/provision.js';
import { tempDir } from '../journal/journal-fixtures.js';
import { FAST_SCRYPT, testJobSpec } from '../support/test-job.js';

const jobSpec = testJobSpec('lifecycle test');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function provisioned() {
  const t = await tempDir('floe-device-');
  cleanups.push(t.cleanup);
  const dataDir = join(t.dir, 'data');
  const outDir = join(t.dir, 'out');
  const p = await provision({ jobSpec, dataDir, outDir, scrypt: FAST_SCRYPT });
  const manifest = await readFile(p.manifestPath);
  return { dataDir, outDir, manifest, code: p.unlockCode as string, jobId: p.jobId as string, root: t.dir };
}

async function writeSample(device: Device, n = 5): Promise<void> {
  const j = device.journal();
  for (let i = 0; i < n; i++) {
    const data = Buffer.from(`sample file ${i}\n`.repeat(1000 * (i + 1)));
    await j.writeFile(
      { path: Buffer.from(`share/f${i}.txt`), type: 'file', mode: 0o644, uid: 1, gid: 1, size: data.length, atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, fsId: 1n, fileId: BigInt(i), nlink: 1, rdevMajor: 0, rdevMinor: 0 },
      (async function* () {
        yield data;
      })(),
    );
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe('device lifecycle', () => {
  it('goes PROVISIONED -> ON_SITE -> LOCKED -> AT_FACILITY -> IMPORTING -> IMPORTED -> ERASED, surviving reloads', async () => {
    const { dataDir, manifest, code, jobId } = await provisioned();
    let device = await Device.load(dataDir);
    expect(device.status()).toMatchObject({ state: 'PROVISIONED', unlocked: false, jobId });
    await device.unlock(manifest, code);
    expect(device.status()).toMatchObject({ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true });
    await writeSample(device);
    const label = await device.lock({});
    expect(label.jobId).toBe(jobId);
    expect(label.sealFingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(device.status()).toMatchObject({ state: 'LOCKED', unlocked: false, sealFingerprint: label.sealFingerprint });
    expect(() => device.journal()).toThrow(expect.objectContaining({ code: 'DEVICE_LOCKED' }));

    device = await Device.load(dataDir); // a restart
    expect(device.status()).toMatchObject({ state: 'LOCKED', unlocked: false });
    expect(device.label()).toEqual(label);
    await device.unlock(manifest, code);
    expect(device.status()).toMatchObject({ state: 'AT_FACILITY', snowballJobState: 'WithAWS', unlocked: true });
    expect((await device.journalStats()).files).toBe(5);
    await device.beginImport();
    await device.finishImport(false);
    expect(device.state).toBe('IMPORTED');
    const events: string[] = [];
    for await (const e of device.journal().events()) if (e.event.kind === 'lifecycle') events.push(`${e.event.from}->${e.event.to}`);
    expect(events).toEqual(['PROVISIONED->ON_SITE', 'ON_SITE->LOCKED', 'LOCKED->AT_FACILITY', 'AT_FACILITY->IMPORTING', 'IMPORTING->IMPORTED']);
    const record = await device.erase({});
    expect(record.filesOverwritten).toBeGreaterThan(3);
    expect(device.state).toBe('ERASED');
    device = await Device.load(dataDir);
    expect(device.status().state).toBe('ERASED');
    const left = (await filesUnder(dataDir)).map((f) => f.slice(dataDir.length + 1)).sort();
    expect(left).toEqual(['device/erase-record.json', 'device/lifecycle.json', 'device/tls-cert.pem']);
  });

  it('refuses transitions that do not apply, with clear errors', async () => {
    const { dataDir, manifest, code } = await provisioned();
    const device = await Device.load(dataDir);
    await expect(device.lock({})).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'lock applies on site (ON_SITE); the device is PROVISIONED' });
    await expect(device.erase({})).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'erase applies after import (the device is PROVISIONED); use --force to erase anyway' });
    expect(() => device.label()).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    await device.unlock(manifest, code);
    await expect(device.beginImport()).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'the device cannot go from ON_SITE to IMPORTING' });
    device.setExecutionControl({ running: () => 1, cancelAll: async () => undefined });
    await expect(device.lock({})).rejects.toMatchObject({ code: 'CONFLICT' });
    let cancelled = false;
    device.setExecutionControl({ running: () => (cancelled ? 0 : 1), cancelAll: async () => void (cancelled = true) });
    await device.lock({ cancelRunning: true });
    expect(cancelled).toBe(true);
    expect(device.state).toBe('LOCKED');
  });

  it('delays wrong codes more and more, across reloads, then accepts the right code', async () => {
    const { dataDir, manifest, code } = await provisioned();
    process.env.FLOE_UNLOCK_BASE_DELAY_MS = '20';
    process.env.FLOE_UNLOCK_MAX_DELAY_MS = '200';
    try {
      let device = await Device.load(dataDir);
      const wrong = code.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
      const delays: number[] = [];
      for (let i = 0; i < 8; i++) {
        device = await Device.load(dataDir);
        let err = await device.unlock(manifest, wrong).catch((e: unknown) => e as { code: string; details: { retryAfterSeconds: number } });
        while ((err as { code: string }).code === 'UNLOCK_DELAYED') {
          await new Promise((r) => setTimeout(r, 25));
          err = await device.unlock(manifest, wrong).catch((e: unknown) => e as { code: string; details: { retryAfterSeconds: number } });
        }
        expect((err as { code: string }).code).toBe('WRONG_UNLOCK_CODE');
        delays.push(device.status().failedUnlockAttempts);
      }
      expect(delays).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(device.status().state).toBe('PROVISIONED');
      const err = await device.unlock(manifest, code).catch((e: unknown) => e as { code: string });
      expect((err as { code: string }).code).toBe('UNLOCK_DELAYED');
      await new Promise((r) => setTimeout(r, 250));
      await device.unlock(manifest, code);
      expect(device.status()).toMatchObject({ state: 'ON_SITE', failedUnlockAttempts: 0 });
    } finally {
      delete process.env.FLOE_UNLOCK_BASE_DELAY_MS;
      delete process.env.FLOE_UNLOCK_MAX_DELAY_MS;
    }
  });

  it('refuses a manifest of another job', async () => {
    const a = await provisioned();
    const b = await provisioned();
    const device = await Device.load(a.dataDir);
    await expect(device.unlock(b.manifest, b.code)).rejects.toMatchObject({ code: 'MANIFEST_WRONG_DEVICE', message: `the manifest is for job ${b.jobId}; this device holds job ${a.jobId}` });
  });

  it('checks the manifest and the code in every state, and an unlocked device keeps its state and keys', async () => {
    const a = await provisioned();
    const b = await provisioned();
    const jobJson = Buffer.from(JSON.stringify(jobSpec));
    process.env.FLOE_UNLOCK_BASE_DELAY_MS = '0';
    const device = await Device.load(a.dataDir);
    const checked = new Set<string>();
    const refusals = async (unlocked: boolean) => {
      const before = device.status();
      checked.add(before.state);
      await expect(device.unlock(b.manifest, b.code)).rejects.toMatchObject({ code: 'MANIFEST_WRONG_DEVICE', message: `the manifest is for job ${b.jobId}; this device holds job ${a.jobId}` });
      await expect(device.unlock(jobJson, a.code)).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
      await expect(device.unlock(a.manifest, b.code)).rejects.toMatchObject({ code: 'WRONG_UNLOCK_CODE' });
      expect(device.status()).toMatchObject({ state: before.state, unlocked, jobId: a.jobId });
      if (unlocked) expect((await device.journalStats()).files).toBeGreaterThanOrEqual(0);
    };
    try {
      await refusals(false); // PROVISIONED
      await device.unlock(a.manifest, a.code);
      await refusals(true); // ON_SITE
      await writeSample(device, 2);
      expect(await device.unlock(a.manifest, a.code)).toMatchObject({ state: 'ON_SITE', unlocked: true });
      expect((await device.journalStats()).files).toBe(2);
      await device.lock({});
      await refusals(false); // LOCKED
      await device.unlock(a.manifest, a.code);
      await refusals(true); // AT_FACILITY
      await device.beginImport();
      await refusals(true); // IMPORTING
      await device.finishImport(true);
      await refusals(true); // IMPORTED_WITH_ERRORS
      await device.beginImport(); // import again
      await device.finishImport(false);
      await refusals(true); // IMPORTED
      await device.erase({});
      await expect(device.unlock(a.manifest, a.code)).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'the device was erased; it holds no job' });
      await expect(device.unlock(b.manifest, b.code)).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'the device was erased; it holds no job' });
      expect(device.status().state).toBe('ERASED');
      expect([...checked, 'ERASED'].sort()).toEqual([...JOB_LIFECYCLES.IMPORT.states].sort());
    } finally {
      delete process.env.FLOE_UNLOCK_BASE_DELAY_MS;
    }
  });

  const tamperings: Array<[string, (segDir: string) => Promise<void>, RegExp]> = [
    ['a flipped byte in a segment', async (d) => {
      const f = join(d, '00000001.seg');
      const b = await readFile(f);
      b[b.length >> 1]! ^= 0x40;
      await writeFile(f, b);
    }, /does not authenticate|damaged|chunk|missing/],
    ['a truncated segment', async (d) => {
      const f = join(d, '00000001.seg');
      const b = await readFile(f);
      await writeFile(f, b.subarray(0, b.length - 100));
    }, /not a whole record|seal/],
    ['a removed segment', async (d) => rm(join(d, '00000001.seg')), /missing|seal/],
    ['records appended after the seal', async (d) => {
      const f = join(d, '00000001.seg');
      const b = await readFile(f);
      await writeFile(f, Buffer.concat([b, b.subarray(64, 64 + 200)]));
    }, /./],
  ];

  for (const [what, tamper, pattern] of tamperings) {
    it(`refuses facility unlock after ${what}, and stays LOCKED holding no key`, async () => {
      const { dataDir, manifest, code } = await provisioned();
      let device = await Device.load(dataDir);
      await device.unlock(manifest, code);
      await writeSample(device, 3);
      await device.lock({});
      await tamper(join(dataDir, 'journal', 'segments'));
      device = await Device.load(dataDir);
      const err = (await device.unlock(manifest, code).catch((e: unknown) => e)) as { code: string; message: string; details: { problems: string[] } };
      expect(err.code).toBe('SEAL_MISMATCH');
      expect(err.message).toMatch(/^the journal does not match its seal: /);
      expect(err.details.problems.join('\n')).toMatch(pattern);
      expect(device.status()).toMatchObject({ state: 'LOCKED', unlocked: false });
    });
  }

  it('after lock and after exit the data folder holds no key bytes, no code and no manifest', async () => {
    const { dataDir, manifest, code, outDir } = await provisioned();
    const device = await Device.load(dataDir);
    await device.unlock(manifest, code);
    await writeSample(device);
    await device.lock({});
    await device.close();
    const { readManifest, openManifest } = await import('../../provisioning/manifest.js');
    const secrets = await openManifest(readManifest(manifest), code);
    const dek = secrets.dek.exportBytes();
    const seed = secrets.deviceKey.exportSeed();
    for (const f of await filesUnder(dataDir)) {
      const bytes = await readFile(f);
      expect(bytes.includes(dek), `DEK in ${f}`).toBe(false);
      expect(bytes.includes(seed), `device seed in ${f}`).toBe(false);
      expect(bytes.includes(Buffer.from(code)), `code in ${f}`).toBe(false);
      expect(bytes.includes(manifest.subarray(16, 80)), `manifest in ${f}`).toBe(false);
    }
    expect((await stat(join(dataDir, 'device', 'api-token'))).mode & 0o777).toBe(0o600);
    expect(outDir).not.toBe(dataDir);
  });
});

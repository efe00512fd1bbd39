// The device lifecycle by direction, in process (export-trip.test.ts runs the whole trip through
// the daemon): an EXPORT device's states, where lock, ingest, import, sync and restore apply, the
// label's addresses; a device and manifest from before EXPORT jobs (no jobType) are IMPORT and
// unlock as before; a manifest whose job type is not the device's is refused.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import { JOB_LIFECYCLES } from '../../appliance/lifecycle/job-lifecycle.js';
import { ImportService } from '../../appliance/transfer/import-service.js';
import { RestoreService } from '../../appliance/transfer/restore-service.js';
import { SyncService } from '../../appliance/transfer/sync-service.js';
import { encodeManifest, openManifest, readManifest } from '../../provisioning/manifest.js';
import { provisionDevice, type ProvisionedDevice } from '../support/daemon-process.js';
import { CUSTOMER, exportSpec, FACILITY, provisionExportDevice } from './export-jobs.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function exportDevice() {
  const dev = await provisionExportDevice();
  cleanups.push(dev.cleanup);
  const device = await Device.load(dev.dataDir);
  cleanups.push(() => device.close());
  return { dev, device, manifest: await readFile(dev.manifestPath) };
}

async function writeOne(device: Device): Promise<void> {
  const data = Buffer.from('exported\n');
  await device.journal().writeFile(
    { path: Buffer.from('data/a.txt'), type: 'file', mode: 0o644, uid: 1, gid: 1, size: data.length, atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, fsId: 1n, fileId: 1n, nlink: 1, rdevMajor: 0, rdevMinor: 0 },
    (async function* () {
      yield data;
    })(),
  );
}

describe('an EXPORT device', () => {
  it('goes PROVISIONED -> AT_FACILITY -> LOCKED -> ON_SITE -> RESTORED -> ERASED with the Snowball states of the way out', async () => {
    const { dev, manifest } = await exportDevice();
    let device = await Device.load(dev.dataDir);
    const seen = (): string => `${device.status().state}/${device.status().snowballJobState}`;
    const states = [seen()];
    expect(device.status()).toMatchObject({ jobType: 'EXPORT', unlocked: false });
    await device.unlock(manifest, dev.code);
    states.push(seen());
    await writeOne(device);
    const label = await device.lock({});
    states.push(seen());
    // The label follows the direction: to the customer, from the facility; the device returns to the facility.
    expect(label).toEqual({ jobId: dev.jobId, deviceId: device.identity.deviceId, jobType: 'EXPORT', shipTo: CUSTOMER, shipFrom: FACILITY, returnAddress: FACILITY, sealFingerprint: label.sealFingerprint, sealedAt: label.sealedAt });
    device = await Device.load(dev.dataDir); // shipped: a restart
    await device.unlock(manifest, dev.code); // the seal check
    states.push(seen());
    expect(device.label()).toEqual(label);
    await device.finishRestore(true);
    states.push(seen());
    await device.finishRestore(false);
    states.push(seen());
    const events: string[] = [];
    for await (const e of device.journal().events()) if (e.event.kind === 'lifecycle') events.push(`${e.event.from}->${e.event.to}`);
    expect(events).toEqual(['PROVISIONED->AT_FACILITY', 'AT_FACILITY->LOCKED', 'LOCKED->ON_SITE', 'ON_SITE->RESTORED_WITH_ERRORS', 'RESTORED_WITH_ERRORS->RESTORED']);
    const record = await device.erase({});
    states.push(seen());
    expect(record).toMatchObject({ jobId: dev.jobId, jobType: 'EXPORT', forced: false });
    expect(states).toEqual([
      'PROVISIONED/PreparingAppliance',
      'AT_FACILITY/InProgress',
      'LOCKED/InTransitToCustomer',
      'ON_SITE/WithCustomer',
      'RESTORED_WITH_ERRORS/Complete',
      'RESTORED/Complete',
      'ERASED/Complete',
    ]);
    expect((await Device.load(dev.dataDir)).status()).toMatchObject({ state: 'ERASED', jobType: 'EXPORT' });
  });

  it('refuses, with the direction in the message: lock on site, import and sync anywhere, restore at the facility, erase before the restore', async () => {
    const { dev, device, manifest } = await exportDevice();
    const imports = new ImportService(device);
    const sync = new SyncService(device);
    const restores = new RestoreService(device);
    cleanups.push(async () => {
      restores.close();
      await sync.close();
    });
    await device.unlock(manifest, dev.code);
    await writeOne(device);
    await expect(imports.start()).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'an EXPORT device imports nothing into AWS: its journal goes to the customer, restored on site (ON_SITE) with floe restore; the device is AT_FACILITY',
      details: { state: 'AT_FACILITY', jobType: 'EXPORT', action: 'import' },
    });
    await expect(sync.start({})).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'an EXPORT device has no destinations to sync to: its journal goes to the customer (floe restore, on site)' });
    await expect(restores.start({ target: `file://${dev.root}` })).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'restore runs only on site (ON_SITE) on an EXPORT device, after the seal check; the device is AT_FACILITY',
    });
    await expect(device.erase({})).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'erase applies after restore (the device is AT_FACILITY); use --force to erase anyway' });
    await expect(device.beginImport()).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'the device cannot go from AT_FACILITY to IMPORTING' });
    await device.lock({});
    await expect(device.lock({})).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'lock applies at the facility (AT_FACILITY) on an EXPORT device; the device is LOCKED' });
    await device.unlock(manifest, dev.code);
    expect(device.state).toBe('ON_SITE');
    await expect(device.lock({})).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'lock applies at the facility (AT_FACILITY) on an EXPORT device; the device is ON_SITE' });
    await expect(imports.start()).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'an EXPORT device imports nothing into AWS: its journal goes to the customer, restored on site (ON_SITE) with floe restore; the device is ON_SITE' });
    await expect(device.erase({})).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'erase applies after restore (the device is ON_SITE); use --force to erase anyway' });
  });

  it('the direction table: every state of a type has its Snowball state and transitions, and lock, unlock and the delivery stay inside the type', () => {
    for (const l of Object.values(JOB_LIFECYCLES)) {
      for (const state of l.states) {
        expect(l.snowballJobState[state], `${l.jobType} ${state}`).toBeDefined();
        for (const to of l.transitions[state] ?? []) expect(l.states, `${l.jobType} ${state} -> ${to}`).toContain(to);
      }
      expect(l.transitions.PROVISIONED).toContain(l.fillState);
      expect(l.transitions.LOCKED).toContain(l.arrivalState);
      expect(l.states).toEqual(expect.arrayContaining([l.deliveredState.clean, l.deliveredState.withErrors, ...l.delivered]));
    }
    expect(JOB_LIFECYCLES.EXPORT.snowballJobState).toMatchObject({ LOCKED: 'InTransitToCustomer', ON_SITE: 'WithCustomer', RESTORED: 'Complete' });
    expect(JOB_LIFECYCLES.IMPORT.snowballJobState).toMatchObject({ ON_SITE: 'WithCustomer', LOCKED: 'InTransitToAWS', AT_FACILITY: 'WithAWS', IMPORTING: 'InProgress', IMPORTED: 'Complete' });
  });
});

describe('devices and manifests from before EXPORT jobs', () => {
  /** Rewrites identity.json and the manifest without jobType, as floe wrote them before EXPORT jobs. */
  async function asBeforeExportJobs(dev: ProvisionedDevice): Promise<void> {
    const identityPath = join(dev.dataDir, 'device', 'identity.json');
    const { jobType: _i, ...identity } = JSON.parse(await readFile(identityPath, 'utf8')) as Record<string, unknown>;
    await writeFile(identityPath, `${JSON.stringify(identity, null, 2)}\n`);
    const manifest = readManifest(await readFile(dev.manifestPath));
    const secrets = await openManifest(manifest, dev.code);
    const { jobType: _m, ...config } = manifest.config;
    await writeFile(dev.manifestPath, await encodeManifest(config as typeof manifest.config, secrets, dev.code));
    secrets.dek.dispose();
  }

  it('an IMPORT device with no jobType anywhere unlocks ON_SITE and locks, imports and erases as before', async () => {
    const dev = await provisionDevice(undefined, 'floe-old-device-');
    cleanups.push(dev.cleanup);
    await asBeforeExportJobs(dev);
    expect(await readFile(dev.manifestPath, 'latin1')).not.toContain('jobType');
    let device = await Device.load(dev.dataDir);
    expect(device.status()).toMatchObject({ state: 'PROVISIONED', jobType: 'IMPORT' });
    await device.unlock(await readFile(dev.manifestPath), dev.code);
    expect(device.status()).toMatchObject({ state: 'ON_SITE', snowballJobState: 'WithCustomer', jobType: 'IMPORT' });
    await writeOne(device);
    const label = await device.lock({});
    expect(label).toMatchObject({ jobType: 'IMPORT', shipTo: label.returnAddress });
    expect('shipFrom' in label).toBe(false);
    device = await Device.load(dev.dataDir);
    await device.unlock(await readFile(dev.manifestPath), dev.code);
    expect(device.status()).toMatchObject({ state: 'AT_FACILITY', snowballJobState: 'WithAWS' });
    await device.finishRestore(false); // a restore on an IMPORT device is a recovery, not the job: no transition
    expect(device.state).toBe('AT_FACILITY');
    await device.beginImport();
    await device.finishImport(false);
    expect((await device.erase({})).forced).toBe(false);
  });

  it("checks the manifest and the code in every state of the way out: another job's manifest, a job spec, a wrong code; state and keys kept", async () => {
    const { dev, device, manifest } = await exportDevice();
    const other = await exportDevice();
    const otherManifest = other.manifest;
    const jobJson = Buffer.from(JSON.stringify(exportSpec('not a manifest', dev.facility)));
    const wrongCode = `${dev.code.slice(0, -1)}${dev.code.endsWith('A') ? 'B' : 'A'}`;
    process.env.FLOE_UNLOCK_BASE_DELAY_MS = '0';
    const checked = new Set<string>();
    let current = device;
    const refusals = async (unlocked: boolean) => {
      const before = current.status();
      checked.add(before.state);
      await expect(current.unlock(otherManifest, other.dev.code)).rejects.toMatchObject({ code: 'MANIFEST_WRONG_DEVICE', message: `the manifest is for job ${other.dev.jobId}; this device holds job ${dev.jobId}` });
      await expect(current.unlock(jobJson, dev.code)).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
      await expect(current.unlock(manifest, wrongCode)).rejects.toMatchObject({ code: 'WRONG_UNLOCK_CODE' });
      expect(current.status()).toMatchObject({ state: before.state, unlocked, jobId: dev.jobId, jobType: 'EXPORT' });
    };
    try {
      await refusals(false); // PROVISIONED
      await current.unlock(manifest, dev.code);
      await refusals(true); // AT_FACILITY
      await writeOne(current);
      await current.lock({});
      await refusals(false); // LOCKED
      current = await Device.load(dev.dataDir); // shipped: a restart
      cleanups.push(() => current.close());
      await refusals(false); // LOCKED, after the restart
      await current.unlock(manifest, dev.code); // the seal check
      await refusals(true); // ON_SITE
      await current.finishRestore(true);
      await refusals(true); // RESTORED_WITH_ERRORS
      await current.finishRestore(false);
      await refusals(true); // RESTORED
      await current.erase({});
      await expect(current.unlock(otherManifest, other.dev.code)).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'the device was erased; it holds no job' });
      expect([...checked, 'ERASED'].sort()).toEqual([...JOB_LIFECYCLES.EXPORT.states].sort());
    } finally {
      delete process.env.FLOE_UNLOCK_BASE_DELAY_MS;
    }
  });

  it("a manifest of another job type than the device's identity is refused before the code is tried", async () => {
    const { dev, device } = await exportDevice();
    const identityPath = join(dev.dataDir, 'device', 'identity.json');
    const identity = JSON.parse(await readFile(identityPath, 'utf8')) as Record<string, unknown>;
    await writeFile(identityPath, JSON.stringify({ ...identity, jobType: 'IMPORT' }));
    const flipped = await Device.load(dev.dataDir);
    await expect(flipped.unlock(await readFile(dev.manifestPath), dev.code)).rejects.toMatchObject({
      code: 'MANIFEST_WRONG_DEVICE',
      message: 'the manifest is for an EXPORT job; this device was provisioned for an IMPORT job',
    });
    expect(flipped.state).toBe('PROVISIONED');
    expect(device.state).toBe('PROVISIONED');
  });
});

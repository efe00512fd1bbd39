// Work done on a device's data folder while its daemon is stopped, as the tests need it: files
// written into the journal on site, the import phase moved on, a record slipped in after the seal.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { Journal } from '../../appliance/journal/journal.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { openManifest, readManifest } from '../../provisioning/manifest.js';
import type { ProvisionedDevice } from '../support/daemon-process.js';

export function sampleContent(i: number): Buffer {
  return Buffer.from(`sample file ${i}\n`.repeat(500 * (i + 1)));
}

/** Unlocks the device in this process and writes `n` files `share/f<i>.txt` (daemon stopped). */
export async function writeFilesOffline(dev: ProvisionedDevice, n: number): Promise<void> {
  const device = await Device.load(dev.dataDir);
  try {
    await device.unlock(await readFile(dev.manifestPath), dev.code);
    for (let i = 0; i < n; i++) {
      const data = sampleContent(i);
      await device.journal().writeFile(
        { path: Buffer.from(`share/f${i}.txt`), type: 'file', mode: 0o644, uid: 1000, gid: 1000, size: data.length, atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, fsId: 1n, fileId: BigInt(i + 1), nlink: 1, rdevMajor: 0, rdevMinor: 0 },
        (async function* () {
          yield data;
        })(),
      );
    }
  } finally {
    await device.close();
  }
}

/** Moves an AT_FACILITY device to IMPORTING, then (when `finish` is given) to IMPORTED[_WITH_ERRORS]. */
export async function importPhaseOffline(dev: ProvisionedDevice, finish?: { withErrors: boolean }): Promise<void> {
  const device = await Device.load(dev.dataDir);
  try {
    await device.unlock(await readFile(dev.manifestPath), dev.code);
    await device.beginImport();
    if (finish) await device.finishImport(finish.withErrors);
  } finally {
    await device.close();
  }
}

/** Appends one event record to the journal with the job's key, as someone holding the key could. */
export async function appendRecordWithKey(dev: ProvisionedDevice): Promise<void> {
  const secrets = await openManifest(readManifest(await readFile(dev.manifestPath)), dev.code);
  const journal = await Journal.open(join(dev.dataDir, 'journal'), new KeyRing(secrets.dek));
  await journal.appendEvent({ kind: 'note', text: 'added in transit' });
  await journal.close();
}

/** The DEK, the device seed and the manifest bytes: what must never be found on the device disk. */
export async function secretsOf(dev: ProvisionedDevice): Promise<{ dek: Buffer; seed: Buffer; manifest: Buffer }> {
  const manifest = await readFile(dev.manifestPath);
  const secrets = await openManifest(readManifest(manifest), dev.code);
  return { dek: secrets.dek.exportBytes(), seed: secrets.deviceKey.exportSeed(), manifest };
}

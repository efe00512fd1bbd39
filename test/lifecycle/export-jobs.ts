// EXPORT job specs and devices for the lifecycle tests: the facility folder (a mounted EFS, read
// as file://) named as the job's source, the customer's shipping address, the facility's return
// address.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provision } from '../../provisioning/provision.js';
import { FAST_SCRYPT, type ProvisionedDevice } from '../support/daemon-process.js';

export const CUSTOMER = { name: 'Field Station 4', company: 'Example Corp', street1: '1 Harbour Road', city: 'Tromso', postalCode: '9008', country: 'NO' };
export const FACILITY = { name: 'Receiving', street1: '1 Test Way', city: 'Seattle', stateOrProvince: 'WA', postalCode: '98101', country: 'US' };

/** An EXPORT job spec without jobType (the CLI's --job-type or the caller adds it). */
export function exportSpecWithoutType(description: string, facilityFolder: string): Record<string, unknown> {
  return { description, deviceType: 'SNC1_SSD', sources: [{ uri: `efs://${facilityFolder}` }], shippingAddress: CUSTOMER, returnAddress: FACILITY };
}

export function exportSpec(description: string, facilityFolder: string): Record<string, unknown> {
  return { jobType: 'EXPORT', ...exportSpecWithoutType(description, facilityFolder) };
}

/** A provisioned EXPORT device in a temp folder (cheap scrypt so unlocks are fast). */
export async function provisionExportDevice(prefix = 'floe-export-'): Promise<ProvisionedDevice & { facility: string }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const facility = join(root, 'facility');
  const p = await provision({ jobSpec: exportSpec('export test', facility), dataDir: join(root, 'data'), outDir: join(root, 'out'), scrypt: FAST_SCRYPT });
  return {
    root,
    facility,
    dataDir: join(root, 'data'),
    outDir: join(root, 'out'),
    manifestPath: p.manifestPath,
    code: p.unlockCode,
    jobId: p.jobId,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

// Opens a job manifest for this device (ARCHITECTURE.md, "Keys"): checks that the manifest names
// this device's job, id and public key before trying the code, then unwraps the job data key and
// the device signing key. The manifest format itself lives in provisioning/manifest.ts.
import type { SecretKey } from '../crypto/secret-key.js';
import type { SigningKey } from '../crypto/signing.js';
import { FloeError } from '../errors.js';
import { openManifest, readManifest } from '../../provisioning/manifest.js';
import { jobTypeOf, type JobType } from './job-lifecycle.js';

/** <data>/device/identity.json: the non-secret identity written at provisioning. */
export interface DeviceIdentity {
  readonly jobId: string;
  readonly deviceId: string;
  /** Ed25519 public key, hex. */
  readonly devicePublicKey: string;
  /** Absent on devices provisioned before EXPORT jobs: IMPORT. */
  readonly jobType?: JobType;
  readonly returnAddress: Readonly<Record<string, unknown>>;
  /** The customer's address (Snowball's shipping address): where an EXPORT device is shipped. */
  readonly shippingAddress?: Readonly<Record<string, unknown>>;
  readonly tlsCertificateFingerprint?: string;
  readonly destinations?: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export interface OpenedManifest {
  readonly dek: SecretKey;
  readonly deviceKey: SigningKey;
}

export async function openManifestForDevice(bytes: Buffer, code: string, identity: DeviceIdentity): Promise<OpenedManifest> {
  const manifest = readManifest(bytes);
  const m = manifest.config;
  if (m.jobId !== identity.jobId) {
    throw new FloeError('MANIFEST_WRONG_DEVICE', `the manifest is for job ${m.jobId}; this device holds job ${identity.jobId}`);
  }
  if (m.deviceId !== identity.deviceId || m.devicePublicKey !== identity.devicePublicKey) {
    throw new FloeError('MANIFEST_WRONG_DEVICE', `the manifest of job ${m.jobId} names device ${m.deviceId}, not this device (${identity.deviceId})`);
  }
  // identity.json is not authenticated; the manifest is: its job type decides the direction.
  if (jobTypeOf(m.jobType) !== jobTypeOf(identity.jobType)) {
    throw new FloeError('MANIFEST_WRONG_DEVICE', `the manifest is for an ${jobTypeOf(m.jobType)} job; this device was provisioned for an ${jobTypeOf(identity.jobType)} job`);
  }
  const opened = await openManifest(manifest, code);
  if (opened.deviceKey.publicKey.toString('hex') !== identity.devicePublicKey) {
    opened.dek.dispose();
    throw new FloeError('MANIFEST_WRONG_DEVICE', 'the manifest holds another device key than this device');
  }
  return opened;
}

// The non-secret state provisioning leaves on the device's disk, under <data>/device/
// (docs/manifest-format.md, §7). Nothing here opens the journal: the DEK and the device seed
// travel only inside the manifest.
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory } from '../appliance/fs-durable.js';
import type { DeviceId, JobId } from './job-ids.js';
import type { DestinationSpec, DeviceType, JobType, NotificationSpec, ReturnAddress } from './job-spec.js';

export const DEVICE_DIR = 'device';
export const IDENTITY_FILE = 'identity.json';
export const API_TOKEN_FILE = 'api-token';
export const TLS_CERT_FILE = 'tls-cert.pem';
export const TLS_KEY_FILE = 'tls-key.pem';
export const LIFECYCLE_FILE = 'lifecycle.json';
export const IDENTITY_FORMAT_VERSION = 1;

/** <data>/device/identity.json. */
export interface DeviceIdentityFile {
  readonly formatVersion: typeof IDENTITY_FORMAT_VERSION;
  readonly deviceId: DeviceId;
  readonly jobId: JobId;
  /** Absent on devices provisioned before EXPORT jobs: IMPORT. */
  readonly jobType: JobType;
  /** Ed25519 public key, 64 lowercase hex digits. */
  readonly devicePublicKey: string;
  /** SHA-256 of the DER TLS certificate, 64 lowercase hex digits. */
  readonly tlsCertificateFingerprint: string;
  readonly deviceType: DeviceType;
  readonly capacityBytes?: number;
  readonly returnAddress: ReturnAddress;
  /** EXPORT jobs: the customer's address, where the device is shipped once filled. */
  readonly shippingAddress?: ReturnAddress;
  /** IMPORT jobs: where the journal is imported. */
  readonly destinations?: readonly DestinationSpec[];
  /** EXPORT jobs: what is copied onto the device at the facility. */
  readonly sources?: readonly DestinationSpec[];
  readonly notification?: NotificationSpec;
  readonly provisionedAt: string;
}

export interface DeviceFiles {
  readonly identity: DeviceIdentityFile;
  readonly apiToken: string;
  readonly tlsCertificatePem: string;
  /** An access credential for the API endpoint, not a data key; stored 0600. */
  readonly tlsPrivateKeyPem: string;
  readonly provisionedAt: string;
}

/** Writes the device folder's files into `dir` (created 0700), each fsynced. */
export async function writeDeviceFiles(dir: string, files: DeviceFiles): Promise<void> {
  await mkdir(dir, { mode: 0o700 });
  await writeNewFile(join(dir, IDENTITY_FILE), `${JSON.stringify(files.identity, null, 2)}\n`, 0o644);
  await writeNewFile(join(dir, API_TOKEN_FILE), `${files.apiToken}\n`, 0o600);
  await writeNewFile(join(dir, TLS_KEY_FILE), files.tlsPrivateKeyPem, 0o600);
  await writeNewFile(join(dir, TLS_CERT_FILE), files.tlsCertificatePem, 0o644);
  // The lifecycle's starting state (ARCHITECTURE.md, "Lifecycle"); appliance/lifecycle owns it from here.
  await writeNewFile(join(dir, LIFECYCLE_FILE), `${JSON.stringify({ state: 'PROVISIONED', since: files.provisionedAt }, null, 2)}\n`, 0o644);
  await fsyncDirectory(dir);
}

/** Reads <data>/device/identity.json, or undefined when there is none. */
export async function readDeviceIdentity(dataDir: string): Promise<DeviceIdentityFile | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, DEVICE_DIR, IDENTITY_FILE), 'utf8')) as DeviceIdentityFile;
  } catch {
    return undefined;
  }
}

async function writeNewFile(path: string, content: string, mode: number): Promise<void> {
  const file = await open(path, 'wx', mode);
  try {
    await file.chmod(mode); // exact mode whatever the umask
    await file.writeFile(content, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
}

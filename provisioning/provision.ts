// Station side of a job (ARCHITECTURE.md, "Keys"): validate the job spec, make the job's
// identifiers and keys, write the manifest for the customer, and initialise the device's data
// directory with non-secret state only. The unlock code is returned once and stored nowhere.
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { createSelfSignedCertificate } from '../appliance/crypto/certificate.js';
import { DEFAULT_SCRYPT, type ScryptParams } from '../appliance/crypto/key-wrap.js';
import { KeyRing } from '../appliance/crypto/key-ring.js';
import { randomBytes } from '../appliance/crypto/random.js';
import { SigningKey } from '../appliance/crypto/signing.js';
import { FloeError } from '../appliance/errors.js';
import { fsyncDirectory } from '../appliance/fs-durable.js';
import { DEVICE_DIR, IDENTITY_FORMAT_VERSION, readDeviceIdentity, writeDeviceFiles } from './device-files.js';
import { newDeviceId, newJobId, type DeviceId, type JobId } from './job-ids.js';
import { JOB_TYPES, type JobType } from '../appliance/lifecycle/job-lifecycle.js';
import { parseJobSpec } from './job-spec.js';
import { writeManifest } from './manifest.js';
import { manifestConfigFromSpec } from './manifest-config.js';
import { generateUnlockCode, type UnlockCode } from './unlock-code.js';

export interface ProvisionOptions {
  /** The job spec, as parsed JSON; validated with parseJobSpec. */
  readonly jobSpec: unknown;
  /** The device's data directory: must be new or empty. */
  readonly dataDir: string;
  /** Where `<jobId>_manifest.bin` goes; must lie outside `dataDir`. */
  readonly outDir: string;
  readonly now?: Date;
  /** scrypt cost of the manifest's key wrapping; tests lower it. Default N=2^15, r=8, p=1. */
  readonly scrypt?: ScryptParams;
}

export interface ProvisionResult {
  readonly jobId: JobId;
  readonly deviceId: DeviceId;
  /** Shown once to the operator; never written anywhere. */
  readonly unlockCode: UnlockCode;
  readonly manifestPath: string;
  readonly devicePublicKey: string;
  readonly tlsCertificateFingerprint: string;
  readonly jobType: JobType;
}

const CERTIFICATE_BACKDATE_MS = 24 * 60 * 60 * 1000; // device clocks drift; accept a day early
const CERTIFICATE_LIFETIME_MS = 5 * 366 * 24 * 60 * 60 * 1000;

export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const spec = parseJobSpec(options.jobSpec);
  const now = options.now ?? new Date();
  const dataDir = resolve(options.dataDir);
  const outDir = resolve(options.outDir);
  const rel = relative(dataDir, outDir);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new FloeError('INVALID_ARGUMENT', `the manifest must not go into the device's data directory (${outDir} is inside ${dataDir}): keep it apart from the device`);
  }
  await checkDataDirIsEmpty(dataDir);
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await mkdir(outDir, { recursive: true });

  const jobId = newJobId();
  const deviceId = newDeviceId();
  const unlockCode = generateUnlockCode();
  const dek = KeyRing.generateDataKey();
  const deviceKey = SigningKey.generate();
  const devicePublicKey = deviceKey.publicKey.toString('hex');
  const certificate = createSelfSignedCertificate({
    commonName: `floe device ${deviceId}`,
    dnsNames: ['localhost', `${deviceId.toLowerCase()}.floe.local`],
    ipAddresses: ['127.0.0.1', '::1'],
    notBefore: new Date(now.getTime() - CERTIFICATE_BACKDATE_MS),
    notAfter: new Date(now.getTime() + CERTIFICATE_LIFETIME_MS),
  });
  const createdAt = now.toISOString();
  const scrypt = options.scrypt ?? DEFAULT_SCRYPT;
  const config = manifestConfigFromSpec(spec, {
    jobId,
    deviceId,
    devicePublicKey,
    tlsCertificateFingerprint: certificate.fingerprint,
    createdAt,
    kdf: { name: 'scrypt', N: scrypt.N, r: scrypt.r, p: scrypt.p },
  });

  // Stage the device folder next to its final place, then rename: a failure leaves no half state.
  const staging = await mkdtemp(join(dataDir, '.provisioning-'));
  let manifestPath: string | undefined;
  try {
    await writeDeviceFiles(join(staging, DEVICE_DIR), {
      identity: {
        formatVersion: IDENTITY_FORMAT_VERSION,
        deviceId,
        jobId,
        jobType: spec.jobType,
        devicePublicKey,
        tlsCertificateFingerprint: certificate.fingerprint,
        deviceType: spec.deviceType,
        ...(spec.capacityBytes === undefined ? {} : { capacityBytes: spec.capacityBytes }),
        returnAddress: spec.returnAddress,
        ...(spec.shippingAddress === undefined ? {} : { shippingAddress: spec.shippingAddress }),
        ...(spec.jobType === 'EXPORT' ? {} : { destinations: spec.destinations }),
        ...(spec.sources === undefined ? {} : { sources: spec.sources }),
        ...(spec.notification === undefined ? {} : { notification: spec.notification }),
        provisionedAt: createdAt,
      },
      apiToken: `floe_${randomBytes(32).toString('base64url')}`,
      tlsCertificatePem: certificate.certificatePem,
      tlsPrivateKeyPem: certificate.privateKeyPem,
      provisionedAt: createdAt,
    });
    manifestPath = await writeManifest(outDir, config, { dek, deviceKey }, unlockCode);
    await rename(join(staging, DEVICE_DIR), join(dataDir, DEVICE_DIR));
    await fsyncDirectory(dataDir);
  } catch (err) {
    if (manifestPath !== undefined) await rm(manifestPath, { force: true });
    throw err;
  } finally {
    dek.dispose();
    await rm(staging, { recursive: true, force: true });
  }
  return { jobId, deviceId, unlockCode, manifestPath, devicePublicKey, tlsCertificateFingerprint: certificate.fingerprint, jobType: spec.jobType };
}

/**
 * `floe provision --job-type T`: the job spec with jobType T. A spec that names another job type
 * is refused rather than overridden: one of the two is a mistake.
 */
export function withJobType(jobSpec: unknown, jobType: string): unknown {
  if (!(JOB_TYPES as readonly string[]).includes(jobType)) {
    throw new FloeError('INVALID_ARGUMENT', `--job-type: expected ${JOB_TYPES.join(' or ')}, got "${jobType}"`);
  }
  if (typeof jobSpec !== 'object' || jobSpec === null || Array.isArray(jobSpec)) return jobSpec; // parseJobSpec says what is wrong
  const named = (jobSpec as Record<string, unknown>).jobType;
  if (named !== undefined && named !== jobType) {
    throw new FloeError('INVALID_ARGUMENT', `the job spec says jobType ${JSON.stringify(named)} and --job-type says ${jobType}: change one of them`);
  }
  return { ...jobSpec, jobType };
}

/** Reads a job spec file: JSON, else JOB_SPEC_INVALID; a missing file is NOT_FOUND. */
export async function readJobSpecFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FloeError('NOT_FOUND', `job spec ${path} does not exist`, { cause: err });
    throw new FloeError('INVALID_ARGUMENT', `cannot read job spec ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FloeError('JOB_SPEC_INVALID', `${path} is not valid JSON: ${(err as Error).message}`, { cause: err, details: { field: '', problems: [] } });
  }
}

async function checkDataDirIsEmpty(dataDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new FloeError('CONFLICT', `data directory ${dataDir} is not a directory`, { cause: err });
    throw err;
  }
  if (entries.length === 0) return;
  const identity = await readDeviceIdentity(dataDir);
  if (identity !== undefined && typeof identity.jobId === 'string') {
    throw new FloeError('CONFLICT', `data directory ${dataDir} is already provisioned for job ${identity.jobId} (device ${identity.deviceId}); provision into a new or empty directory`, {
      details: { jobId: identity.jobId, deviceId: identity.deviceId },
    });
  }
  throw new FloeError('CONFLICT', `data directory ${dataDir} is not empty; provision into a new or empty directory`);
}

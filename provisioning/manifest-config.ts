// The manifest's public part: the job's non-secret configuration (docs/manifest-format.md, §3).
// It is readable without the unlock code and authenticated by the wrapped secret's AEAD.
import type { ScryptParams } from '../appliance/crypto/key-wrap.js';
import { canonicalJson } from './canonical-json.js';
import { isDeviceId, isJobId, type DeviceId, type JobId } from './job-ids.js';
import { JOB_SPEC_FIELDS, jobSpecProblems, type DestinationSpec, type DeviceType, type JobSpec, type JobType, type NotificationSpec, type ReturnAddress } from './job-spec.js';
import { Problems, isJsonObject, jsonTypeName, readInteger, rejectUnknownFields, type SpecProblem } from './spec-checks.js';

export interface ScryptKdf extends ScryptParams {
  readonly name: 'scrypt';
}

export interface ManifestConfig {
  readonly jobId: JobId;
  /** Read as IMPORT from a manifest made before EXPORT jobs, which has none (decodeConfig). */
  readonly jobType: JobType;
  readonly description?: string;
  readonly deviceId: DeviceId;
  readonly deviceType: DeviceType;
  readonly capacityBytes?: number;
  /** Ed25519 public key of the device identity, 64 lowercase hex digits. */
  readonly devicePublicKey: string;
  /** SHA-256 of the device's DER TLS certificate, 64 lowercase hex digits; clients pin it. */
  readonly tlsCertificateFingerprint: string;
  /** IMPORT jobs only (an EXPORT job imports nothing). */
  readonly destinations?: readonly DestinationSpec[];
  /** EXPORT jobs only: what is copied onto the device at the facility. */
  readonly sources?: readonly DestinationSpec[];
  readonly returnAddress: ReturnAddress;
  readonly shippingAddress?: ReturnAddress;
  readonly notification?: NotificationSpec;
  /** ISO 8601 UTC with milliseconds, e.g. 2025-01-02T03:04:05.678Z. */
  readonly createdAt: string;
  /** How the wrapping key is derived from the unlock code. */
  readonly kdf: ScryptKdf;
}

/** scrypt bounds a reader accepts: enough to refuse a manifest made to exhaust memory. */
export const SCRYPT_LIMITS = { minLog2N: 10, maxLog2N: 20, maxR: 32, maxP: 16 } as const;

const CONFIG_FIELDS = [
  'jobId',
  'jobType',
  'description',
  'deviceId',
  'deviceType',
  'capacityBytes',
  'devicePublicKey',
  'tlsCertificateFingerprint',
  'destinations',
  'sources',
  'returnAddress',
  'shippingAddress',
  'notification',
  'createdAt',
  'kdf',
] as const;
const SPEC_FIELDS = JOB_SPEC_FIELDS;
const HEX_256 = /^[0-9a-f]{64}$/u;

/** The canonical encoding that is stored and authenticated. */
export function encodeManifestConfig(config: ManifestConfig): Buffer {
  return Buffer.from(canonicalJson(config as unknown as Parameters<typeof canonicalJson>[0]), 'utf8');
}

/** Builds a config from a validated job spec and the values provisioning made. */
export function manifestConfigFromSpec(
  spec: JobSpec,
  made: Pick<ManifestConfig, 'jobId' | 'deviceId' | 'devicePublicKey' | 'tlsCertificateFingerprint' | 'createdAt' | 'kdf'>,
): ManifestConfig {
  return {
    jobId: made.jobId,
    jobType: spec.jobType,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    deviceId: made.deviceId,
    deviceType: spec.deviceType,
    ...(spec.capacityBytes === undefined ? {} : { capacityBytes: spec.capacityBytes }),
    devicePublicKey: made.devicePublicKey,
    tlsCertificateFingerprint: made.tlsCertificateFingerprint,
    // An EXPORT manifest carries its sources instead: no empty destinations a reader could take for an IMPORT.
    ...(spec.jobType === 'EXPORT' ? {} : { destinations: spec.destinations }),
    ...(spec.sources === undefined ? {} : { sources: spec.sources }),
    returnAddress: spec.returnAddress,
    ...(spec.shippingAddress === undefined ? {} : { shippingAddress: spec.shippingAddress }),
    ...(spec.notification === undefined ? {} : { notification: spec.notification }),
    createdAt: made.createdAt,
    kdf: made.kdf,
  };
}

/** Every problem of a decoded config, with field paths; empty when it is valid. */
export function manifestConfigProblems(value: unknown): SpecProblem[] {
  const problems = new Problems();
  if (!isJsonObject(value)) {
    problems.add('', `expected an object, got ${jsonTypeName(value)}`);
    return problems.list;
  }
  rejectUnknownFields(problems, '', value, CONFIG_FIELDS, 'manifest');
  if (!isJobId(value.jobId)) problems.add('jobId', 'expected JID followed by a UUID');
  if (!isDeviceId(value.deviceId)) problems.add('deviceId', 'expected DEV followed by 24 hex digits');
  for (const key of ['devicePublicKey', 'tlsCertificateFingerprint'] as const) {
    if (typeof value[key] !== 'string' || !HEX_256.test(value[key])) problems.add(key, 'expected 64 lowercase hex digits');
  }
  const createdAt = value.createdAt;
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || new Date(createdAt).toISOString() !== createdAt) {
    problems.add('createdAt', 'expected an ISO 8601 UTC time like 2025-01-02T03:04:05.678Z');
  }
  checkKdf(problems, value.kdf);
  // The job's own fields follow the job spec's rules, so a manifest says nothing a spec could not.
  const spec: Record<string, unknown> = {};
  for (const key of SPEC_FIELDS) if (key in value) spec[key] = value[key];
  for (const p of jobSpecProblems(spec)) problems.add(p.field, p.message);
  return problems.list;
}

function checkKdf(problems: Problems, kdf: unknown): void {
  if (!isJsonObject(kdf)) {
    problems.add('kdf', `expected an object, got ${jsonTypeName(kdf)}`);
    return;
  }
  rejectUnknownFields(problems, 'kdf', kdf, ['name', 'N', 'r', 'p'], 'kdf');
  if (kdf.name !== 'scrypt') problems.add('kdf.name', 'expected "scrypt"');
  const n = readInteger(problems, kdf, 'kdf', 'N', { required: true, min: 2 });
  const { minLog2N, maxLog2N, maxR, maxP } = SCRYPT_LIMITS;
  if (n !== undefined && (!Number.isInteger(Math.log2(n)) || n < 2 ** minLog2N || n > 2 ** maxLog2N)) {
    problems.add('kdf.N', `must be a power of two from 2^${minLog2N} to 2^${maxLog2N}, got ${n}`);
  }
  const r = readInteger(problems, kdf, 'kdf', 'r', { required: true, min: 1 });
  if (r !== undefined && r > maxR) problems.add('kdf.r', `must be at most ${maxR}, got ${r}`);
  const p = readInteger(problems, kdf, 'kdf', 'p', { required: true, min: 1 });
  if (p !== undefined && p > maxP) problems.add('kdf.p', `must be at most ${maxP}, got ${p}`);
}

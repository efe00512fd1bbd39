// Identifiers made at provisioning. Branded so a job id and a device id cannot be mixed up.
import { randomBytes, randomId } from '../appliance/crypto/random.js';

declare const jobIdBrand: unique symbol;
declare const deviceIdBrand: unique symbol;

/** Snowball style: `JID` followed by a UUID, e.g. `JID123e4567-e89b-42d3-a456-426655440000`. */
export type JobId = string & { readonly [jobIdBrand]: true };
/** `DEV` followed by 24 lowercase hex digits (96 random bits). */
export type DeviceId = string & { readonly [deviceIdBrand]: true };

const JOB_ID = /^JID[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u;
const DEVICE_ID = /^DEV[0-9a-f]{24}$/u;

export function newJobId(): JobId {
  return `JID${randomId()}` as JobId;
}

export function newDeviceId(): DeviceId {
  return `DEV${randomBytes(12).toString('hex')}` as DeviceId;
}

export function isJobId(value: unknown): value is JobId {
  return typeof value === 'string' && JOB_ID.test(value);
}

export function isDeviceId(value: unknown): value is DeviceId {
  return typeof value === 'string' && DEVICE_ID.test(value);
}

/** The manifest's file name carries the job id, as Snowball's does. */
export function manifestFileName(jobId: JobId): string {
  return `${jobId}_manifest.bin`;
}

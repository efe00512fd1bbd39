// The device lifecycle of ARCHITECTURE.md ("Lifecycle", "The way back"): its states and what the
// daemon reports about them. The rules per direction (IMPORT, EXPORT) are in job-lifecycle.ts.
import type { JobType } from './job-lifecycle.js';

export type LifecycleState =
  | 'PROVISIONED'
  | 'ON_SITE'
  | 'LOCKED'
  | 'AT_FACILITY'
  | 'IMPORTING'
  | 'IMPORTED'
  | 'IMPORTED_WITH_ERRORS'
  | 'RESTORED'
  | 'RESTORED_WITH_ERRORS'
  | 'ERASED';

/** Every state of either direction; which a device goes through is its job type's (job-lifecycle.ts). */
export const LIFECYCLE_STATES: readonly LifecycleState[] = ['PROVISIONED', 'ON_SITE', 'LOCKED', 'AT_FACILITY', 'IMPORTING', 'IMPORTED', 'IMPORTED_WITH_ERRORS', 'RESTORED', 'RESTORED_WITH_ERRORS', 'ERASED'];

export type Address = Readonly<Record<string, unknown>>;

export interface ShippingLabel {
  readonly jobId: string;
  readonly deviceId: string;
  /** Absent from a daemon older than EXPORT jobs: IMPORT. */
  readonly jobType?: JobType;
  /** Where the device goes now: the facility for IMPORT, the customer for EXPORT. */
  readonly shipTo?: Address;
  /** Where it comes from, when the job names it: the customer's site (IMPORT), the facility (EXPORT). */
  readonly shipFrom?: Address;
  /** Where the device goes back to at the end of the job: the facility. */
  readonly returnAddress: Address;
  readonly sealFingerprint: string;
  readonly sealedAt: string;
}

export interface DeviceStatus {
  readonly state: LifecycleState;
  readonly snowballJobState: string;
  readonly since: string;
  readonly jobId: string;
  /** IMPORT or EXPORT; absent from a daemon older than EXPORT jobs, which did IMPORT only. */
  readonly jobType?: JobType;
  readonly deviceId: string;
  /** Whether the daemon holds the job's keys now (never after a restart until unlocked). */
  readonly unlocked: boolean;
  readonly sealFingerprint?: string;
  /** Seconds until another unlock attempt is allowed (0 when allowed now). */
  readonly unlockRetryAfterSeconds: number;
  readonly failedUnlockAttempts: number;
}

export interface UnlockProgress {
  readonly phase: 'manifest' | 'journal' | 'seal-check';
  readonly bytesScanned?: number;
  readonly totalBytes?: number;
}

// The device lifecycle of ARCHITECTURE.md ("Lifecycle") and how it maps onto Snowball job states.

export type LifecycleState = 'PROVISIONED' | 'ON_SITE' | 'LOCKED' | 'AT_FACILITY' | 'IMPORTING' | 'IMPORTED' | 'IMPORTED_WITH_ERRORS' | 'ERASED';

export const LIFECYCLE_STATES: readonly LifecycleState[] = ['PROVISIONED', 'ON_SITE', 'LOCKED', 'AT_FACILITY', 'IMPORTING', 'IMPORTED', 'IMPORTED_WITH_ERRORS', 'ERASED'];

/** The Snowball job state a person at AWS would use for each lifecycle state (DOMAIN.md). */
export const SNOWBALL_JOB_STATE: Record<LifecycleState, string> = {
  PROVISIONED: 'PreparingAppliance',
  ON_SITE: 'WithCustomer',
  LOCKED: 'InTransitToAWS',
  AT_FACILITY: 'WithAWS',
  IMPORTING: 'InProgress',
  IMPORTED: 'Complete',
  IMPORTED_WITH_ERRORS: 'Complete',
  ERASED: 'Complete',
};

/** Allowed transitions; anything else is refused with INVALID_STATE. */
export const TRANSITIONS: Record<LifecycleState, readonly LifecycleState[]> = {
  PROVISIONED: ['ON_SITE', 'ERASED'],
  ON_SITE: ['LOCKED', 'ERASED'],
  LOCKED: ['AT_FACILITY', 'ERASED'],
  AT_FACILITY: ['IMPORTING', 'ERASED'],
  IMPORTING: ['IMPORTED', 'IMPORTED_WITH_ERRORS', 'ERASED'],
  IMPORTED: ['IMPORTING', 'ERASED'],
  IMPORTED_WITH_ERRORS: ['IMPORTING', 'ERASED'],
  ERASED: [],
};

export interface ShippingLabel {
  readonly jobId: string;
  readonly deviceId: string;
  readonly returnAddress: Readonly<Record<string, unknown>>;
  readonly sealFingerprint: string;
  readonly sealedAt: string;
}

export interface DeviceStatus {
  readonly state: LifecycleState;
  readonly snowballJobState: string;
  readonly since: string;
  readonly jobId: string;
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

// The device lifecycle by direction (ARCHITECTURE.md, "Lifecycle" and "The way back"). A job's
// Snowball type says which way its data travels: IMPORT fills the journal on site and imports it
// at the facility; EXPORT fills it at the facility and restores it on site. One table per type
// names its states, its transitions, where it is filled and where it arrives, and in which states
// ingest, import, online sync and restore run. The device, the task, import, sync and restore
// services and the UI's hints all read this table, so a direction is an entry here, not a copy of
// the rules; and every refusal's message comes from one place.
import { FloeError } from '../errors.js';
import type { LifecycleState } from './lifecycle-state.js';

/** Snowball's job types floe runs (DOMAIN.md); LOCAL_USE is not one of them. */
export const JOB_TYPES = ['IMPORT', 'EXPORT'] as const;
export type JobType = (typeof JOB_TYPES)[number];
/** A job spec, manifest or device identity without a jobType is from before EXPORT jobs: IMPORT. */
export const DEFAULT_JOB_TYPE: JobType = 'IMPORT';

export function jobTypeOf(value: unknown): JobType {
  return value === 'EXPORT' ? 'EXPORT' : DEFAULT_JOB_TYPE;
}

/** What runs on an unlocked device: ingest into the journal, out of it to AWS (import, online sync) or to the customer (restore). */
export type LifecycleAction = 'ingest' | 'import' | 'sync' | 'restore';

export interface JobLifecycle {
  readonly jobType: JobType;
  /** The states a device of this type goes through, in order. */
  readonly states: readonly LifecycleState[];
  /** Allowed transitions; anything else is refused with INVALID_STATE. */
  readonly transitions: Readonly<Partial<Record<LifecycleState, readonly LifecycleState[]>>>;
  /** The Snowball job state a person at AWS would use for each state (DOMAIN.md). */
  readonly snowballJobState: Readonly<Partial<Record<LifecycleState, string>>>;
  /** Where the first unlock takes the device, where it is filled and then locked and sealed. */
  readonly fillState: LifecycleState;
  /** Where an unlock of the LOCKED device takes it once the whole journal matches the seal. */
  readonly arrivalState: LifecycleState;
  /** The states in which each action runs (with the keys); `with-keys`: wherever the device holds them. */
  readonly runs: Readonly<Record<LifecycleAction, readonly LifecycleState[] | 'with-keys' | 'never'>>;
  /** What the job does with its journal at its end, for messages: "import" or "restore". */
  readonly delivery: 'import' | 'restore';
  /** The states in which the job's delivery is done: erase needs no --force there. */
  readonly delivered: readonly LifecycleState[];
  /** Where a delivery that ran to its end takes the device, without and with failed files. */
  readonly deliveredState: { readonly clean: LifecycleState; readonly withErrors: LifecycleState };
}

const IMPORT: JobLifecycle = {
  jobType: 'IMPORT',
  states: ['PROVISIONED', 'ON_SITE', 'LOCKED', 'AT_FACILITY', 'IMPORTING', 'IMPORTED', 'IMPORTED_WITH_ERRORS', 'ERASED'],
  transitions: {
    PROVISIONED: ['ON_SITE', 'ERASED'],
    ON_SITE: ['LOCKED', 'ERASED'],
    LOCKED: ['AT_FACILITY', 'ERASED'],
    AT_FACILITY: ['IMPORTING', 'ERASED'],
    IMPORTING: ['IMPORTED', 'IMPORTED_WITH_ERRORS', 'ERASED'],
    IMPORTED: ['IMPORTING', 'ERASED'],
    IMPORTED_WITH_ERRORS: ['IMPORTING', 'ERASED'],
    ERASED: [],
  },
  snowballJobState: {
    PROVISIONED: 'PreparingAppliance',
    ON_SITE: 'WithCustomer',
    LOCKED: 'InTransitToAWS',
    AT_FACILITY: 'WithAWS',
    IMPORTING: 'InProgress',
    IMPORTED: 'Complete',
    IMPORTED_WITH_ERRORS: 'Complete',
    ERASED: 'Complete',
  },
  fillState: 'ON_SITE',
  arrivalState: 'AT_FACILITY',
  runs: {
    ingest: ['ON_SITE'],
    sync: ['ON_SITE'],
    import: ['AT_FACILITY', 'IMPORTING', 'IMPORTED', 'IMPORTED_WITH_ERRORS'],
    // A restore of a recovery point works wherever the journal is open (docs/restore.md).
    restore: 'with-keys',
  },
  delivery: 'import',
  delivered: ['IMPORTED', 'IMPORTED_WITH_ERRORS'],
  deliveredState: { clean: 'IMPORTED', withErrors: 'IMPORTED_WITH_ERRORS' },
};

const EXPORT: JobLifecycle = {
  jobType: 'EXPORT',
  states: ['PROVISIONED', 'AT_FACILITY', 'LOCKED', 'ON_SITE', 'RESTORED', 'RESTORED_WITH_ERRORS', 'ERASED'],
  transitions: {
    PROVISIONED: ['AT_FACILITY', 'ERASED'],
    AT_FACILITY: ['LOCKED', 'ERASED'],
    LOCKED: ['ON_SITE', 'ERASED'],
    ON_SITE: ['RESTORED', 'RESTORED_WITH_ERRORS', 'ERASED'],
    // Restoring again (another share, or after fixing what failed) ends in one of the two again.
    RESTORED: ['RESTORED_WITH_ERRORS', 'ERASED'],
    RESTORED_WITH_ERRORS: ['RESTORED', 'ERASED'],
    ERASED: [],
  },
  snowballJobState: {
    PROVISIONED: 'PreparingAppliance',
    AT_FACILITY: 'InProgress',
    LOCKED: 'InTransitToCustomer',
    ON_SITE: 'WithCustomer',
    RESTORED: 'Complete',
    RESTORED_WITH_ERRORS: 'Complete',
    ERASED: 'Complete',
  },
  fillState: 'AT_FACILITY',
  arrivalState: 'ON_SITE',
  runs: {
    ingest: ['AT_FACILITY'],
    sync: 'never',
    import: 'never',
    restore: ['ON_SITE', 'RESTORED', 'RESTORED_WITH_ERRORS'],
  },
  delivery: 'restore',
  delivered: ['RESTORED', 'RESTORED_WITH_ERRORS'],
  deliveredState: { clean: 'RESTORED', withErrors: 'RESTORED_WITH_ERRORS' },
};

export const JOB_LIFECYCLES: Readonly<Record<JobType, JobLifecycle>> = { IMPORT, EXPORT };

export function lifecycleOf(jobType: JobType | undefined): JobLifecycle {
  return JOB_LIFECYCLES[jobType ?? DEFAULT_JOB_TYPE];
}

/** Whether `action` runs in `state` on a device of `jobType` (holding its keys is checked apart). */
export function actionRuns(jobType: JobType | undefined, action: LifecycleAction, state: LifecycleState): boolean {
  const runs = lifecycleOf(jobType).runs[action];
  return runs === 'with-keys' ? true : runs === 'never' ? false : runs.includes(state);
}

/** "on site (ON_SITE)" or "at the facility (AT_FACILITY)". */
export function placeOf(state: LifecycleState): string {
  if (state === 'ON_SITE') return 'on site (ON_SITE)';
  if (state === 'AT_FACILITY') return 'at the facility (AT_FACILITY)';
  return `in ${state}`;
}

/** " on an EXPORT device" where the rule differs from the IMPORT one every floe user knows; "" on IMPORT. */
function onDevice(l: JobLifecycle): string {
  return l.jobType === DEFAULT_JOB_TYPE ? '' : ` on an ${l.jobType} device`;
}

/**
 * Why `action` does not run now, as the INVALID_STATE error to throw, or undefined when it runs.
 * The IMPORT messages are the ones floe always gave.
 */
export function actionRefusal(jobType: JobType | undefined, action: LifecycleAction, state: LifecycleState): FloeError | undefined {
  return actionRuns(jobType, action, state) ? undefined : refusalOf(jobType, action, state);
}

/** The INVALID_STATE error saying where `action` runs, built whether or not it runs in `state`. */
export function refusalOf(jobType: JobType | undefined, action: LifecycleAction, state: LifecycleState): FloeError {
  const l = lifecycleOf(jobType);
  const details = { state, jobType: l.jobType, action };
  const refuse = (message: string, extra: Record<string, unknown> = {}): FloeError => new FloeError('INVALID_STATE', message, { details: { ...details, ...extra } });
  switch (action) {
    case 'ingest': {
      const hint = l.delivery === 'restore' && actionRuns(jobType, 'restore', state) ? ": on site it restores into the customer's share (floe restore)" : '';
      return refuse(`ingest runs only ${placeOf(l.fillState)}${onDevice(l)}; the device is ${state}${hint}`);
    }
    case 'sync':
      if (l.runs.sync === 'never') return refuse(`an ${l.jobType} device has no destinations to sync to: its journal goes to the customer (floe restore, on site)`);
      return refuse(`online sync runs on site (ON_SITE); the device is ${state}${state === 'AT_FACILITY' || state.startsWith('IMPORT') ? ': use floe import' : ''}`);
    case 'import':
      if (l.runs.import === 'never') {
        return refuse(`an ${l.jobType} device imports nothing into AWS: its journal goes to the customer, restored on site (ON_SITE) with floe restore; the device is ${state}`);
      }
      if (state === 'ON_SITE') return refuse('import runs at the facility (AT_FACILITY, after the seal check); on site use floe sync to transfer online');
      if (state === 'LOCKED') return refuse('import runs at the facility after the seal check: unlock the device there first (floe unlock --manifest FILE --code CODE)');
      return refuse(`import runs at the facility (AT_FACILITY, after the seal check); the device is ${state}`);
    case 'restore':
      return refuse(`restore runs only ${placeOf(l.arrivalState)}${onDevice(l)}, after the seal check; the device is ${state}`);
  }
}

/** Throws the refusal of `action` in `state`, if any. */
export function checkAction(jobType: JobType | undefined, action: LifecycleAction, state: LifecycleState): void {
  const refusal = actionRefusal(jobType, action, state);
  if (refusal !== undefined) throw refusal;
}

export function lockRefusal(jobType: JobType | undefined, state: LifecycleState): FloeError | undefined {
  const l = lifecycleOf(jobType);
  if (state === l.fillState) return undefined;
  return new FloeError('INVALID_STATE', `lock applies ${placeOf(l.fillState)}${onDevice(l)}; the device is ${state}`);
}

export function eraseRefusal(jobType: JobType | undefined, state: LifecycleState, force: boolean): FloeError | undefined {
  const l = lifecycleOf(jobType);
  if (state === 'ERASED') return new FloeError('INVALID_STATE', 'the device is already erased');
  if (l.delivered.includes(state) || force) return undefined;
  return new FloeError('INVALID_STATE', `erase applies after ${l.delivery} (the device is ${state}); use --force to erase anyway`);
}

/** Whether a shipping label exists: once the device was locked, until it is erased. */
export function hasLabel(jobType: JobType | undefined, state: LifecycleState): boolean {
  const l = lifecycleOf(jobType);
  return state !== 'PROVISIONED' && state !== l.fillState && state !== 'ERASED';
}

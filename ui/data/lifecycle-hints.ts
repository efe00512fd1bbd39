// What the technician can do next, in words that fit the device's lifecycle state, its job's
// direction (IMPORT or EXPORT) and whether the daemon holds the job's keys. The rules are the
// daemon's, not the UI's: they come from appliance/lifecycle/job-lifecycle.ts, which the daemon's
// device, task, import and restore services read too:
//   ingest (tasks) runs where the job fills the journal (ON_SITE for IMPORT, AT_FACILITY for
//     EXPORT), with the keys; lock applies there;
//   unlock in LOCKED checks the whole journal against the seal and only then goes to the arrival
//     state (AT_FACILITY for IMPORT, ON_SITE for EXPORT), so every state after LOCKED has passed it;
//   import runs AT_FACILITY, IMPORTING, IMPORTED and IMPORTED_WITH_ERRORS on an IMPORT device and
//     never on an EXPORT device; an EXPORT device restores ON_SITE (and again once RESTORED);
//   verify and the journal's numbers need the keys (device.ts, journal());
//   erase applies after the delivery (import, or restore); an ERASED device holds no job.
import { actionRuns, lifecycleOf, placeOf, type JobType } from '../../appliance/lifecycle/job-lifecycle.js';
import type { LifecycleState } from '../../appliance/lifecycle/lifecycle-state.js';
import type { DeviceStatus } from './views.js';

/** Where the job fills the device and where it arrives after shipping, as the hints say them. */
const PLACES: Record<JobType, { readonly fill: string; readonly arrival: string; readonly arrivalUnlock: string }> = {
  IMPORT: { fill: 'on site', arrival: 'at the facility', arrivalUnlock: 'the facility unlock' },
  EXPORT: { fill: 'at the facility', arrival: 'on site', arrivalUnlock: 'the on-site unlock' },
};

/** Why there is no journal to read, or undefined when the daemon holds the keys. */
export function noJournalReason(s: DeviceStatus): string | undefined {
  if (s.state === 'ERASED') return 'crypto-erased; nothing is left and nothing can be unlocked';
  if (s.unlocked) return undefined;
  if (s.state === 'LOCKED') return `a device locked for shipping holds none; ${PLACES[lifecycleOf(s.jobType).jobType].arrivalUnlock} checks the seal`;
  return 'the daemon holds no key (none after a restart): press 2 to unlock with the manifest and the code first';
}

/** Whether the daemon accepts task executions now. */
export function canRunTasks(s: DeviceStatus): boolean {
  return actionRuns(s.jobType, 'ingest', s.state) && s.unlocked;
}

/** Why tasks cannot run now, or undefined when they can. */
export function noTasksReason(s: DeviceStatus): string | undefined {
  if (canRunTasks(s)) return undefined;
  const l = lifecycleOf(s.jobType);
  if (s.state === 'ERASED') return 'the device is erased: the journal that held the tasks is crypto-erased';
  if (s.state === l.fillState || s.state === 'PROVISIONED') return 'tasks run once the device is unlocked: press 2 to unlock with the manifest and the code';
  return `ingest tasks run only ${placeOf(l.fillState)}${l.jobType === 'IMPORT' ? '' : ` on an ${l.jobType} device`}; the device is ${s.state}`;
}

type Step = (unlocked: boolean) => string | undefined;
const NO_KEYS: Step = (unlocked) => (unlocked ? undefined : 'No keys: press 2 to unlock with the manifest and the code.');
const ERASED: Step = () => 'Erased: the journal is crypto-erased and nothing can be unlocked.\nNothing is left of this job; the device can be re-provisioned for a new one.';

/** The dashboard's next step per direction and state; undefined where the execution area says it (filling, unlocked). */
const NEXT_STEPS: Record<JobType, Partial<Record<LifecycleState, Step>>> = {
  IMPORT: {
    ERASED,
    LOCKED: () => 'Locked for shipping: ship it; 7 shows the label; at the facility, 2 unlocks it.',
    PROVISIONED: NO_KEYS,
    ON_SITE: NO_KEYS,
    AT_FACILITY: (u) => (u ? 'At the facility, seal checked: press 5 for Import, then i to start it.' : 'At the facility, no keys: 2 unlocks (manifest and code), then 5 imports.'),
    IMPORTING: (u) => (u ? 'Importing: 5 shows each destination; then read the report and erase.' : 'Import interrupted, no keys: 2 unlocks (manifest and code), then 5, i resumes.'),
    IMPORTED: () => 'Imported: 5 shows the completion report; then erase the device (floe erase).',
    IMPORTED_WITH_ERRORS: () => 'Imported with errors: 5 shows the failed files; import again (i) or floe erase.',
  },
  EXPORT: {
    ERASED,
    LOCKED: () => 'Locked for the customer: ship it; 7 shows the label; on site, 2 unlocks it.',
    PROVISIONED: NO_KEYS,
    AT_FACILITY: NO_KEYS,
    ON_SITE: (u) =>
      u ? "On site, seal checked: press 8 for Restore, t for the customer's share, then r to restore." : 'On site, no keys: 2 unlocks (manifest and code), then 8 restores.',
    RESTORED: () => 'Restored: 5 shows the completion report; then erase the device (floe erase).',
    RESTORED_WITH_ERRORS: () => 'Restored with errors: 5 shows the failed files; restore again (8, r) or floe erase.',
  },
};

/** The next step for the dashboard, for every state; undefined when the execution area says it (filling, unlocked). */
export function nextStep(s: DeviceStatus): string | undefined {
  return NEXT_STEPS[lifecycleOf(s.jobType).jobType][s.state]?.(s.unlocked);
}

/** Whether the daemon holds the job's keys, in words that fit the state. */
export function keysText(s: DeviceStatus): string {
  const places = PLACES[lifecycleOf(s.jobType).jobType];
  if (s.state === 'ERASED') return 'none: erased, the job and its keys are gone; nothing can be unlocked';
  if (s.unlocked) return 'held (unlocked; a new unlock only re-checks the manifest and the code)';
  if (s.state === 'LOCKED') return `none: locked for shipping; manifest and code unlock it ${places.arrival}`;
  if (s.state === 'PROVISIONED') return `none yet: unlock with the manifest and the code to start ${places.fill}`;
  return 'none (none after a restart): unlock with the manifest and the code';
}

/** The seal line: the fingerprint and the result of its check, in words that fit the state. */
export function sealText(s: DeviceStatus): string {
  const seal = s.sealFingerprint === undefined ? 'Seal' : `Seal ${s.sealFingerprint}`;
  const states = lifecycleOf(s.jobType).states;
  if (s.state === 'ERASED') return 'Seal: none (the journal is crypto-erased)';
  if (s.state === 'LOCKED') return `${seal}: not checked yet; unlock checks it`;
  const at = states.indexOf(s.state);
  if (at < 0) return 'Seal: -';
  // Before LOCKED the device was never sealed; after it, the unlock that left LOCKED checked the seal.
  return at < states.indexOf('LOCKED') ? 'Seal: none yet (written when the device is locked for shipping)' : `${seal}: check passed, the journal matches it`;
}

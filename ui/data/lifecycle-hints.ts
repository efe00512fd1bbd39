// What the technician can do next, in words that fit the device's lifecycle state and whether the
// daemon holds the job's keys. The rules are the daemon's, not the UI's:
//   ingest (tasks) runs only ON_SITE with the keys (appliance/tasks/task-service.ts, #checkOnSite);
//   lock applies only ON_SITE (appliance/lifecycle/device.ts, #lock);
//   unlock in LOCKED checks the whole journal against the seal and only then goes AT_FACILITY
//     (device.ts, #checkSealThenArrive), so every state after LOCKED has passed the seal check;
//   import runs AT_FACILITY, IMPORTING, IMPORTED and IMPORTED_WITH_ERRORS, with the keys
//     (appliance/transfer/import-service.ts, IMPORT_STATES);
//   verify and the journal's numbers need the keys (device.ts, journal());
//   erase applies after import; an ERASED device holds no job, and unlock refuses it.
import type { DeviceStatus } from './views.js';

/** Why there is no journal to read, or undefined when the daemon holds the keys. */
export function noJournalReason(s: DeviceStatus): string | undefined {
  if (s.state === 'ERASED') return 'crypto-erased; nothing is left and nothing can be unlocked';
  if (s.unlocked) return undefined;
  if (s.state === 'LOCKED') return 'a device locked for shipping holds none; the facility unlock checks the seal';
  return 'the daemon holds no key (none after a restart): press 2 to unlock with the manifest and the code first';
}

/** Whether the daemon accepts task executions now. */
export function canRunTasks(s: DeviceStatus): boolean {
  return s.state === 'ON_SITE' && s.unlocked;
}

/** Why tasks cannot run now, or undefined when they can. */
export function noTasksReason(s: DeviceStatus): string | undefined {
  if (canRunTasks(s)) return undefined;
  if (s.state === 'ERASED') return 'the device is erased: the journal that held the tasks is crypto-erased';
  if (s.state === 'ON_SITE' || s.state === 'PROVISIONED') return 'tasks run once the device is unlocked: press 2 to unlock with the manifest and the code';
  return `ingest tasks run only on site (ON_SITE); the device is ${s.state}`;
}

/** The next step for the dashboard, for every state; undefined when the execution area says it (on site, unlocked). */
export function nextStep(s: DeviceStatus): string | undefined {
  switch (s.state) {
    case 'ERASED':
      return 'Erased: the journal is crypto-erased and nothing can be unlocked.\nNothing is left of this job; the device can be re-provisioned for a new one.';
    case 'LOCKED':
      return 'Locked for shipping: ship it; 7 shows the label; at the facility, 2 unlocks it.';
    case 'PROVISIONED':
    case 'ON_SITE':
      return s.unlocked ? undefined : 'No keys: press 2 to unlock with the manifest and the code.';
    case 'AT_FACILITY':
      return s.unlocked ? 'At the facility, seal checked: press 5 for Import, then i to start it.' : 'At the facility, no keys: 2 unlocks (manifest and code), then 5 imports.';
    case 'IMPORTING':
      return s.unlocked ? 'Importing: 5 shows each destination; then read the report and erase.' : 'Import interrupted, no keys: 2 unlocks (manifest and code), then 5, i resumes.';
    case 'IMPORTED':
      return 'Imported: 5 shows the completion report; then erase the device (floe erase).';
    case 'IMPORTED_WITH_ERRORS':
      return 'Imported with errors: 5 shows the failed files; import again (i) or floe erase.';
    default:
      return undefined;
  }
}

/** Whether the daemon holds the job's keys, in words that fit the state. */
export function keysText(s: DeviceStatus): string {
  if (s.state === 'ERASED') return 'none: erased, the job and its keys are gone; nothing can be unlocked';
  if (s.unlocked) return 'held (unlocked; a new unlock only re-checks the manifest and the code)';
  if (s.state === 'LOCKED') return 'none: locked for shipping; manifest and code unlock it at the facility';
  if (s.state === 'PROVISIONED') return 'none yet: unlock with the manifest and the code to start on site';
  return 'none (none after a restart): unlock with the manifest and the code';
}

/** The seal line: the fingerprint and the result of its check, in words that fit the state. */
export function sealText(s: DeviceStatus): string {
  const seal = s.sealFingerprint === undefined ? 'Seal' : `Seal ${s.sealFingerprint}`;
  switch (s.state) {
    case 'PROVISIONED':
    case 'ON_SITE':
      return 'Seal: none yet (written when the device is locked for shipping)';
    case 'LOCKED':
      return `${seal}: not checked yet; unlock checks it`;
    case 'AT_FACILITY':
    case 'IMPORTING':
    case 'IMPORTED':
    case 'IMPORTED_WITH_ERRORS':
      return `${seal}: check passed, the journal matches it`;
    case 'ERASED':
      return 'Seal: none (the journal is crypto-erased)';
    default:
      return 'Seal: -';
  }
}

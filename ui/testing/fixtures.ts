// Snapshots and actions for screen tests and for the captures in docs/ui.md: realistic values,
// fixed so that what a test asserts is what a person would read.
import { emptySnapshot, type ActionResult, type Actions, type Snapshot } from '../data/store.js';
import type { DeviceStatus, ExecutionView, RecoveryPointView, RestoreView, ShippingLabel, TaskView } from '../data/views.js';

export const NOW = Date.parse('2026-11-30T10:00:00Z');
export const JOB_ID = 'JID123e4567-e89b-42d3-a456-426655440000';
export const DEVICE_ID = 'DEV0123456789abcdef01234567';
export const SEAL = '9f86d081884c7d659a2feaa0c55ad015';

export function status(over: Partial<DeviceStatus> = {}): DeviceStatus {
  return {
    state: 'ON_SITE',
    snowballJobState: 'WithCustomer',
    since: '2026-11-30T09:12:00Z',
    jobId: JOB_ID,
    deviceId: DEVICE_ID,
    unlocked: true,
    unlockRetryAfterSeconds: 0,
    failedUnlockAttempts: 0,
    ...over,
  };
}

export const LABEL: ShippingLabel = {
  jobId: JOB_ID,
  deviceId: DEVICE_ID,
  returnAddress: { name: 'Receiving', street1: '1 Test Way', city: 'Seattle', stateOrProvince: 'WA', postalCode: '98101', country: 'US' },
  sealFingerprint: SEAL,
  sealedAt: '2026-11-30T10:00:00.000Z',
};

export function execution(over: Partial<ExecutionView> = {}): ExecutionView {
  return {
    id: 'exec-0a1b2c3d',
    taskId: 'task-5e6f7a8b',
    status: 'TRANSFERRING',
    startTime: '2026-11-30T09:50:00Z',
    bytesPerSecond: -1,
    estimatedFiles: 12000,
    estimatedBytes: 4 * 1024 ** 3,
    filesTransferred: 5400,
    bytesWritten: 1.5 * 1024 ** 3,
    bytesTransferred: 1.5 * 1024 ** 3,
    filesSkipped: 12,
    filesVerified: 0,
    filesDeleted: 0,
    filesPrepared: 12000,
    filesListed: 12000,
    filesFailed: 1,
    ...over,
  };
}

export function task(over: Partial<TaskView> = {}): TaskView {
  return {
    id: 'task-5e6f7a8b',
    name: 'projects',
    source: 'nfs://10.0.0.5/export/projects',
    status: 'RUNNING',
    includes: '/projects*',
    excludes: '*/.snapshot|*.tmp',
    options: { VerifyMode: 'ONLY_FILES_TRANSFERRED' },
    currentExecutionId: 'exec-0a1b2c3d',
    ...over,
  };
}

const ok = <T>(value: T) => ({ state: 'ok' as const, value, at: NOW });

/** Three recovery points, oldest first: two runs of "projects" and one of "home". */
export const POINTS: readonly RecoveryPointView[] = [
  { id: 'exec-1f2e3d4c5b6a79880', seq: '9120', taskId: 'task-5e6f7a8b', taskName: 'projects', status: 'SUCCESS', startTime: '2026-11-28T08:00:00.000Z', endTime: '2026-11-28T09:41:07.512Z', files: 11800, bytes: 3.9 * 1024 ** 3 },
  { id: 'exec-2a3b4c5d6e7f80912', seq: '9544', taskId: 'task-99aa00bb', taskName: 'home', status: 'ERROR', startTime: '2026-11-29T08:00:00.000Z', endTime: '2026-11-29T08:12:44.001Z', files: 12350, bytes: 4.1 * 1024 ** 3 },
  { id: 'exec-3c4d5e6f7a8b9c0d1', seq: '9600', taskId: 'task-5e6f7a8b', taskName: 'projects', status: 'SUCCESS', startTime: '2026-11-30T08:00:00.000Z', endTime: '2026-11-30T09:30:00.000Z', files: 12000, bytes: 4 * 1024 ** 3 },
];

/** A restore of the oldest point into a mounted share, running. */
export function restoreRun(over: Partial<RestoreView> = {}): RestoreView {
  return {
    status: 'RUNNING',
    executionId: 'restore-20261130T095500-ab12cd34',
    point: POINTS[0]!.id,
    target: 'file:///mnt/restore/projects',
    startedAt: '2026-11-30T09:55:00.000Z',
    destinations: [{ uri: 'file:///mnt/restore/projects', status: 'TRANSFERRING', filesDone: 2950, filesTotal: 11800, bytesDone: 1.2 * 1024 ** 3, bytesTotal: 3.9 * 1024 ** 3, filesFailed: 0, filesSkipped: 0, filesVerified: 0 }],
    ...over,
  };
}

/** A device on site, ingesting, with everything the daemon can report. */
export function busySnapshot(over: Partial<Snapshot> = {}): Snapshot {
  const e = execution();
  return {
    ...emptySnapshot(NOW),
    connection: { online: true, everOnline: true, location: 'http://127.0.0.1:4780', events: 'live' },
    status: ok(status()),
    journal: ok({ files: 5400, logicalBytes: 1.5 * 1024 ** 3, chunks: 4100, chunkBytes: 1.2 * 1024 ** 3, storedBytes: 1.21 * 1024 ** 3, segments: 3, dedupRatio: 1.25, records: 9600 }),
    disk: ok({ totalBytes: 14 * 1024 ** 4, freeBytes: 12 * 1024 ** 4 }),
    tasks: ok([task(), task({ id: 'task-99aa00bb', name: 'home', source: 'nfs://10.0.0.5/export/home', status: 'AVAILABLE', includes: '', excludes: '', currentExecutionId: undefined })]),
    executions: ok([e]),
    current: e,
    throughput: { executionId: e.id, current: 48 * 1024 ** 2, history: [10, 30, 42, 47, 50, 49, 48, 46, 48, 48].map((m) => m * 1024 ** 2), etaSeconds: 53 },
    device: ok({
      hostname: 'floe-sn01',
      cpu: 'Intel Atom C3558 (4 cores)',
      cpuLoadPercent: 37,
      memoryTotal: 16 * 1024 ** 3,
      memoryUsed: 3.2 * 1024 ** 3,
      temperatures: [
        { label: 'CPU', celsius: 54 },
        { label: 'nvme0', celsius: 41 },
      ],
      disks: [{ name: '/dev/nvme0n1p2', mount: '/var/lib/floe', sizeBytes: 14 * 1024 ** 4, usedBytes: 2 * 1024 ** 4 }],
      nics: [
        { name: 'eth0', address: '10.0.0.20', mac: '02:42:ac:11:00:02', up: true, speedMbps: 10000 },
        { name: 'eth1', address: '', mac: '02:42:ac:11:00:03', up: false },
      ],
    }),
    importStatus: { state: 'unavailable' },
    syncStatus: ok({ status: 'IDLE', destinations: [] }),
    report: { state: 'unavailable' },
    points: ok([...POINTS]),
    restoreStatus: { state: 'error', error: { code: 'NOT_FOUND', message: 'no restore was started since the daemon started' } },
    errors: [{ at: '2026-11-30T09:58:12Z', code: 'SOURCE_ACCESS_DENIED', message: 'skipped /projects/secret.key: NFS3ERR_ACCES' }],
    ...over,
  };
}

const GiB = 1024 ** 3;

/** At the facility, importing into two destinations, with the last completion report. */
export function importingSnapshot(): Snapshot {
  return busySnapshot({
    status: { state: 'ok', value: status({ state: 'IMPORTING', snowballJobState: 'InProgress' }), at: NOW },
    importStatus: {
      state: 'ok',
      at: NOW,
      value: {
        status: 'RUNNING',
        executionId: 'imp-01',
        destinations: [
          { uri: 's3://customer-bucket/imports', status: 'TRANSFERRING', filesDone: 600, filesTotal: 1200, bytesDone: 2 * GiB, bytesTotal: 4 * GiB, filesFailed: 2 },
          { uri: 'efs:///mnt/efs/share', status: 'SUCCESS', filesDone: 1200, filesTotal: 1200, bytesDone: 4 * GiB, bytesTotal: 4 * GiB, filesFailed: 0 },
        ],
      },
    },
    report: {
      state: 'ok',
      at: NOW,
      value: {
        status: 'Completed with errors',
        filesTotal: 1200,
        filesSucceeded: 1198,
        filesFailed: 2,
        bytes: 4 * GiB,
        summaryLines: [],
        failures: [
          { path: 'projects/a.bin', code: 'CHECKSUM_MISMATCH', message: 'Checksum failure: the journal chunk does not match its SHA-256' },
          { path: 'projects/\\xff.txt', code: 'DESTINATION_NAME_INVALID', message: 'S3 keys must be UTF-8' },
        ],
      },
    },
  });
}


/** Actions that record their calls and answer with `results[name]` (or ok). */
export function fakeActions(results: Partial<Record<keyof Actions, ActionResult>> = {}): Actions & { calls: Array<[string, ...unknown[]]> } {
  const calls: Array<[string, ...unknown[]]> = [];
  const answer = (name: keyof Actions, ...args: unknown[]): Promise<ActionResult> => {
    calls.push([name, ...args]);
    return Promise.resolve(results[name] ?? { ok: true, message: `${name} done` });
  };
  return {
    calls,
    unlock: (m, c) => answer('unlock', m, c),
    lock: (c) => answer('lock', c),
    verifyJournal: () => answer('verifyJournal'),
    createTask: (i) => answer('createTask', i),
    startTask: (id) => answer('startTask', id),
    cancelExecution: (id) => answer('cancelExecution', id),
    setBandwidth: (id, bps) => answer('setBandwidth', id, bps),
    startImport: () => answer('startImport'),
    startSync: () => answer('startSync'),
    stopSync: () => answer('stopSync'),
    startRestore: (i) => answer('startRestore', i),
    cancelRestore: () => answer('cancelRestore'),
    refresh: () => {
      calls.push(['refresh']);
    },
  };
}

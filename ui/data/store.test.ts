// The data layer against a fake daemon: reconnects after the daemon goes away, keeps going when a
// route is missing or fails, computes throughput and ETA, follows events, never throws.
import { describe, expect, it } from 'vitest';
import { execution, LABEL, status } from '../testing/fixtures.js';
import { Backoff } from './backoff.js';
import type { FloeSource } from './floe-source.js';
import { UiStore, valueOf } from './store.js';
import { NOT_AVAILABLE, type UiError } from './ui-error.js';
import type { ExecutionView, RecoveryPointView, RestoreInput, RestoreView, TransferView, UiEvent } from './views.js';

const unavailable: UiError = { code: 'UNAVAILABLE', message: 'the floe daemon at http://127.0.0.1:1 is not answering (ECONNREFUSED): is floe serve running?' };
const noRoute: UiError = { code: NOT_AVAILABLE, message: 'not available on this daemon' };

class FakeSource implements FloeSource {
  location = 'http://127.0.0.1:4780';
  up = true;
  resets = 0;
  exec: ExecutionView = execution({ bytesWritten: 0, bytesTransferred: 0 });
  emit: ((e: UiEvent) => void) | undefined;
  endStream: (() => void) | undefined;
  calls: string[] = [];
  #gate<T>(v: () => T): Promise<T> {
    return this.up ? Promise.resolve(v()) : Promise.reject(unavailable);
  }
  status = () => this.#gate(() => status());
  label = () => this.#gate(() => LABEL);
  unlock = () => Promise.reject({ code: 'WRONG_UNLOCK_CODE', message: 'the unlock code does not open this manifest', details: { retryAfterSeconds: 5 } });
  lock = () => this.#gate(() => LABEL);
  journalStats = () => Promise.reject({ code: 'DEVICE_LOCKED', message: 'no keys' });
  verifyJournal = () => this.#gate(() => ({ ok: true, records: 3, files: 1, problems: [] }));
  tasks = () => Promise.reject(noRoute);
  createTask = () => Promise.reject(noRoute);
  startTask = () => Promise.reject(noRoute);
  executions = () => this.#gate(() => [this.exec]);
  execution = () => this.#gate(() => this.exec);
  cancelExecution = () => Promise.resolve();
  setBandwidth = () => Promise.resolve();
  device = () => Promise.reject(noRoute);
  importStatus = (): Promise<TransferView> => Promise.reject(noRoute);
  startImport = () => Promise.reject({ code: 'INVALID_STATE', message: 'import runs only AT_FACILITY' });
  syncStatus = () => Promise.reject(noRoute);
  startSync = () => Promise.resolve();
  stopSync = () => Promise.resolve();
  report = () => Promise.reject(noRoute);
  recoveryPoints = (): Promise<RecoveryPointView[]> => Promise.reject(noRoute);
  restoreStatus = (): Promise<RestoreView> => Promise.reject(noRoute);
  startRestore = (_input: RestoreInput): Promise<RestoreView> => Promise.reject(noRoute);
  cancelRestore = (): Promise<RestoreView> => Promise.reject(noRoute);
  events = (_last: number | undefined, onEvent: (e: UiEvent) => void, signal: AbortSignal) => {
    this.calls.push(`events ${_last ?? '-'}`);
    if (!this.up) return Promise.reject(unavailable);
    this.emit = onEvent;
    return new Promise<void>((resolve) => {
      this.endStream = resolve;
      signal.addEventListener('abort', () => resolve());
    });
  };
  reset = () => {
    this.resets++;
  };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('UiStore', () => {
  it('goes offline when the daemon stops answering, backs off, and comes back by itself', async () => {
    const src = new FakeSource();
    const c = clock();
    const store = new UiStore(src, { now: c.now, backoff: new Backoff(100, 400, 0) });
    await store.pollOnce();
    expect(store.getSnapshot().connection).toMatchObject({ online: true, everOnline: true, location: 'http://127.0.0.1:4780' });
    src.up = false;
    await store.pollOnce();
    await store.pollOnce();
    await store.pollOnce();
    await store.pollOnce();
    const off = store.getSnapshot();
    expect(off.connection).toMatchObject({ online: false, retryInMs: 400, lastError: unavailable });
    expect(valueOf(off.status)?.state).toBe('ON_SITE'); // the last known state stays
    expect(src.resets).toBe(4); // each failure finds the daemon again (it may have moved)
    src.up = true;
    await store.pollOnce();
    expect(store.getSnapshot().connection).toMatchObject({ online: true, retryInMs: undefined, lastError: undefined });
    store.close();
  });

  it('marks missing routes as not available and errors of the others without throwing', async () => {
    const src = new FakeSource();
    const store = new UiStore(src);
    await store.pollOnce();
    const s = store.getSnapshot();
    expect(s.tasks).toEqual({ state: 'unavailable' });
    expect(s.device).toEqual({ state: 'unavailable' });
    expect(s.journal).toEqual({ state: 'error', error: { code: 'DEVICE_LOCKED', message: 'no keys' } });
    expect(s.current?.id).toBe('exec-0a1b2c3d');
    store.close();
  });

  it('computes throughput, its history and the ETA from successive polls, counting bytes of the file in flight', async () => {
    const src = new FakeSource();
    const c = clock();
    const store = new UiStore(src, { now: c.now });
    const MiB = 1024 ** 2;
    src.exec = execution({ bytesWritten: 0, bytesTransferred: 0, estimatedBytes: 100 * MiB });
    await store.pollOnce();
    for (let i = 1; i <= 3; i++) {
      c.advance(1000);
      src.exec = execution({ bytesWritten: 0, bytesTransferred: i * 10 * MiB, estimatedBytes: 100 * MiB }); // one large file being read
      await store.pollOnce();
    }
    const t = store.getSnapshot().throughput;
    expect(t.current).toBe(10 * MiB);
    expect(t.history).toEqual([10 * MiB, 10 * MiB, 10 * MiB]);
    expect(t.etaSeconds).toBe(7);
    src.exec = execution({ status: 'SUCCESS', bytesWritten: 100 * MiB, bytesTransferred: 100 * MiB, estimatedBytes: 100 * MiB });
    c.advance(1000);
    await store.pollOnce();
    expect(store.getSnapshot().throughput).toMatchObject({ current: 0 });
    expect(store.getSnapshot().throughput.etaSeconds).toBeUndefined();
    store.close();
  });

  it('shows a running import as the current transfer when no task runs', async () => {
    const src = new FakeSource();
    src.exec = execution({ status: 'SUCCESS' });
    src.importStatus = () =>
      Promise.resolve({
        status: 'RUNNING',
        executionId: 'imp-7',
        destinations: [
          { uri: 's3://b', status: 'VERIFYING', filesDone: 10, filesTotal: 10, bytesDone: 100, bytesTotal: 100, filesFailed: 0 },
          { uri: 'efs:///mnt/e', status: 'TRANSFERRING', filesDone: 4, filesTotal: 10, bytesDone: 40, bytesTotal: 100, filesFailed: 1 },
        ],
      });
    const store = new UiStore(src);
    await store.pollOnce();
    expect(store.getSnapshot().current).toMatchObject({ id: 'imp-7', taskId: 'import', status: 'TRANSFERRING', bytesWritten: 140, estimatedBytes: 200, filesTransferred: 14, filesFailed: 1 });
    store.close();
  });

  it('while VERIFYING counts files verified of files to verify, per second, with an ETA; and follows a running import (issue 26)', async () => {
    const src = new FakeSource();
    const c = clock();
    const store = new UiStore(src, { now: c.now });
    const verifying = (filesVerified: number) => execution({ status: 'VERIFYING', verifyMode: 'ONLY_FILES_TRANSFERRED', filesTransferred: 5400, filesSkipped: 12, filesVerified, bytesWritten: 4 * 1024 ** 3, estimatedBytes: 4 * 1024 ** 3 });
    src.exec = verifying(1000);
    await store.pollOnce();
    c.advance(2000);
    src.exec = verifying(1400);
    await store.pollOnce();
    expect(store.getSnapshot().throughput).toMatchObject({ unit: 'files', current: 200, history: [200], etaSeconds: 20 }); // (5,400 - 1,400) / 200
    store.close();
    // The Import screen's rate comes from the same meter, fed with the import run's counters.
    const facility = new FakeSource();
    let run: TransferView = { status: 'RUNNING', executionId: 'imp-2', destinations: [{ uri: 's3://b', status: 'TRANSFERRING', filesDone: 1, filesTotal: 10, bytesDone: 100, bytesTotal: 1100, filesFailed: 0 }] };
    facility.importStatus = () => Promise.resolve(run);
    const imports = new UiStore(facility, { now: c.now });
    await imports.pollOnce();
    c.advance(1000);
    await imports.pollOnce(); // import status is polled every second tick
    run = { ...run, destinations: [{ ...run.destinations[0]!, bytesDone: 600 }] };
    c.advance(1000);
    await imports.pollOnce();
    expect(imports.getSnapshot().importThroughput).toMatchObject({ executionId: 'imp-2', current: 250, etaSeconds: 2 }); // 500 B in 2 s, 500 B to go
    expect(imports.getSnapshot().importThroughput.unit).toBeUndefined();
    imports.close();
  });

  it('lists recovery points, says DEVICE_LOCKED without the keys, and follows a restore by polls and restore.* events with its rate', async () => {
    const locked = new FakeSource();
    locked.recoveryPoints = () => Promise.reject({ code: 'DEVICE_LOCKED', message: 'the device holds no key: unlock it with the manifest and the unlock code' });
    locked.restoreStatus = () => Promise.reject({ code: 'NOT_FOUND', message: 'no restore was started since the daemon started' });
    const none = new UiStore(locked);
    await none.pollOnce();
    expect(none.getSnapshot().points).toMatchObject({ state: 'error', error: { code: 'DEVICE_LOCKED' } });
    expect(none.getSnapshot().restoreStatus).toMatchObject({ state: 'error', error: { code: 'NOT_FOUND' } });
    none.close();

    const src = new FakeSource();
    const point: RecoveryPointView = { id: 'exec-1', seq: '12', taskId: 'task-1', taskName: 'share', status: 'SUCCESS', startTime: 't0', endTime: 't1', files: 10, bytes: 1100 };
    src.recoveryPoints = () => Promise.resolve([point]);
    const dest = { uri: 'file:///mnt/restore', status: 'TRANSFERRING', filesDone: 1, filesTotal: 10, bytesDone: 100, bytesTotal: 1100, filesFailed: 0 };
    let run: RestoreView = { status: 'RUNNING', executionId: 'restore-1', point: 'exec-1', target: 'file:///mnt/restore', destinations: [dest] };
    src.restoreStatus = () => Promise.resolve(run);
    const started: RestoreInput[] = [];
    src.startRestore = (input) => {
      started.push(input);
      return Promise.resolve(run);
    };
    const c = clock();
    const store = new UiStore(src, { now: c.now });
    await store.pollOnce();
    expect(valueOf(store.getSnapshot().points)).toEqual([point]);
    expect(await store.startRestore({ point: 'exec-1', target: 'file:///mnt/restore', includes: '', excludes: '' })).toEqual({ ok: true, message: 'restore restore-1 started: point exec-1 into file:///mnt/restore' });
    expect(started).toEqual([{ point: 'exec-1', target: 'file:///mnt/restore', includes: '', excludes: '' }]);
    run = { ...run, destinations: [{ ...dest, bytesDone: 600 }] };
    c.advance(2000);
    await store.pollOnce(); // a running restore is asked every tick
    expect(store.getSnapshot().restoreThroughput).toMatchObject({ executionId: 'restore-1', current: 250, etaSeconds: 2 });
    // The events carry the RunStatus without point and target: those stay.
    store.handleEvent({ id: 9, type: 'restore.status', at: 't2', data: { executionId: 'restore-1', state: 'COMPLETED_WITH_ERRORS', startedAt: 't1', endedAt: 't2', destinations: [{ uri: 'file:///mnt/restore', status: 'ERROR', counters: { FilesTransferred: 9, EstimatedFilesToTransfer: 10, FilesFailed: { Transfer: 1 } }, result: { ErrorCode: 'DESTINATION_FULL', ErrorDetail: 'no space left' } }] } });
    expect(valueOf(store.getSnapshot().restoreStatus)).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', point: 'exec-1', target: 'file:///mnt/restore', endedAt: 't2', destinations: [{ status: 'ERROR', filesDone: 9, filesFailed: 1, errorCode: 'DESTINATION_FULL', errorDetail: 'no space left' }] });
    store.close();
  });

  it('turns failed actions into results with the daemon\'s code, kept off the last errors (issue 26)', async () => {
    const store = new UiStore(new FakeSource());
    const r = await store.unlock('/nope', 'X');
    expect(r).toEqual({ ok: false, error: { code: 'WRONG_UNLOCK_CODE', message: 'the unlock code does not open this manifest', details: { retryAfterSeconds: 5 } } });
    expect(await store.startImport()).toEqual({ ok: false, error: { code: 'INVALID_STATE', message: 'import runs only AT_FACILITY' } });
    expect(await store.setBandwidth('exec-1', 1024)).toEqual({ ok: true, message: 'execution exec-1: limit 1024 B/s' });
    // A wrong code or a refused import is answered on the screen where it was asked, not in "Last errors".
    expect(store.getSnapshot().errors).toEqual([]);
    store.handleEvent({ id: 7, type: 'error', at: '2026-11-30T10:00:02Z', data: { TaskExecutionId: 'exec-1', code: 'INTERNAL' } });
    expect(store.getSnapshot().errors.map((e) => e.code)).toEqual(['INTERNAL']);
    store.close();
  });

  it('follows events: verify progress, warnings, and resumes from the last id after a reconnect', async () => {
    const src = new FakeSource();
    const store = new UiStore(src, { intervalMs: 20 });
    store.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(store.getSnapshot().connection.events).toBe('connecting');
    src.emit!({ id: 41, type: 'journal.verify.progress', at: '2026-11-30T10:00:00Z', data: { phase: 'journal', bytesScanned: 5, totalBytes: 10 } });
    src.emit!({ id: 42, type: 'warning', at: '2026-11-30T10:00:01Z', data: { message: 'scheduled start of nightly failed' } });
    const s = store.getSnapshot();
    expect(s.connection.events).toBe('live');
    expect(s.verify).toMatchObject({ running: true, bytesScanned: 5, totalBytes: 10 });
    expect(s.errors.at(-1)).toEqual({ at: '2026-11-30T10:00:01Z', message: 'warning: scheduled start of nightly failed' });
    src.endStream!(); // the daemon went away mid-stream
    await new Promise((r) => setTimeout(r, 600));
    expect(src.calls).toEqual(['events -', 'events 42']);
    src.emit!({ id: 0, type: 'reset', at: '', data: {} }); // a restarted daemon numbers from 1 again
    src.emit!({ id: 1, type: 'lifecycle', at: '', data: {} });
    src.endStream!();
    await new Promise((r) => setTimeout(r, 600));
    expect(src.calls.at(-1)).toBe('events 1');
    store.close();
  });
});

import { describe, expect, it } from 'vitest';
import { AppView } from '../app.js';
import type { FloeSource } from '../data/floe-source.js';
import { emptySnapshot, UiStore } from '../data/store.js';
import type { UiError } from '../data/ui-error.js';
import { bigLine } from '../widgets/big-font.js';
import { busySnapshot, execution, fakeActions, NOW, status } from '../testing/fixtures.js';
import { renderUi } from '../testing/render.js';
import { DashboardScreen } from './dashboard-screen.js';

const props = { actions: fakeActions(), width: 80, height: 20, active: true, setCapture: () => {} };

describe('Dashboard', () => {
  it('shows the lifecycle state in large letters and in words, the running execution, throughput, ETA, counters and the last errors', async () => {
    const { frame } = await renderUi(<DashboardScreen {...props} snap={busySnapshot()} />);
    const f = frame();
    for (const line of bigLine('ON SITE')) expect(f).toContain(line);
    expect(f).toContain('State ON_SITE (WithCustomer), since 48m00s ago · keys held');
    expect(f).toContain('Phase TRANSFERRING  execution exec-0a1b2c3d of task-5e6f7a8b');
    expect(f).toMatch(/\[#+\.+\]\s+37%/);
    expect(f).toContain('Bytes 1.50 GiB of 4.00 GiB  Files 5,400 of 12,000');
    expect(f).toContain('Throughput 48.0 MiB/s ▂▅▆▇█▇▇▇▇▇  ETA 53s  Limit unlimited');
    expect(f).toContain('Skipped 12  Verified 0  Deleted 0  Failed 1');
    expect(f).toContain('09:58:12 [SOURCE_ACCESS_DENIED] skipped /projects/secret.key: NFS3ERR_ACCES');
  });

  it("lists the execution's skipped and failed files among the last errors", async () => {
    const e = execution({ problemCount: 7, problems: [{ path: 'home/bob/.ssh/id_ed25519', outcome: 'skipped', code: 'SOURCE_ACCESS_DENIED', message: 'NFS3ERR_ACCES' }] });
    const { frame } = await renderUi(<DashboardScreen {...props} snap={busySnapshot({ current: e })} />);
    expect(frame()).toContain('Last errors (this execution: 7 file problem(s))');
    expect(frame()).toContain('skipped home/bob/.ssh/id_ed25519: NFS3ERR_ACCES [SOURCE_ACCESS_DENIED]');
    expect(frame()).toContain('09:58:12 [SOURCE_ACCESS_DENIED] skipped /projects/secret.key');
  });

  it('shows a finished execution at 100% with its error, and a bandwidth limit', async () => {
    const e = execution({ status: 'ERROR', bytesWritten: 4 * 1024 ** 3, filesTransferred: 12000, bytesPerSecond: 50 * 1024 ** 2, errorCode: 'CANCELLED', errorDetail: 'Execution was cancelled' });
    const { frame } = await renderUi(<DashboardScreen {...props} snap={busySnapshot({ current: e, executions: { state: 'ok', value: [e], at: NOW } })} />);
    expect(frame()).toContain('Phase ERROR  execution exec-0a1b2c3d');
    expect(frame()).toMatch(/\]\s+100%/);
    expect(frame()).toContain('Limit 50.0 MiB/s');
    expect(frame()).toContain('Execution failed: Execution was cancelled [CANCELLED]');
  });

  it('says when nothing runs yet, and when the daemon has not answered', async () => {
    const idle = await renderUi(<DashboardScreen {...props} snap={busySnapshot({ current: undefined, errors: [] })} />);
    expect(idle.frame()).toContain('No execution yet: press 3 for Tasks to create and start one');
    expect(idle.frame()).toContain('Last errors\nnone');
    const noKeys = await renderUi(<DashboardScreen {...props} snap={busySnapshot({ status: { state: 'ok', value: status({ unlocked: false }), at: NOW } })} />);
    expect(noKeys.frame()).toContain('No keys: press 2 to unlock with the manifest and the code.');
    const waiting = await renderUi(<DashboardScreen {...props} snap={emptySnapshot(NOW)} />);
    expect(waiting.frame()).toContain('Waiting for the floe daemon...');
  });

  it('fits the longest state, IMPORTED_WITH_ERRORS, in 80 columns', async () => {
    const snap = busySnapshot({ status: { state: 'ok', value: status({ state: 'IMPORTED_WITH_ERRORS', snowballJobState: 'Complete' }), at: NOW } });
    const { frame } = await renderUi(<DashboardScreen {...props} snap={snap} />);
    for (const line of bigLine('IMPORTED WITH ERRORS')) {
      expect(line.length).toBeLessThanOrEqual(80);
      expect(frame()).toContain(line);
    }
  });

  it('says the daemon is offline and when it retries, instead of failing', async () => {
    const snap = busySnapshot({ connection: { online: false, everOnline: true, events: 'reconnecting', retryInMs: 2000, lastError: { code: 'UNAVAILABLE', message: 'the floe daemon at http://127.0.0.1:4780 is not answering (ECONNREFUSED): is floe serve running?' } } });
    const { frame } = await renderUi(<AppView snap={snap} actions={fakeActions()} width={80} height={24} />);
    expect(frame()).toContain('OFFLINE retry in 2s: the floe daemon at http://127.0.0.1:4780 is not answering');
    expect(frame()).toContain('State ON_SITE'); // the last known state stays on screen
  });

  describe('gives the next step that fits the lifecycle state (issue 26)', () => {
    const inState = (over: Parameters<typeof status>[0]) => busySnapshot({ status: { state: 'ok', value: status(over), at: NOW }, current: undefined, executions: { state: 'ok', value: [], at: NOW } });

    it('LOCKED: ship it, 7 for the label, unlock at the facility; no task to start', async () => {
      const { frame } = await renderUi(<DashboardScreen {...props} snap={inState({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false })} />);
      expect(frame()).toContain('Locked for shipping: ship it; 7 shows the label; at the facility, 2 unlocks it.');
      expect(frame()).not.toContain('press 3 for Tasks');
      expect(frame()).not.toContain('No keys: press 2');
    });

    it('AT_FACILITY: unlock, then import; with the keys, import', async () => {
      const noKeys = await renderUi(<DashboardScreen {...props} snap={inState({ state: 'AT_FACILITY', snowballJobState: 'WithAWS', unlocked: false })} />);
      expect(noKeys.frame()).toContain('At the facility, no keys: 2 unlocks (manifest and code), then 5 imports.');
      expect(noKeys.frame()).not.toContain('press 3 for Tasks');
      const keys = await renderUi(<DashboardScreen {...props} snap={inState({ state: 'AT_FACILITY', snowballJobState: 'WithAWS', unlocked: true })} />);
      expect(keys.frame()).toContain('At the facility, seal checked: press 5 for Import, then i to start it.');
      expect(keys.frame()).not.toContain('press 3 for Tasks');
    });

    it('IMPORTED: read the report, then erase; IMPORTED_WITH_ERRORS: the failed files, import again or erase', async () => {
      const done = await renderUi(<DashboardScreen {...props} snap={inState({ state: 'IMPORTED', snowballJobState: 'Complete', unlocked: true })} />);
      expect(done.frame()).toContain('Imported: 5 shows the completion report; then erase the device (floe erase).');
      expect(done.frame()).not.toContain('press 3 for Tasks');
      const errors = await renderUi(<DashboardScreen {...props} snap={inState({ state: 'IMPORTED_WITH_ERRORS', snowballJobState: 'Complete', unlocked: false })} />);
      expect(errors.frame()).toContain('Imported with errors: 5 shows the failed files; import again (i) or floe erase.');
      expect(errors.frame()).not.toContain('press 3 for Tasks');
    });

    it('ERASED: nothing left, nothing to unlock, the device can be re-provisioned', async () => {
      const { frame } = await renderUi(<DashboardScreen {...props} snap={inState({ state: 'ERASED', snowballJobState: 'Complete', unlocked: false })} />);
      expect(frame()).toContain('Erased: the journal is crypto-erased and nothing can be unlocked.');
      expect(frame()).toContain('Nothing is left of this job; the device can be re-provisioned for a new one.');
      expect(frame()).not.toContain('unlock with the manifest');
      expect(frame()).not.toContain('press 3 for Tasks');
    });

    it('ON_SITE with the keys and no execution: press 3 for Tasks', async () => {
      const { frame } = await renderUi(<DashboardScreen {...props} snap={inState({})} />);
      expect(frame()).toContain('No execution yet: press 3 for Tasks to create and start one');
      expect(frame()).not.toContain('No keys');
    });
  });

  it('"Last errors" lists the daemon\'s errors and the execution\'s ErrorCode, not a wrong unlock code or a form typo (issue 26)', async () => {
    const refuse = (error: UiError) => () => Promise.reject(error);
    const source = {
      unlock: refuse({ code: 'WRONG_UNLOCK_CODE', message: 'the unlock code does not open this manifest' }),
      createTask: refuse({ code: 'INVALID_ARGUMENT', message: 'Option BytesPerSecond must be -1 (no limit) or a positive rate' }),
      reset: () => {},
    } as unknown as FloeSource;
    const store = new UiStore(source);
    store.close(); // no polling: only what the actions and the events put in the snapshot
    expect(await store.unlock('/media/usb/m.bin', 'WRONG')).toMatchObject({ ok: false, error: { code: 'WRONG_UNLOCK_CODE' } });
    expect(await store.createTask({ name: 'x', source: 'file:///x', includes: '', excludes: '', options: { BytesPerSecond: '5O' } })).toMatchObject({ ok: false });
    store.handleEvent({ id: 3, type: 'error', at: '2026-11-30T09:59:01Z', data: { TaskExecutionId: 'exec-0a1b2c3d', code: 'INTERNAL' } });
    const e = execution({ status: 'ERROR', errorCode: 'SOURCE_UNREACHABLE', errorDetail: 'nfs://10.0.0.5: the server stopped answering' });
    const { frame } = await renderUi(<DashboardScreen {...props} snap={busySnapshot({ current: e, errors: store.getSnapshot().errors })} />);
    const lastErrors = frame().slice(frame().indexOf('Last errors'));
    expect(lastErrors).toContain('Execution failed: nfs://10.0.0.5: the server stopped answering [SOURCE_UNREACHABLE]');
    expect(lastErrors).toContain('09:59:01 [INTERNAL] execution exec-0a1b2c3d failed');
    expect(frame()).not.toContain('WRONG_UNLOCK_CODE');
    expect(frame()).not.toContain('INVALID_ARGUMENT');
    expect(frame()).not.toContain('BytesPerSecond');
  });

  it('VERIFYING shows files verified of files to verify, labelled "Verifying", with a files/s rate and an ETA, not a stuck 100% (issue 26)', async () => {
    const e = execution({ status: 'VERIFYING', verifyMode: 'ONLY_FILES_TRANSFERRED', estimatedFiles: 5400, filesTransferred: 5400, filesVerified: 2160, bytesWritten: 4 * 1024 ** 3, bytesTransferred: 4 * 1024 ** 3, estimatedBytes: 4 * 1024 ** 3 });
    const snap = busySnapshot({ current: e, throughput: { executionId: e.id, unit: 'files', current: 120, history: [100, 110, 120], etaSeconds: 27 } });
    const { frame } = await renderUi(<DashboardScreen {...props} snap={snap} />);
    expect(frame()).toContain('Phase VERIFYING');
    expect(frame()).toMatch(/Verifying \[#+\.+\]\s+40%/);
    expect(frame()).not.toMatch(/\]\s+100%/);
    expect(frame()).toContain('Verified 2,160 of 5,400 files  (copied 4.00 GiB in 5,400 files)');
    expect(frame()).toMatch(/Throughput 120 files\/s \S+ {2}ETA 27s {2}Limit unlimited/);
    expect(frame()).not.toContain('0 B/s');
    for (const line of frame().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

import { describe, expect, it } from 'vitest';
import { busySnapshot, fakeActions, importingSnapshot, NOW, status } from '../testing/fixtures.js';
import { renderUi } from '../testing/render.js';
import { ImportScreen } from './import-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {} };
const importing = importingSnapshot();
describe('Import and sync', () => {
  it('shows progress per destination', async () => {
    const ui = await renderUi(<ImportScreen {...base} snap={importing} actions={fakeActions()} />);
    const f = ui.frame();
    expect(f).toContain('Device IMPORTING: import into the destinations');
    expect(f).toContain('Import: RUNNING (execution imp-01)');
    expect(f).toContain('s3://customer-bucket/imports  TRANSFERRING');
    expect(f).toMatch(/\[#+\.+\]\s+50%\s+600\/1,200 entries\s+2\.00 GiB\/4\.00 GiB\s+failed 2/);
    expect(f).toContain('efs:///mnt/efs/share  SUCCESS');
    expect(f).toMatch(/\]\s+100%\s+1,200\/1,200 entries/);
  });

  it('shows the completion report summary and each failure with its code', async () => {
    const ui = await renderUi(<ImportScreen {...base} snap={importing} actions={fakeActions()} />);
    const f = ui.frame();
    expect(f).toContain('Completion report: Completed with errors');
    expect(f).toContain('Entries 1,200 (files and folders)  succeeded 1,198  failed 2  4.00 GiB');
    expect(f).toContain('Failures (2)');
    expect(f).toContain('projects/a.bin  [CHECKSUM_MISMATCH] Checksum failure: the journal chunk does not match its SHA-256');
    expect(f).toContain('[DESTINATION_NAME_INVALID] S3 keys must be UTF-8');
  });

  it('starts import, starts and stops sync, and shows a refusal', async () => {
    const actions = fakeActions({ startImport: { ok: false, error: { code: 'INVALID_STATE', message: 'import runs only AT_FACILITY' } } });
    const ui = await renderUi(<ImportScreen {...base} snap={busySnapshot()} actions={actions} />);
    await ui.type('i');
    expect(ui.frame()).toContain('Error: import runs only AT_FACILITY [INVALID_STATE]');
    await ui.type('s');
    expect(ui.frame()).toContain('startSync done');
    await ui.type('x');
    expect(actions.calls.map((c) => c[0])).toEqual(['startImport', 'startSync', 'stopSync']);
  });

  it('says which parts this daemon does not offer', async () => {
    const ui = await renderUi(<ImportScreen {...base} snap={busySnapshot({ syncStatus: { state: 'unavailable' } })} actions={fakeActions()} />);
    expect(ui.frame()).toContain('Import: not available on this daemon');
    expect(ui.frame()).toContain('Online sync: not available on this daemon');
    expect(ui.frame()).toContain('Completion report: not available on this daemon');
  });

  it('shows the run\'s rate and ETA from the dashboard\'s meter, and a verifying destination\'s files verified (issue 26)', async () => {
    const snap = { ...importing, importThroughput: { executionId: 'imp-01', current: 48 * 1024 ** 2, history: [48 * 1024 ** 2], etaSeconds: 53 } };
    const ui = await renderUi(<ImportScreen {...base} snap={snap} actions={fakeActions()} />);
    expect(ui.frame()).toContain('Import: RUNNING (execution imp-01)\n  Rate 48.0 MiB/s  ETA 53s');
    const none = await renderUi(<ImportScreen {...base} snap={importing} actions={fakeActions()} />);
    expect(none.frame()).not.toContain('Rate'); // the meter follows no run yet: no made-up rate
    const value = importing.importStatus.state === 'ok' ? importing.importStatus.value : undefined;
    const verifying = {
      ...importing,
      importStatus: { state: 'ok' as const, at: NOW, value: { ...value!, destinations: [{ ...value!.destinations[0]!, status: 'VERIFYING', filesDone: 1200, filesSkipped: 0, filesVerified: 300, bytesDone: 4 * 1024 ** 3 }] } },
      importThroughput: { executionId: 'imp-01', unit: 'files' as const, current: 25, history: [25], etaSeconds: 36 },
    };
    const v = await renderUi(<ImportScreen {...base} snap={verifying} actions={fakeActions()} />);
    expect(v.frame()).toContain('Rate 25 files/s  ETA 36s');
    expect(v.frame()).toMatch(/Verifying \[#+\.+\]\s+25%\s+300\/1,200 entries verified/);
    expect(v.frame()).not.toMatch(/\]\s+100%\s+1,200\/1,200 entries\s+4\.00 GiB/);
  });

  it('ERASED: nothing left to import, no refusal that says "unlock with the manifest" (issue 26)', async () => {
    const erased = busySnapshot({
      status: { state: 'ok', value: status({ state: 'ERASED', snowballJobState: 'Complete', unlocked: false }), at: NOW },
      report: { state: 'error', error: { code: 'DEVICE_LOCKED', message: 'the device holds no key: unlock it with the manifest and the unlock code' } },
    });
    const ui = await renderUi(<ImportScreen {...base} snap={erased} actions={fakeActions()} />);
    expect(ui.frame()).toContain('Device ERASED: the journal is crypto-erased; there is nothing left to import or sync');
    expect(ui.frame()).not.toContain('unlock it with the manifest');
    expect(ui.frame()).not.toContain('import into the destinations');
    await ui.type('i');
    expect(ui.frame()).not.toContain('startImport done');
  });
});

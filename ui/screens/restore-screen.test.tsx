import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../appliance/cli/api-client.js';
import { HttpFloeSource } from '../data/http-source.js';
import { UiStore } from '../data/store.js';
import { busySnapshot, fakeActions, NOW, POINTS, restoreRun, status } from '../testing/fixtures.js';
import { KEYS, renderUi } from '../testing/render.js';
import { RestoreScreen } from './restore-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {} };
const GiB = 1024 ** 3;
/** The frame as one line: a sentence wrapped at 80 columns reads whole. */
const flat = (frame: string): string => frame.replace(/\s+/g, ' ');

describe('Restore', () => {
  it('lists the recovery points with their ended time, task, status, entries and bytes; the newest picked', async () => {
    const ui = await renderUi(<RestoreScreen {...base} snap={busySnapshot()} actions={fakeActions()} />);
    const f = ui.frame();
    expect(f).toContain('Recovery points (3, oldest first; point 3 picked)');
    expect(f).toMatch(/POINT\s+ENDED \(UTC\)\s+TASK\s+STATUS\s+ENTRIES\s+BYTES/);
    expect(f).toMatch(/ {2}exec-1f2e3d4c5b6a79880\s+2026-11-28 09:41\s+projects\s+SUCCESS\s+11,800\s+3\.90 GiB/);
    expect(f).toMatch(/ {2}exec-2a3b4c5d6e7f80912\s+2026-11-29 08:12\s+home\s+ERROR\s+12,350\s+4\.10 GiB/);
    expect(f).toMatch(/> exec-3c4d5e6f7a8b9c0d1\s+2026-11-30 09:30\s+projects\s+SUCCESS\s+12,000\s+4\.00 GiB/);
    expect(f).toContain('Restore: none since the daemon started.');
    await ui.type(KEYS.up, KEYS.up);
    expect(ui.frame()).toMatch(/> exec-1f2e3d4c5b6a79880/);
    expect(ui.frame()).toContain('point 1 picked');
  });

  it('starts a restore of the picked point into the typed target, with filters, after y', async () => {
    const actions = fakeActions();
    const captures: boolean[] = [];
    const ui = await renderUi(<RestoreScreen {...base} setCapture={(c) => captures.push(c)} snap={busySnapshot()} actions={actions} />);
    await ui.type('r'); // no target yet: the field opens
    expect(ui.frame()).toContain('Error: a restore needs a target (file:// or nfs://): t, then r [INVALID_ARGUMENT]');
    expect(captures.at(-1)).toBe(true);
    await ui.type('file:///mnt/restore/2', KEYS.enter, '/projects*', KEYS.enter, '*.tmp', KEYS.enter);
    expect(ui.frame()).toContain('Target   : file:///mnt/restore/2');
    expect(ui.frame()).toContain('Includes : /projects*');
    expect(ui.frame()).toContain('Excludes : *.tmp');
    await ui.type(KEYS.up, 'r');
    expect(flat(ui.frame())).toContain('Restore point exec-2a3b4c5d6e7f80912 (ended 2026-11-29 08:12, 12,350 entries, 4.10 GiB) into file:///mnt/restore/2? y = yes');
    expect(actions.calls).toEqual([]);
    await ui.type('y');
    expect(actions.calls).toEqual([['startRestore', { point: 'exec-2a3b4c5d6e7f80912', target: 'file:///mnt/restore/2', includes: '/projects*', excludes: '*.tmp' }]]);
    expect(ui.frame()).toContain('startRestore done');
    // any key other than y asks nothing
    await ui.type('r', 'n');
    expect(actions.calls).toHaveLength(1);
  });

  it('sends exactly {point, target} to POST /v1/restore, filters left out when empty', async () => {
    const requests: Array<[string, string, unknown]> = [];
    const api = {
      url: 'http://127.0.0.1:4780',
      request: (method: string, path: string, body?: unknown) => {
        requests.push([method, path, body]);
        return Promise.resolve({ executionId: 'restore-1', state: 'RUNNING', startedAt: 't', destinations: [], point: POINTS[2]!.id, target: 'file:///srv/back' });
      },
    } as unknown as ApiClient;
    const store = new UiStore(new HttpFloeSource(() => Promise.resolve(api)));
    const ui = await renderUi(<RestoreScreen {...base} snap={busySnapshot()} actions={store} />);
    await ui.type('t', 'file:///srv/back', KEYS.esc, 'r', 'y');
    await ui.type('');
    expect(requests.filter(([m]) => m === 'POST')).toEqual([['POST', '/v1/restore', { point: 'exec-3c4d5e6f7a8b9c0d1', target: 'file:///srv/back' }]]);
    expect(ui.frame()).toContain('restore restore-1 started: point exec-3c4d5e6f7a8b9c0d1 into file:///srv/back');
    store.close();
  });

  it('shows a running restore\'s phase, entries, bytes, rate and ETA like the Import screen, and cancels it after y', async () => {
    const snap = busySnapshot({
      restoreStatus: { state: 'ok', at: NOW, value: restoreRun() },
      restoreThroughput: { executionId: 'restore-20261130T095500-ab12cd34', current: 96 * 1024 ** 2, history: [96 * 1024 ** 2], etaSeconds: 28.9 },
    });
    const actions = fakeActions();
    const ui = await renderUi(<RestoreScreen {...base} snap={snap} actions={actions} />);
    const f = ui.frame();
    expect(f).toContain('Restore: RUNNING (execution restore-20261130T095500-ab12cd34)');
    expect(f).toContain('Point exec-1f2e3d4c5b6a79880, started 2026-11-30 09:55\n');
    expect(f).toContain('Rate 96.0 MiB/s  ETA 29s');
    expect(f).toContain('file:///mnt/restore/projects  TRANSFERRING');
    expect(f).toMatch(/\[#+\.+\]\s+30%\s+2,950\/11,800 entries\s+1\.20 GiB\/3\.90 GiB\s+failed 0/);
    await ui.type('r');
    expect(ui.frame()).toContain('is running: wait for it or cancel it (c) [CONFLICT]');
    await ui.type('c');
    expect(ui.frame()).toContain('Cancel restore restore-20261130T095500-ab12cd34?');
    await ui.type('y');
    expect(actions.calls).toEqual([['cancelRestore']]);
  });

  it('shows the end state COMPLETED_WITH_ERRORS with the error code and message, without a rate', async () => {
    const done = restoreRun({
      status: 'COMPLETED_WITH_ERRORS',
      endedAt: '2026-11-30T09:59:30.000Z',
      destinations: [{ uri: 'file:///mnt/restore/projects', status: 'ERROR', filesDone: 11798, filesTotal: 11800, bytesDone: 3.9 * GiB, bytesTotal: 3.9 * GiB, filesFailed: 2, errorCode: 'CHECKSUM_MISMATCH', errorDetail: '2 files failed: the journal chunk does not match its SHA-256' }],
    });
    const snap = busySnapshot({ restoreStatus: { state: 'ok', at: NOW, value: done }, restoreThroughput: { history: [] } });
    const ui = await renderUi(<RestoreScreen {...base} snap={snap} actions={fakeActions()} />);
    const f = ui.frame();
    expect(f).toContain('Restore: COMPLETED_WITH_ERRORS (execution restore-20261130T095500-ab12cd34)');
    expect(f).toContain('Point exec-1f2e3d4c5b6a79880, started 2026-11-30 09:55, ended 2026-11-30 09:59');
    expect(f).toContain('file:///mnt/restore/projects  ERROR');
    expect(f).toMatch(/11,798\/11,800 entries\s+3\.90 GiB\/3\.90 GiB\s+failed 2/);
    expect(f).toContain('Error: 2 files failed: the journal chunk does not match its SHA-256 [CHECKSUM_MISMATCH]');
    expect(f).not.toContain('Rate');
    // A run that could not go on: the run's own error, with its code.
    const failed = busySnapshot({ restoreStatus: { state: 'ok', at: NOW, value: restoreRun({ status: 'FAILED', message: 'no space left on file:///mnt/restore/projects [DESTINATION_FULL]', error: { code: 'DESTINATION_FULL', message: 'no space left on file:///mnt/restore/projects' } }) } });
    const ui2 = await renderUi(<RestoreScreen {...base} snap={failed} actions={fakeActions()} />);
    expect(ui2.frame()).toContain('Restore: FAILED');
    expect(ui2.frame()).toContain('no space left on file:///mnt/restore/projects [DESTINATION_FULL]');
  });

  it('says the device holds no key instead of an empty list, and offers no restore', async () => {
    const noKey = busySnapshot({
      status: { state: 'ok', value: status({ unlocked: false }), at: NOW },
      points: { state: 'error', error: { code: 'DEVICE_LOCKED', message: 'the device holds no key: unlock it with the manifest and the unlock code' } },
    });
    const actions = fakeActions();
    const ui = await renderUi(<RestoreScreen {...base} snap={noKey} actions={actions} />);
    const f = ui.frame();
    expect(flat(f)).toContain('Recovery points and restore need the job keys: the daemon holds no key (none after a restart): press 2 to unlock with the manifest and the code first.');
    expect(f).not.toContain('No recovery points yet');
    expect(f).not.toContain('Target');
    await ui.type('t', 'r');
    expect(actions.calls).toEqual([]);
    // Status not read yet: the daemon's DEVICE_LOCKED alone says it.
    const unknown = busySnapshot({ status: { state: 'loading' }, points: noKey.points });
    const ui2 = await renderUi(<RestoreScreen {...base} snap={unknown} actions={fakeActions()} />);
    expect(flat(ui2.frame())).toContain('Recovery points and restore need the job keys: the device holds no key: unlock it with the manifest and the unlock code.');
  });

  it('says when there is no point yet', async () => {
    const ui = await renderUi(<RestoreScreen {...base} snap={busySnapshot({ points: { state: 'ok', at: NOW, value: [] } })} actions={fakeActions()} />);
    expect(ui.frame()).toContain('No recovery points yet: each ingest execution that ends makes one (3 Tasks).');
  });
});

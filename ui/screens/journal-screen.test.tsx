import { describe, expect, it } from 'vitest';
import { AppView } from '../app.js';
import { busySnapshot, execution, fakeActions, NOW, status } from '../testing/fixtures.js';
import { DashboardScreen } from './dashboard-screen.js';
import { renderUi } from '../testing/render.js';
import { JournalScreen } from './journal-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {} };

describe('Journal', () => {
  it('shows files, bytes, stored bytes, dedup ratio and the disk gauge', async () => {
    const ui = await renderUi(<JournalScreen {...base} snap={busySnapshot()} actions={fakeActions()} />);
    const f = ui.frame();
    expect(f).toContain('Files:           5,400 entries (files and folders)');
    expect(f).toContain('Bytes (logical): 1.50 GiB');
    expect(f).toContain('Stored on disk:  1.21 GiB in 3 segment(s)');
    expect(f).toContain('Unique chunks:   4,100 (1.20 GiB)');
    expect(f).toContain('Dedup ratio:     1.25x');
    expect(f).toMatch(/Data disk \(journal\) \[#+\.+\]\s+14%/);
    expect(f).toContain('2.00 TiB used, 12.0 TiB available of 14.0 TiB');
    expect(f).toContain('Use% as df counts it: used / (used + available)');
    expect(f).toContain('Press v to verify the whole journal.');
  });

  it('warns when the disk is nearly full', async () => {
    const ui = await renderUi(<JournalScreen {...base} snap={busySnapshot({ disk: { state: 'ok', value: { totalBytes: 100, freeBytes: 4 }, at: 0 } })} actions={fakeActions()} />);
    expect(ui.frame()).toMatch(/96% NEARLY FULL/);
  });

  it('runs verify on v and shows its progress, then its result', async () => {
    const actions = fakeActions();
    const ui = await renderUi(<JournalScreen {...base} snap={busySnapshot()} actions={actions} />);
    await ui.type('v');
    expect(actions.calls).toEqual([['verifyJournal']]);
    ui.rerender(<JournalScreen {...base} snap={busySnapshot({ verify: { running: true, bytesScanned: 300, totalBytes: 1000 } })} actions={actions} />);
    await ui.type('v'); // ignored while one runs
    expect(actions.calls).toHaveLength(1);
    expect(ui.frame()).toContain('Verifying: reading every segment');
    expect(ui.frame()).toMatch(/\[#+\.+\]\s+30%/);
    ui.rerender(<JournalScreen {...base} snap={busySnapshot({ verify: { running: false, result: { ok: true, files: 5400, records: 9600, problems: [] } } })} actions={actions} />);
    await ui.type('');
    expect(ui.frame()).toContain('Verify: OK, 5,400 entries (files and folders), 9,600 records, no problem');
  });

  it('lists the problems a verify found, and the error when the device is locked', async () => {
    const problems = { ok: false, files: 10, records: 20, problems: [{ kind: 'chunk', message: 'segment 2 offset 4096: tag mismatch' }] };
    const ui = await renderUi(<JournalScreen {...base} snap={busySnapshot({ verify: { running: false, result: problems } })} actions={fakeActions()} />);
    expect(ui.frame()).toContain('Verify: 1 PROBLEM(S) in 20 records');
    expect(ui.frame()).toContain('chunk: segment 2 offset 4096: tag mismatch');
    const locked = await renderUi(
      <JournalScreen {...base} snap={busySnapshot({ journal: { state: 'error', error: { code: 'DEVICE_LOCKED', message: 'the device is locked: unlock it first' } } })} actions={fakeActions()} />,
    );
    expect(locked.frame()).toContain('Journal: the device is locked: unlock it first [DEVICE_LOCKED]');
  });

  it('does not offer verify without the keys: LOCKED says why, and v does nothing (issue 26)', async () => {
    const actions = fakeActions();
    const snap = busySnapshot({ status: { state: 'ok', value: status({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false }), at: NOW } });
    const ui = await renderUi(<JournalScreen {...base} snap={snap} actions={actions} />);
    expect(ui.frame()).toContain('Verify needs the job keys: a device locked for shipping holds none');
    expect(ui.frame()).not.toContain('Press v');
    await ui.type('v');
    expect(actions.calls).toEqual([]);
    const app = await renderUi(<AppView snap={snap} actions={fakeActions()} initialScreen="journal" width={80} height={24} />);
    expect(app.frame()).not.toContain('v verify');
  });

  it('ERASED: the journal is crypto-erased, nothing to verify, no "unlock with the manifest" (issue 26)', async () => {
    const snap = busySnapshot({
      status: { state: 'ok', value: status({ state: 'ERASED', snowballJobState: 'Complete', unlocked: false }), at: NOW },
      journal: { state: 'error', error: { code: 'DEVICE_LOCKED', message: 'the device holds no key: unlock it with the manifest and the unlock code' } },
    });
    const ui = await renderUi(<JournalScreen {...base} snap={snap} actions={fakeActions()} />);
    expect(ui.frame()).toContain('Journal: crypto-erased; nothing is left and nothing can be unlocked.');
    expect(ui.frame()).toContain('Nothing to verify: the journal is crypto-erased.');
    expect(ui.frame()).not.toContain('unlock with the manifest');
    expect(ui.frame()).not.toContain('unlock it with the manifest');
    expect(ui.frame()).not.toContain('Press v');
  });

  it('labels the journal\'s count as entries, files and folders, beside ingest\'s count of files (issue 26)', async () => {
    const e = execution({ status: 'SUCCESS', estimatedFiles: 3004, filesTransferred: 3004, bytesWritten: 4 * 1024 ** 3 });
    const snap = busySnapshot({ current: e, journal: { state: 'ok', at: NOW, value: { files: 3065, logicalBytes: 4 * 1024 ** 3, chunks: 10, chunkBytes: 4 * 1024 ** 3, storedBytes: 4 * 1024 ** 3, segments: 1, dedupRatio: 1, records: 6100 } } });
    const journal = await renderUi(<JournalScreen {...base} snap={snap} actions={fakeActions()} />);
    expect(journal.frame()).toContain('Files:           3,065 entries (files and folders)');
    expect(journal.frame()).not.toMatch(/Files:\s+3,065\s*$/m);
    const dashboard = await renderUi(<DashboardScreen {...base} snap={snap} actions={fakeActions()} />);
    expect(dashboard.frame()).toContain('Files 3,004 of 3,004 (folders not counted)');
  });
});

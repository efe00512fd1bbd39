import { describe, expect, it } from 'vitest';
import { busySnapshot, fakeActions } from '../testing/fixtures.js';
import { renderUi } from '../testing/render.js';
import { JournalScreen } from './journal-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {} };

describe('Journal', () => {
  it('shows files, bytes, stored bytes, dedup ratio and the disk gauge', async () => {
    const ui = await renderUi(<JournalScreen {...base} snap={busySnapshot()} actions={fakeActions()} />);
    const f = ui.frame();
    expect(f).toContain('Files:           5,400');
    expect(f).toContain('Bytes (logical): 1.50 GiB');
    expect(f).toContain('Stored on disk:  1.21 GiB in 3 segment(s)');
    expect(f).toContain('Unique chunks:   4,100 (1.20 GiB)');
    expect(f).toContain('Dedup ratio:     1.25x');
    expect(f).toMatch(/Disk \[#+\.+\]\s+14%/);
    expect(f).toContain('12.0 TiB free of 14.0 TiB');
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
    expect(ui.frame()).toContain('Verify: OK, 5,400 files, 9,600 records, no problem');
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
});

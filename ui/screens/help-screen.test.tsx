import { describe, expect, it } from 'vitest';
import { renderUi } from '../testing/render.js';
import { HelpScreen } from './help-screen.js';

describe('Help', () => {
  it('lists the keys to switch screens, to quit, and each screen\'s own keys', async () => {
    const ui = await renderUi(<HelpScreen />);
    const f = ui.frame();
    expect(f).toContain('1..8            Dash, Unlock, Tasks, Journal, Import, Device, Label, Restore');
    expect(f).toContain('q or Ctrl+C     quit the UI (the daemon keeps running)');
    expect(f).toMatch(/Tasks\s+b\s+change the running execution's bandwidth/);
    expect(f).toMatch(/Journal\s+v\s+verify the whole journal/);
    expect(f).toMatch(/Label\s+L then y\s+lock the device for shipping/);
    expect(f).toMatch(/Restore\s+Up\/Down, t\s+pick a recovery point; t: target file:\/\/\/path or nfs:\/\/\.\.\., filters/);
    expect(f).toMatch(/Restore\s+r \/ c, y\s+restore the point into the target \/ cancel the restore/);
  });
});

import { renderToString } from 'ink';
import { describe, expect, it } from 'vitest';
import { App, AppView } from './app.js';
import { busySnapshot, fakeActions, LABEL, NOW, status } from './testing/fixtures.js';
import { KEYS, renderUi } from './testing/render.js';
import type { Snapshot } from './data/store.js';

const view = { width: 80, height: 24 };

describe('the app', () => {
  it('switches screens with digits, Tab and ?, and quits with q', async () => {
    const quit: string[] = [];
    const ui = await renderUi(<AppView snap={busySnapshot()} actions={fakeActions()} {...view} onQuit={() => quit.push('q')} />);
    expect(ui.frame()).toContain('[1 Dash]');
    await ui.type('4');
    expect(ui.frame()).toContain('[4 Journal]');
    expect(ui.frame()).toContain('Dedup ratio');
    await ui.type(KEYS.tab);
    expect(ui.frame()).toContain('[5 Import]');
    await ui.type('6');
    expect(ui.frame()).toContain('Network interfaces');
    await ui.type('8');
    expect(ui.frame()).toContain('[8 Restore]');
    expect(ui.frame()).toContain('Recovery points (3, oldest first; point 3 picked)');
    expect(ui.frame()).toContain('Up/Down point  t target  r restore  c cancel  1-8 screens');
    await ui.type('?');
    expect(ui.frame()).toContain('Keys everywhere');
    await ui.type('q');
    expect(quit).toEqual(['q']);
  });

  it('keeps digits typed into a form out of the screen switch until Esc', async () => {
    const ui = await renderUi(<AppView snap={busySnapshot()} actions={fakeActions()} {...view} />);
    await ui.type('2');
    await ui.type('/media/usb/3_manifest.bin');
    expect(ui.frame()).toContain('[2 Unlock]');
    expect(ui.frame()).toContain('Manifest file: /media/usb/3_manifest.bin');
    await ui.type(KEYS.esc, '3');
    expect(ui.frame()).toContain('[3 Tasks]');
  });

  it('shows the shipping label by itself when the device becomes LOCKED', async () => {
    const actions = fakeActions();
    const ui = await renderUi(<AppView snap={busySnapshot()} actions={actions} {...view} />);
    const locked: Snapshot = busySnapshot({ status: { state: 'ok', value: status({ state: 'LOCKED', unlocked: false }), at: NOW }, label: { state: 'ok', value: LABEL, at: NOW } });
    ui.rerender(<AppView snap={locked} actions={actions} {...view} />);
    await ui.type('');
    expect(ui.frame()).toContain('[7 Label]');
    expect(ui.frame()).toContain(`Job  ${LABEL.jobId}`);
  });

  it('keeps working when a screen cannot draw an answer of an unexpected shape', async () => {
    const broken = busySnapshot({ device: { state: 'ok', at: NOW, value: { temperatures: null } as never } });
    const ui = await renderUi(<AppView snap={broken} actions={fakeActions()} {...view} initialScreen="device" />);
    expect(ui.frame()).toContain('The Device screen could not be drawn:');
    expect(ui.frame()).toContain('online http://127.0.0.1:4780');
    await ui.type('1');
    expect(ui.frame()).toContain('State ON_SITE');
  });

  it('fits 80x24 on every screen and uses no colour with NO_COLOR', () => {
    const snap = busySnapshot();
    const store = { subscribe: () => () => {}, getSnapshot: () => snap, ...fakeActions() };
    for (const screen of ['dashboard', 'unlock', 'tasks', 'journal', 'import', 'device', 'label', 'restore', 'help'] as const) {
      const out = renderToString(<App store={store} theme={{ color: false }} initialScreen={screen} {...view} />, { columns: 80 });
      const lines = out.split('\n');
      expect(lines.length, screen).toBeLessThanOrEqual(23);
      for (const line of lines) expect(line.length, `${screen}: ${line}`).toBeLessThanOrEqual(80);
      expect(out.includes('\u001b[')).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { busySnapshot, fakeActions, NOW, SEAL, status } from '../testing/fixtures.js';
import { KEYS, renderUi, tick } from '../testing/render.js';
import { UnlockScreen } from './unlock-screen.js';

const CODE = 'ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2';
const locked = busySnapshot({ status: { state: 'ok', value: status({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false }), at: NOW } });
const base = { width: 80, height: 20, active: true, setCapture: () => {}, manifestCandidates: [] };

describe('Unlock', () => {
  it('takes the manifest path and the code typed masked, and unlocks with both', async () => {
    const actions = fakeActions();
    const ui = await renderUi(<UnlockScreen {...base} snap={locked} actions={actions} />);
    expect(ui.frame()).toContain('State LOCKED (InTransitToAWS)');
    expect(ui.frame()).toContain('Keys: none: locked for shipping; manifest and code unlock it at the facility');
    await ui.type('/media/usb/JID1_manifest.bin', KEYS.enter, CODE);
    expect(ui.frame()).toContain('Manifest file: /media/usb/JID1_manifest.bin');
    expect(ui.frame()).toContain(`Unlock code  : ${'*'.repeat(29)}`);
    expect(ui.frame()).toContain('29/29 characters');
    expect(ui.frame()).not.toContain('ABCDE');
    await ui.type(KEYS.enter);
    expect(actions.calls).toEqual([['unlock', '/media/usb/JID1_manifest.bin', CODE]]);
    expect(ui.frame()).toContain('Unlocked: the device is LOCKED');
  });

  it('says why a wrong code failed and counts down the delay before the next attempt', async () => {
    const actions = fakeActions({
      unlock: { ok: false, error: { code: 'WRONG_UNLOCK_CODE', message: 'the unlock code does not open this manifest', details: { retryAfterSeconds: 30 } } },
    });
    const ui = await renderUi(<UnlockScreen {...base} snap={locked} actions={actions} />);
    await ui.type('m.bin', KEYS.enter, 'WRONG', KEYS.backspace, 'G', KEYS.enter);
    expect(actions.calls[0]).toEqual(['unlock', 'm.bin', 'WRONG']);
    const f = ui.frame();
    expect(f).toContain('Unlock failed: the unlock code does not open this manifest [WRONG_UNLOCK_CODE]');
    expect(f).toMatch(/Next attempt allowed in (29|30) s/);
    expect(f).toContain('Unlock code  : _'); // the code field is cleared for the next try
  });

  it('shows the daemon-side delay (UNLOCK_DELAYED) with the count of wrong codes', async () => {
    const delayed = busySnapshot({ status: { state: 'ok', value: status({ state: 'LOCKED', unlocked: false, unlockRetryAfterSeconds: 120, failedUnlockAttempts: 4 }), at: NOW } });
    const actions = fakeActions({ unlock: { ok: false, error: { code: 'UNLOCK_DELAYED', message: 'too many wrong codes: try again in 120 s', details: { retryAfterSeconds: 120 } } } });
    const ui = await renderUi(<UnlockScreen {...base} snap={delayed} actions={actions} />);
    expect(ui.frame()).toContain('Next attempt allowed in 120 s (4 wrong code(s) so far)');
    await ui.type('m.bin', KEYS.enter, 'X', KEYS.enter);
    expect(ui.frame()).toContain('Unlock failed: too many wrong codes: try again in 120 s [UNLOCK_DELAYED]');
  });

  it('picks a manifest found on media with Up/Down, and Esc gives the keys back', async () => {
    const captures: boolean[] = [];
    const ui = await renderUi(
      <UnlockScreen {...base} snap={locked} actions={fakeActions()} manifestCandidates={['/media/usb/A_manifest.bin', '/media/usb/B_manifest.bin']} setCapture={(c) => captures.push(c)} />,
    );
    expect(ui.frame()).toContain('Manifest file: /media/usb/A_manifest.bin');
    expect(ui.frame()).toContain('Found 2 manifest file(s)');
    await ui.type(KEYS.down);
    expect(ui.frame()).toContain('Manifest file: /media/usb/B_manifest.bin');
    expect(captures.at(-1)).toBe(true);
    await ui.type(KEYS.esc);
    await tick();
    expect(captures.at(-1)).toBe(false);
  });

  it('states the seal check result and, separately, whether keys are held (issue 26)', async () => {
    const inState = (over: Parameters<typeof status>[0]) => busySnapshot({ status: { state: 'ok', value: status({ sealFingerprint: SEAL, ...over }), at: NOW } });
    const checked = await renderUi(<UnlockScreen {...base} snap={inState({ state: 'AT_FACILITY', snowballJobState: 'WithAWS', unlocked: true })} actions={fakeActions()} />);
    expect(checked.frame()).toContain(`Seal ${SEAL}: check passed, the journal matches it`);
    expect(checked.frame()).toContain('Keys: held (unlocked; a new unlock only re-checks the manifest and the code)');
    expect(checked.frame()).not.toContain('keys held: already unlocked');
    const pending = await renderUi(<UnlockScreen {...base} snap={inState({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false })} actions={fakeActions()} />);
    expect(pending.frame()).toContain(`Seal ${SEAL}: not checked yet; unlock checks it`);
    expect(pending.frame()).not.toContain('the journal matches it');
    const onSite = await renderUi(<UnlockScreen {...base} snap={inState({ sealFingerprint: undefined })} actions={fakeActions()} />);
    expect(onSite.frame()).toContain('Seal: none yet (written when the device is locked for shipping)');
    expect(onSite.frame()).toContain('Keys: held');
  });

  it('ERASED: says nothing can be unlocked, offers no form, never "unlock with the manifest" (issue 26)', async () => {
    const actions = fakeActions();
    const snap = busySnapshot({ status: { state: 'ok', value: status({ state: 'ERASED', snowballJobState: 'Complete', unlocked: false }), at: NOW } });
    const ui = await renderUi(<UnlockScreen {...base} snap={snap} actions={actions} />);
    expect(ui.frame()).toContain('Keys: none: erased, the job and its keys are gone; nothing can be unlocked');
    expect(ui.frame()).toContain('Seal: none (the journal is crypto-erased)');
    expect(ui.frame()).not.toContain('unlock with the manifest');
    expect(ui.frame()).not.toContain('Manifest file');
    await ui.type('m.bin', KEYS.enter, CODE, KEYS.enter);
    expect(actions.calls).toEqual([]);
  });
});

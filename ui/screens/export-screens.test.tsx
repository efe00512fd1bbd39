// The screens on an EXPORT device (issue 23, item 5): the next steps, the keys and seal lines, the
// tasks' reason and the shipping label follow the direction (filled at the facility, shipped to
// the customer, restored on site).
import { describe, expect, it } from 'vitest';
import { bigLine } from '../widgets/big-font.js';
import { busySnapshot, fakeActions, LABEL, NOW, SEAL, status } from '../testing/fixtures.js';
import { renderUi } from '../testing/render.js';
import { DashboardScreen } from './dashboard-screen.js';
import { LabelScreen } from './label-screen.js';
import { TasksScreen } from './tasks-screen.js';
import { UnlockScreen } from './unlock-screen.js';

const props = { actions: fakeActions(), width: 80, height: 20, active: true, setCapture: () => {} };
type Over = NonNullable<Parameters<typeof status>[0]>;
const exporting = (over: Over) => busySnapshot({ status: { state: 'ok', value: status({ jobType: 'EXPORT', ...over }), at: NOW }, current: undefined, executions: { state: 'ok', value: [], at: NOW } });
const CUSTOMER = { name: 'Field Station 4', street1: '1 Harbour Road', city: 'Tromso', postalCode: '9008', country: 'NO' };

describe('an EXPORT device on the screens', () => {
  it('Dashboard: the next step for each state of the way out', async () => {
    const cases: Array<[Over, string]> = [
      [{ state: 'PROVISIONED', snowballJobState: 'PreparingAppliance', unlocked: false }, 'No keys: press 2 to unlock with the manifest and the code.'],
      [{ state: 'AT_FACILITY', snowballJobState: 'InProgress', unlocked: false }, 'No keys: press 2 to unlock with the manifest and the code.'],
      [{ state: 'LOCKED', snowballJobState: 'InTransitToCustomer', unlocked: false }, 'Locked for the customer: ship it; 7 shows the label; on site, 2 unlocks it.'],
      [{ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true }, "On site, seal checked: press 8 for Restore, t for the customer's share, then r to restore."],
      [{ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: false }, 'On site, no keys: 2 unlocks (manifest and code), then 8 restores.'],
      [{ state: 'RESTORED', snowballJobState: 'Complete', unlocked: true }, 'Restored: 5 shows the completion report; then erase the device (floe erase).'],
      [{ state: 'RESTORED_WITH_ERRORS', snowballJobState: 'Complete', unlocked: true }, 'Restored with errors: 5 shows the failed files; restore again (8, r) or floe erase.'],
    ];
    for (const [over, step] of cases) {
      const { frame } = await renderUi(<DashboardScreen {...props} snap={exporting(over)} />);
      expect(frame(), over.state).toContain(step);
      expect(frame(), over.state).not.toContain('press 5 for Import');
    }
    // Filling at the facility with the keys: the execution area says what to do, as on site for IMPORT.
    const filling = await renderUi(<DashboardScreen {...props} snap={exporting({ state: 'AT_FACILITY', snowballJobState: 'InProgress', unlocked: true })} />);
    expect(filling.frame()).toContain('No execution yet: press 3 for Tasks to create and start one');
  });

  it('Dashboard: fits RESTORED_WITH_ERRORS in 80 columns', async () => {
    const { frame } = await renderUi(<DashboardScreen {...props} snap={exporting({ state: 'RESTORED_WITH_ERRORS', snowballJobState: 'Complete' })} />);
    for (const line of bigLine('RESTORED WITH ERRORS')) {
      expect(line.length).toBeLessThanOrEqual(80);
      expect(frame()).toContain(line);
    }
  });

  it('Unlock: the keys and the seal lines say where the next unlock happens', async () => {
    const locked = await renderUi(<UnlockScreen {...props} manifestCandidates={[]} snap={exporting({ state: 'LOCKED', snowballJobState: 'InTransitToCustomer', unlocked: false, sealFingerprint: SEAL })} />);
    expect(locked.frame()).toContain('Keys: none: locked for shipping; manifest and code unlock it on site');
    expect(locked.frame()).toContain(`Seal ${SEAL}: not checked yet; unlock checks it`);
    const fresh = await renderUi(<UnlockScreen {...props} manifestCandidates={[]} snap={exporting({ state: 'PROVISIONED', snowballJobState: 'PreparingAppliance', unlocked: false })} />);
    expect(fresh.frame()).toContain('Keys: none yet: unlock with the manifest and the code to start at the facility');
    const filling = await renderUi(<UnlockScreen {...props} manifestCandidates={[]} snap={exporting({ state: 'AT_FACILITY', snowballJobState: 'InProgress', unlocked: true })} />);
    expect(filling.frame()).toContain('Seal: none yet (written when the device is locked for shipping)');
    const arrived = await renderUi(<UnlockScreen {...props} manifestCandidates={[]} snap={exporting({ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true, sealFingerprint: SEAL })} />);
    expect(arrived.frame()).toContain(`Seal ${SEAL}: check passed, the journal matches it`);
  });

  it('Tasks: on site an EXPORT device runs no ingest, and says where it does', async () => {
    const snap = exporting({ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true });
    const ui = await renderUi(<TasksScreen {...props} snap={{ ...snap, tasks: { state: 'ok', value: [], at: NOW } }} />);
    expect(ui.frame().replaceAll('\n', ' ')).toContain('Tasks: ingest tasks run only at the facility (AT_FACILITY) on an EXPORT device; the device is ON_SITE.');
  });

  it('Label: locked, it ships to the customer; at the facility, L locks it', async () => {
    const label = { ...LABEL, jobType: 'EXPORT' as const, shipTo: CUSTOMER, shipFrom: LABEL.returnAddress };
    const snap = busySnapshot({
      status: { state: 'ok', value: status({ jobType: 'EXPORT', state: 'LOCKED', snowballJobState: 'InTransitToCustomer', unlocked: false, sealFingerprint: SEAL }), at: NOW },
      label: { state: 'ok', value: label, at: NOW },
    });
    const ui = await renderUi(<LabelScreen {...props} snap={snap} />);
    expect(ui.frame()).toContain('Ship to (customer):');
    expect(ui.frame()).toContain('Field Station 4');
    expect(ui.frame()).toContain('Tromso 9008, NO');
    expect(ui.frame()).not.toContain('Return to:');
    const filling = await renderUi(<LabelScreen {...props} snap={exporting({ state: 'AT_FACILITY', snowballJobState: 'InProgress', unlocked: true })} />);
    expect(filling.frame()).toContain('Press L (shift+l) to lock');
    const onSite = await renderUi(<LabelScreen {...props} snap={exporting({ state: 'ON_SITE', snowballJobState: 'WithCustomer', unlocked: true })} />);
    expect(onSite.frame()).not.toContain('Press L');
  });
});

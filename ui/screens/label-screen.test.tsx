import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { bigText } from '../widgets/big-font.js';
import { labelPayload, QR_MARGIN } from '../widgets/qr-code.js';
import { busySnapshot, fakeActions, JOB_ID, LABEL, NOW, SEAL, status } from '../testing/fixtures.js';
import { renderUi } from '../testing/render.js';
import { LabelScreen } from './label-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {} };
const locked = busySnapshot({
  status: { state: 'ok', value: status({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false, sealFingerprint: SEAL }), at: NOW },
  label: { state: 'ok', value: LABEL, at: NOW },
});

/** Reads the half-block QR drawing back into modules (true = dark; light is drawn filled). */
function readQr(lines: string[], size: number): boolean[][] {
  const m: boolean[][] = [];
  for (let r = 0; r < size; r++) {
    const line = lines[Math.floor(r / 2)]!;
    const row: boolean[] = [];
    for (let c = 0; c < size; c++) {
      const ch = line[c] ?? ' ';
      const lightTop = ch === '█' || ch === '▀';
      const lightBottom = ch === '█' || ch === '▄';
      row.push(!(r % 2 === 0 ? lightTop : lightBottom));
    }
    m.push(row);
  }
  return m;
}

describe('Shipping label', () => {
  it('shows the job id in large letters and in full, the seal fingerprint and the return address', async () => {
    const ui = await renderUi(<LabelScreen {...base} snap={locked} actions={fakeActions()} />);
    const f = ui.frame();
    const lines = f.split('\n');
    for (const big of bigText(JOB_ID, 48)) expect(lines.some((l) => l.includes(big))).toBe(true);
    expect(f).toContain(`Job  ${JOB_ID}`);
    expect(f).toContain(`Seal ${SEAL}`);
    expect(f).toContain('Return to:');
    expect(f).toContain('Receiving');
    expect(f).toContain('1 Test Way');
    expect(f).toContain('Seattle WA 98101, US');
    expect(f).toContain('scan: job id + seal');
  });

  it("draws a QR code whose modules are exactly qrcode's symbol for job id and seal", async () => {
    const ui = await renderUi(<LabelScreen {...base} snap={locked} actions={fakeActions()} />);
    const payload = labelPayload(JOB_ID, SEAL);
    expect(payload).toBe(`${JOB_ID.toUpperCase()} ${SEAL.toUpperCase()}`);
    const symbol = QRCode.create(payload, { errorCorrectionLevel: 'L' });
    const size = symbol.modules.size + 2 * QR_MARGIN;
    const drawn = readQr(ui.frame().split('\n').map((l) => l.slice(0, size)), size);
    for (let r = 0; r < symbol.modules.size; r++) {
      for (let c = 0; c < symbol.modules.size; c++) expect(drawn[r + QR_MARGIN]![c + QR_MARGIN]).toBe(symbol.modules.get(r, c) === 1);
    }
    // The quiet zone is light all around.
    expect(drawn[0]!.every((dark) => !dark)).toBe(true);
    expect(drawn.every((row) => !row[0])).toBe(true);
    // Small enough to sit beside the text at 80x24.
    expect(size).toBeLessThanOrEqual(33);
  });

  it('locks an on-site device after L and y, and shows a refusal', async () => {
    const onSite = busySnapshot();
    const actions = fakeActions({ lock: { ok: false, error: { code: 'CONFLICT', message: 'an execution is running: cancel it or lock with cancelRunning' } } });
    const ui = await renderUi(<LabelScreen {...base} snap={onSite} actions={actions} />);
    expect(ui.frame()).toContain('The device is ON_SITE: the label appears once it is locked for shipping.');
    await ui.type('L');
    expect(ui.frame()).toContain('Lock the device now? y = lock, c = cancel running executions and lock');
    await ui.type('y');
    expect(actions.calls).toEqual([['lock', false]]);
    expect(ui.frame()).toContain('Lock failed: an execution is running: cancel it or lock with cancelRunning [CONFLICT]');
    await ui.type('L', 'c');
    expect(actions.calls).toEqual([['lock', false], ['lock', true]]);
    await ui.type('L', 'n');
    expect(actions.calls).toHaveLength(2);
  });

  it('says when the label cannot be read', async () => {
    const ui = await renderUi(<LabelScreen {...base} snap={{ ...locked, label: { state: 'error', error: { code: 'INVALID_STATE', message: 'no label before lock' } } }} actions={fakeActions()} />);
    expect(ui.frame()).toContain('Shipping label: no label before lock [INVALID_STATE]');
  });
});

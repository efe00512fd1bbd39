// The terminal UI in a real terminal (tmux, 80x24, NO_COLOR) against `floe serve` and nfs-ganesha:
// unlock through the UI, create and start an ingest, watch it reach 100%, lock, read the label
// (job id, seal, address, and the QR code's modules), and see the UI reconnect by itself when
// the daemon restarts. Set FLOE_UI_CAPTURES=DIR to keep the screens (docs/ui.md uses them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelPayload, qrMatrix } from '../../ui/widgets/qr-code.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { TmuxSession } from './tmux-session.js';

const skip = ganeshaUnavailableReason();
const MIB = 1 << 20;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function keep(name: string, screen: string): void {
  const dir = process.env.FLOE_UI_CAPTURES;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.txt`), `${screen}\n`);
}

/** Reads the half-block QR drawing (light modules filled) back into modules, true = dark. */
function readQr(screen: string, size: number): boolean[][] {
  const lines = screen.split('\n');
  const m: boolean[][] = [];
  for (let r = 0; r < size; r++) {
    const line = [...(lines[Math.floor(r / 2)] ?? '')];
    const row: boolean[] = [];
    for (let c = 0; c < size; c++) {
      const ch = line[c] ?? ' ';
      row.push(!(r % 2 === 0 ? ch === '█' || ch === '▀' : ch === '█' || ch === '▄'));
    }
    m.push(row);
  }
  return m;
}

function sampleData(dir: string): void {
  mkdirSync(join(dir, 'docs'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'docs', `note-${i}.txt`), `note ${i}\n`.repeat(100 + i));
  writeFileSync(join(dir, 'docs', 'scratch.tmp'), 'not wanted\n');
  // 24 MiB that does not deduplicate, so the bandwidth limit makes the transfer last a few seconds.
  const big = Buffer.alloc(24 * MIB);
  let x = 12345;
  for (let i = 0; i < big.length; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    big.writeUInt32LE(x, i);
  }
  writeFileSync(join(dir, 'large.bin'), big);
}

describe.skipIf(skip !== undefined)(`floe ui in tmux against floe serve and nfs-ganesha${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('unlocks, ingests to 100%, locks and shows the label; reconnects after a daemon restart', { timeout: 240_000 }, async () => {
    const dev: ProvisionedDevice = await provisionDevice(undefined, 'floe-ui-tmux-');
    cleanups.push(dev.cleanup);
    const exportDir = join(dev.root, 'export');
    sampleData(exportDir);
    const nfs: Ganesha = await startGanesha({ exportDir });
    cleanups.push(() => nfs.stop());
    let daemon: DaemonProcess = await startDaemonProcess(dev.dataDir);
    cleanups.push(() => daemon.kill('SIGKILL'));

    const ui = await TmuxSession.start(`node_modules/.bin/tsx appliance/cli/bin.ts ui --data ${dev.dataDir}`, { width: 80, height: 24, cwd: process.cwd(), env: { NO_COLOR: '1', CI: 'true' } });
    cleanups.push(() => ui.kill());

    // A provisioned device, not yet unlocked. (CI=true above: ink would draw nothing until exit.)
    await ui.waitFor(/online http:\/\/127\.0\.0\.1:\d+\s+PROVISIONED/, 30_000);

    // Unlock through the UI: the manifest path, then the code (masked), Enter.
    await ui.keys('2');
    await ui.waitFor(/Unlock the device/);
    await ui.type(dev.manifestPath);
    await ui.keys('Enter');
    await ui.type(dev.code);
    const typed = await ui.waitFor(/Unlock code {2}: \*+_/);
    expect(typed).toContain(`Unlock code  : ${'*'.repeat(dev.code.length)}`);
    expect(typed).not.toContain(dev.code);
    keep('unlock', typed);
    await ui.keys('Enter');
    const unlocked = await ui.waitFor(/State ON_SITE \(WithCustomer\)/, 30_000);
    expect(unlocked).toContain('keys held');

    // Create an ingest task from the NFS share with a filter and options, and start it.
    await ui.keys('3');
    await ui.waitFor(/No tasks yet/);
    await ui.keys('n');
    await ui.waitFor(/New ingest task/);
    await ui.type('share');
    await ui.keys('Enter');
    await ui.type(nfs.uri());
    await ui.keys('Enter', 'Enter');
    await ui.type('*.tmp');
    await ui.keys('Enter');
    await ui.type('VerifyMode=ONLY_FILES_TRANSFERRED BytesPerSecond=4M');
    await ui.keys('Enter');
    await ui.waitFor(/task task-\S+ created/);
    await ui.waitFor(/> share\s+nfs:\/\/127\.0\.0\.1\/export\S*\s+AVAILABLE/);
    await ui.keys('s');
    const started = await ui.waitFor(/execution (\S+) started/);
    const executionId = /execution (\S+) started/.exec(started)![1]!;
    keep('tasks', await ui.capture());

    // Watch it on the dashboard until it reaches 100%.
    await ui.keys('1');
    // At 4 MiB/s the 24 MiB take about 6 s: the bar, the throughput and the ETA move.
    const moving = await ui.waitFor(/Phase TRANSFERRING .*\n\[#*\.+\]\s+([1-9]|[1-9]\d)%\n[\s\S]*Throughput \d[\d.]* (KiB|MiB)\/s/, 30_000);
    expect(moving).toMatch(/ETA \d+s\s+Limit 4\.00 MiB\/s/);
    keep('dashboard-running', moving);
    const done = await ui.waitFor(/Phase SUCCESS/, 90_000);
    keep('dashboard-done', done);
    // NO_COLOR: styles (bold, inverse) but no foreground or background colour anywhere.
    const styled = await ui.captureStyled();
    const sgr = [...styled.matchAll(new RegExp(`${String.fromCharCode(27)}\\[([0-9;]*)m`, 'g'))].flatMap((m) => (m[1] ?? '').split(';'));
    expect(sgr.length).toBeGreaterThan(0);
    expect(sgr.filter((p) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(p))).toEqual([]);
    expect(done).toContain(`Phase SUCCESS  execution ${executionId}`);
    expect(done).toMatch(/\[#+\]\s+100%/);
    expect(done).toContain('Bytes 24.0 MiB of 24.0 MiB  Files 21 of 21');
    expect(done).toContain('Limit 4.00 MiB/s');
    const described = await floeJson<{ Status: string; FilesTransferred: number; BytesWritten: number }>(['execution', 'describe', '--data', dev.dataDir, executionId]);
    expect(described).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 21 });

    // The journal screen counts what was ingested.
    // (21 files and the docs folder.)
    const stats = await floeJson<{ files: number; logicalBytes: number }>(['journal', 'stats', '--data', dev.dataDir]);
    expect(stats.files).toBe(22);
    await ui.keys('4');
    const journal = await ui.waitFor(/Files:\s+22\b/, 15_000);
    expect(journal).toContain('Bytes (logical): 24.0 MiB');
    keep('journal', journal);

    // Lock from the label screen; the label replaces it.
    await ui.keys('7');
    await ui.waitFor(/Press L/);
    await ui.keys('L');
    await ui.waitFor(/Lock the device now\?/);
    await ui.keys('y');
    const label = await ui.waitFor(/Seal [0-9a-f]{32}/, 60_000);
    keep('label', label);
    const expected = await floeJson<{ jobId: string; sealFingerprint: string }>(['label', '--data', dev.dataDir]);
    expect(label).toContain(`Job  ${expected.jobId}`);
    expect(label).toContain(`Seal ${expected.sealFingerprint}`);
    expect(label).toContain('Return to:');
    expect(label).toContain('Receiving');
    expect(label).toContain('1 Test Way');
    expect(label).toContain('Seattle WA 98101, US');
    expect(label).toMatch(/online http:\/\/\S+\s+LOCKED/);
    const want = qrMatrix(labelPayload(expected.jobId, expected.sealFingerprint));
    expect(readQr(label.split('\n').slice(1).join('\n'), want.length)).toEqual(want);

    // The daemon restarts: the UI says it is offline, then comes back by itself, still LOCKED.
    await daemon.kill('SIGTERM');
    const offline = await ui.waitFor(/OFFLINE/, 20_000);
    keep('offline', offline);
    daemon = await startDaemonProcess(dev.dataDir);
    const back = await ui.waitFor(/online http:\/\/\S+\s+LOCKED/, 30_000);
    expect(back).toContain(`Seal ${expected.sealFingerprint}`);
    expect(back).not.toContain('OFFLINE');

    // Without NO_COLOR the same screen is coloured (the LOCKED banner in yellow): the check above is not vacuous.
    // Whatever the test runner's environment says about colour (CI, FORCE_COLOR=0, NO_COLOR), the UI
    // here runs as a person's terminal would.
    const coloured = await TmuxSession.start(`env -u NO_COLOR -u FORCE_COLOR -u CI node_modules/.bin/tsx appliance/cli/bin.ts ui --data ${dev.dataDir}`, { width: 80, height: 24, cwd: process.cwd(), env: { TERM: 'xterm-256color' } });
    cleanups.push(() => coloured.kill());
    await coloured.waitFor(/online http:\/\/\S+\s+LOCKED/, 30_000);
    await coloured.waitFor(/Seal [0-9a-f]{32}/); // it shows the label by itself; the dashboard's banner is coloured
    await coloured.keys('1');
    await coloured.waitFor(/State LOCKED \(InTransitToAWS\)/);
    const colourCodes = [...(await coloured.captureStyled()).matchAll(new RegExp(`${String.fromCharCode(27)}\\[([0-9;]*)m`, 'g'))].flatMap((m) => (m[1] ?? '').split(';'));
    expect(colourCodes.filter((p) => /^(3[0-7]|9[0-7])$/.test(p)).length).toBeGreaterThan(0);
    await coloured.kill();

    // q quits the UI (the daemon keeps running).
    await ui.keys('q');
    await ui.waitFor(/\[exited 0\]/, 15_000);
    expect((await floeJson<{ state: string }>(['status', '--data', dev.dataDir])).state).toBe('LOCKED');
  });
});

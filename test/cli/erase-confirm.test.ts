// `floe erase` at a terminal asks for the job id (issue 26): a person types it to go on; anything
// else is CANCELLED (exit 6) with nothing erased. Scripts pass --yes (lifecycle-daemon.test.ts
// covers the refusal without a terminal). The terminal is a tmux pane; the prompt goes to stderr,
// which the pane's command writes to a file.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { TmuxSession } from '../ui/tmux-session.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function promptShown(pane: TmuxSession, prompt: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!pane.stderr().includes(prompt)) {
    if (Date.now() > deadline) throw new Error(`no prompt within 30 s; stderr:\n${pane.stderr()}\nscreen:\n${await pane.capture()}`);
    await sleep(150);
  }
}

describe.skipIf(!hasTmux)('floe erase at a terminal', () => {
  let dev: ProvisionedDevice | undefined;
  let daemon: DaemonProcess | undefined;
  const panes: TmuxSession[] = [];
  afterAll(async () => {
    for (const p of panes) await p.kill();
    await daemon?.kill('SIGKILL');
    await dev?.cleanup();
  });

  it('asks for the job id: another answer cancels (exit 6, nothing erased), the job id erases', { timeout: 120_000 }, async () => {
    dev = await provisionDevice(undefined, 'floe-erase-tty-');
    daemon = await startDaemonProcess(dev.dataDir);
    const data = ['--data', dev.dataDir];
    expect((await floe(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code])).status).toBe(0);
    const command = `node_modules/.bin/tsx appliance/cli/bin.ts erase --data ${dev.dataDir} --force`;
    const prompt = `This destroys the job's keys and with them every byte on the device (ON_SITE). Type ${dev.jobId} to erase: `;

    const declined = await TmuxSession.start(command, { width: 200, height: 20, cwd: process.cwd() });
    panes.push(declined);
    await promptShown(declined, prompt);
    await declined.type('yes');
    await declined.keys('Enter');
    await declined.waitFor(/\[exited 6\]/u, 30_000);
    expect(declined.stderr()).toBe(`${prompt}floe: erase not confirmed; nothing was erased [CANCELLED]\n`);
    expect(await floeJson(['status', ...data])).toMatchObject({ state: 'ON_SITE', unlocked: true });

    const confirmed = await TmuxSession.start(command, { width: 200, height: 20, cwd: process.cwd() });
    panes.push(confirmed);
    await promptShown(confirmed, prompt);
    await confirmed.type(dev.jobId);
    await confirmed.keys('Enter');
    const screen = await confirmed.waitFor(/\[exited \d+\]/u, 30_000);
    expect(screen, confirmed.stderr()).toContain('[exited 0]');
    expect(screen).toMatch(new RegExp(`^Job: +${dev.jobId}$`, 'mu'));
    expect(screen).toMatch(/^Forced: +yes$/mu);
    expect(await floeJson(['status', ...data])).toMatchObject({ state: 'ERASED' });
  });
});

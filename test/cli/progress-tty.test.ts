// `floe execution wait` at a real terminal (a tmux pane; stdout and stderr both the pane): the
// progress line is redrawn in place, one line on screen, and the summary starts on a line of its
// own under the final figures instead of being glued onto the progress line (issue 26).
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { TmuxSession } from '../ui/tmux-session.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe.skipIf(!hasTmux)('progress at a terminal', () => {
  let dev: ProvisionedDevice | undefined;
  let daemon: DaemonProcess | undefined;
  let pane: TmuxSession | undefined;
  afterAll(async () => {
    await pane?.kill();
    await daemon?.kill('SIGKILL');
    await dev?.cleanup();
  });

  it('execution wait redraws one progress line and prints the summary on its own line', { timeout: 120_000 }, async () => {
    dev = await provisionDevice(undefined, 'floe-progress-tty-');
    const source = join(dev.root, 'share');
    await mkdir(source);
    await writeFile(join(source, 'big.bin'), Buffer.alloc(16 << 20, 3));
    daemon = await startDaemonProcess(dev.dataDir);
    const data = ['--data', dev.dataDir];
    expect((await floe(['unlock', ...data, '--manifest', dev.manifestPath, '--code', dev.code])).status).toBe(0);
    await floeJson(['task', 'create', ...data, '--name', 'big', '--source', `file://${source}`, '--option', 'VerifyMode=NONE']);
    const started = await floeJson<{ TaskExecutionId: string }>(['task', 'start', ...data, 'big', '--bytes-per-second', '2M']);

    // Both streams on the terminal, as a person runs it (the session's own stderr file stays empty).
    const wait = `node_modules/.bin/tsx appliance/cli/bin.ts execution wait ${started.TaskExecutionId} --data ${dev.dataDir} --interval 200`;
    pane = await TmuxSession.start(`sh -c '${wait} 2>&1'`, { width: 160, height: 40, cwd: process.cwd() });
    const during = await pane.waitFor(/TRANSFERRING {2}.*MiB\/s, ETA/u, 30_000);
    expect(during.split('\n').filter((l) => /TRANSFERRING/u.test(l))).toHaveLength(1);

    const screen = await pane.waitFor(/\[exited \d+\]/u, 60_000);
    expect(screen).toContain('[exited 0]');
    const lines = screen.split('\n').filter((l) => l !== '');
    // One progress line was ever on screen: redrawn in place, not one a second.
    expect(lines.filter((l) => /^(TRANSFERRING|LAUNCHING|PREPARING|QUEUED)\b/u.test(l))).toEqual([]);
    const final = lines.findIndex((l) => l.startsWith('SUCCESS  '));
    expect(lines[final]).toMatch(/^SUCCESS {2}16\.0 MiB \/ 16\.0 MiB, 100%, .*ETA 0s; files 1\/1, failed 0; elapsed \d+s$/u);
    expect(lines[final + 1]).toMatch(new RegExp(`^Execution: +${started.TaskExecutionId} \\(task big\\)$`, 'u'));
    expect(lines[final + 2]).toMatch(/^Status: +SUCCESS$/u);
  });
});

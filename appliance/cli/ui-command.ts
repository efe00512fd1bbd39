// `floe ui`: the technician's terminal UI, a client of the daemon's API (ui/). Loaded lazily so
// that other commands never load ink or react.
import type { Command } from 'commander';
import { assertDeviceFolder } from '../daemon/daemon-info.js';
import { FloeError } from '../errors.js';
import { dataDirOf } from './client-options.js';

export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description('the terminal UI: lifecycle, unlock, tasks, journal, import, device, shipping label (keyboard only)')
    .option('--data <dir>', "the device's data folder (default: $FLOE_DATA)")
    .action(async (flags: { data?: string }) => {
      const dataDir = dataDirOf(flags);
      await assertDeviceFolder(dataDir); // the UI would wait for a daemon that can never start
      if (!process.stdin.isTTY) throw new FloeError('INVALID_ARGUMENT', 'floe ui needs a terminal (stdin is not a TTY)');
      // ink reads CI when it loads and, if set, draws nothing until the app exits. This is a person
      // at a terminal, whatever the shell inherited from build or CI tooling.
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
      const { runUi } = await import('../../ui/run-ui.js');
      await runUi({ dataDir });
      // The terminal is given back at once: nothing the UI left behind (a request still in flight
      // to a daemon that went away, a keep-alive socket) may hold the process open after q.
      setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
    });
}

import type { Command } from 'commander';
import { registerDeviceCommands } from './device-commands.js';
import { registerExecutionCommand } from './execution-command.js';
import { registerFirmwareCommand } from './firmware-command.js';
import { registerHardwareCommand } from './hardware-command.js';
import { registerJournalCommand } from './journal-command.js';
import { registerProvisionCommand } from './provision-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTaskCommand } from './task-command.js';
import { registerImportCommand } from './import-command.js';
import { registerReportCommand } from './report-command.js';
import { registerRestoreCommand } from './restore-command.js';
import { registerSyncCommand } from './sync-command.js';
import { registerUiCommand } from './ui-command.js';

/** Every subcommand registers itself here, one line each; each lives in its own file in this folder. */
export function registerCommands(program: Command): void {
  registerProvisionCommand(program);
  registerServeCommand(program);
  registerDeviceCommands(program);
  registerJournalCommand(program);
  registerTaskCommand(program);
  registerImportCommand(program);
  registerSyncCommand(program);
  registerReportCommand(program);
  registerRestoreCommand(program);
  registerExecutionCommand(program);
  registerHardwareCommand(program);
  registerUiCommand(program);
  registerFirmwareCommand(program);
}

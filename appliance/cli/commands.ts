import type { Command } from 'commander';
import { registerProvisionCommand } from './provision-command.js';

/** Every subcommand registers itself here, one line each; each lives in its own file in this folder. */
export function registerCommands(program: Command): void {
  registerProvisionCommand(program);
}

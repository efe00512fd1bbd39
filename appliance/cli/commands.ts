import type { Command } from 'commander';

/** Every subcommand registers itself here; each lives in its own file in this folder. */
export function registerCommands(_program: Command): void {
  // Subcommands arrive with the daemon (lifecycle), ingest and import work.
}

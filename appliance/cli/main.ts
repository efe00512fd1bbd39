// The `floe` command: a thin client of the daemon's API (ARCHITECTURE.md, "Interfaces").
import { Command, CommanderError } from 'commander';
import { FloeError, asFloeError } from '../errors.js';
import { FLOE_VERSION } from '../version.js';
import { registerCommands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command('floe')
    .description('floe: ingest NFS shares into an encrypted journal on site, ship the device, import into S3, EFS or FSx at the facility.')
    .version(FLOE_VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run `floe --help` for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const e = err instanceof FloeError ? err : asFloeError(err);
    process.stderr.write(`floe: ${e.message} [${e.code}]\n`);
    return e.exitCode;
  }
}

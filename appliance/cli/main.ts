// The `floe` command: a thin client of the daemon's API (ARCHITECTURE.md, "Interfaces").
import { Command, CommanderError } from 'commander';
import { ERROR_TABLE, FloeError, asFloeError } from '../errors.js';
import { FLOE_VERSION } from '../version.js';
import { registerCommands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command('floe')
    .description('floe: ingest NFS shares into an encrypted journal on site, ship the device, import into S3, EFS or FSx at the facility.')
    .version(FLOE_VERSION, '-V, --version', 'print the version and exit')
    // Usage errors are printed by main() like every other error (one line, the code, --json).
    .configureOutput({ outputError: () => undefined })
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      // `floe` or `floe task` with no command: commander printed the help on stderr already.
      if (err.code === 'commander.help') return ERROR_TABLE.INVALID_ARGUMENT.exit;
      return reportError(usageError(err), argv);
    }
    return reportError(err instanceof FloeError ? err : asFloeError(err), argv);
  }
}

/** commander's "error: unknown option '--x'" as floe's INVALID_ARGUMENT, with the way to the help. */
function usageError(err: CommanderError): FloeError {
  const message = err.message.replace(/^error: /, '');
  return new FloeError('INVALID_ARGUMENT', `${message} (run \`floe --help\` for usage)`, { details: { usage: err.code } });
}

/** One line `floe: <message> [CODE]` on stderr, or with --json one JSON object {code, message, details?}. */
function reportError(e: FloeError, argv: readonly string[]): number {
  const end = argv.indexOf('--');
  const json = (end === -1 ? argv : argv.slice(0, end)).includes('--json');
  process.stderr.write(json ? `${JSON.stringify(e.toJSON())}\n` : `floe: ${e.message} [${e.code}]\n`);
  return e.exitCode;
}

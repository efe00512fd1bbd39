// `floe serve`: runs the daemon in the foreground until SIGTERM or SIGINT.
import { Option, type Command } from 'commander';
import { DEFAULT_LISTEN, startDaemon } from '../daemon/daemon.js';
import { dataDirOf } from './client-options.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the daemon: it owns the journal, the keys and the running tasks, and serves the local API')
    .option('--data <dir>', "the device's data folder (default: $FLOE_DATA)")
    .option('--listen <host:port>', `address of the API (beyond loopback it is served over TLS only)`, DEFAULT_LISTEN)
    .option('--log', 'also write the log (JSON lines) to stderr; it always goes to <data>/logs/floe.log')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action(async (flags: { data?: string; listen: string; log?: boolean; logLevel: (typeof LOG_LEVELS)[number] }) => {
      const dataDir = dataDirOf(flags);
      const daemon = await startDaemon({ dataDir, listen: flags.listen, logger: flags.log === true, logLevel: flags.logLevel });
      process.stdout.write(`floe daemon listening on ${daemon.info.url} (state ${daemon.context.device.state}, data ${dataDir})\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          daemon.close().then(resolve, (err: unknown) => {
            process.stderr.write(`floe: error while stopping: ${(err as Error).message}\n`);
            resolve();
          });
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      process.stdout.write('floe daemon stopped\n');
    });
}

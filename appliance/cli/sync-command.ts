// `floe sync start [--schedule CRON] [--destination URI]... | stop | status`: online sync on site.
import type { Command } from 'commander';
import { parseBytesPerSecond } from '../tasks/options.js';
import type { SyncStatus } from '../transfer/sync-service.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';
import { failUnlessCompleted, runLines, transferBody, transferOptions, waitForRun, type TransferFlags, type WaitFlags } from './import-command.js';
import { statsIntervalOf, statsOption } from './progress-printer.js';

function syncLines(s: SyncStatus): string[] {
  return [
    ...fields([
      ['Sync', s.state],
      ['Schedule', s.schedule === undefined ? undefined : `${s.schedule} (UTC)`],
      ['Next run', s.nextRunAt],
      ['Last error', s.lastError === undefined ? undefined : `${s.lastError.code}: ${s.lastError.message}`],
    ]),
    ...(s.current === undefined ? [] : ['Current run:', ...runLines(s.current).map((l) => `  ${l}`)]),
    ...(s.last === undefined ? [] : ['Last run:', ...runLines(s.last).map((l) => `  ${l}`)]),
  ];
}

export function registerSyncCommand(program: Command): void {
  const sync = program.command('sync').description('online sync into the job destinations while on site (DataSync-style), now or on a UTC schedule');
  transferOptions(
    statsOption(
      clientCommand(
        sync
          .command('start')
          .description('run now and wait (or, with --schedule, arm the schedule and return)')
          .option('--schedule <expression>', 'cron(0 2 * * ? *), rate(6 hours) or five-field cron, UTC; at most hourly')
          .option('--no-wait', 'start and return at once'),
      ),
    ),
  ).action(async (flags: TransferFlags & WaitFlags & { schedule?: string; wait: boolean }) => {
    statsIntervalOf(flags.stats);
    const client = await clientOf(flags);
    const body = transferBody(flags);
    if (flags.schedule !== undefined) body.schedule = flags.schedule;
    const started = await client.post<SyncStatus>('/v1/sync', body);
    if (flags.schedule !== undefined || !flags.wait) {
      print(flags, started, syncLines);
      return;
    }
    const id = started.current?.executionId;
    const done = await waitForRun(client, '/v1/sync', flags, (b) => {
      const s = b as SyncStatus;
      return [s.current, s.last].find((r) => r !== undefined && r.executionId === id);
    });
    print(flags, done, runLines);
    failUnlessCompleted(done, 'sync');
  });
  clientCommand(
    sync.command('update').description('change BytesPerSecond of the running sync, effective at once').requiredOption('--bytes-per-second <n>', 'bytes per second or 800K, 50M, 1.5G; -1 or off for no limit'),
  ).action(async (flags: ClientFlags & { bytesPerSecond: string }) => {
    const client = await clientOf(flags);
    print(flags, await client.patch<SyncStatus>('/v1/sync', { BytesPerSecond: parseBytesPerSecond(flags.bytesPerSecond) }), syncLines);
  });
  clientCommand(sync.command('stop').description('disarm the schedule and cancel a running sync')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    print(flags, await client.post<SyncStatus>('/v1/sync/stop'), syncLines);
  });
  clientCommand(sync.command('status').description('state, schedule, next run, current and last run')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    print(flags, await client.get<SyncStatus>('/v1/sync'), syncLines);
  });
}

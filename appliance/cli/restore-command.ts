// `floe restore --to file:///path|nfs://host/export/path [--point P] [--include ...] [--exclude ...]` (start and wait,
// printing progress), `floe restore status|update|cancel`, `floe restore report --out DIR`: a
// recovery point written back into a folder or an NFS export through the daemon (docs/restore.md).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseBytesPerSecond, parseOptionAssignments } from '../tasks/options.js';
import { writeReportFiles } from '../transfer/import-report.js';
import type { RestoreReportFiles } from '../transfer/restore-report.js';
import type { RestoreStatus } from '../transfer/restore-service.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';
import { failUnlessCompleted, runLines, waitForRun, type WaitFlags } from './import-command.js';
import { statsIntervalOf, statsOption } from './progress-printer.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface RestoreFlags extends WaitFlags {
  readonly to: string;
  readonly point: string;
  readonly include: string[];
  readonly exclude: string[];
  readonly option: string[];
  readonly wait: boolean;
}

function restoreLines(s: RestoreStatus): string[] {
  return [...fields([['Point', s.point], ['Target', s.target]]), ...runLines(s)];
}

export function registerRestoreCommand(program: Command): void {
  const restore = statsOption(
    clientCommand(
      program
        .command('restore')
        .description("write a recovery point's files into a folder with their metadata, every byte checked; waits, printing progress (run again to resume)")
        .requiredOption('--to <uri>', 'file:///path (a folder, or a mounted share) or nfs://host/export/path[?uid=&gid=&nfsport=&mountport=] (an NFS export, written through floe\'s own NFSv3 client)')
        .option('--point <id>', 'a recovery point (floe journal points), or latest', 'latest')
        .option('--include <pattern>', 'SIMPLE_PATTERN filter, e.g. /home/alice|/etc (repeatable: joined with |)', collect, [])
        .option('--exclude <pattern>', 'SIMPLE_PATTERN filter, e.g. */.cache (repeatable: joined with |)', collect, [])
        .option('--option <Key=Value>', 'a task option: VerifyMode, OverwriteMode=NEVER, TransferMode=ALL, Uid=NONE, BytesPerSecond=50M, ... (repeatable)', collect, [])
        .option('--no-wait', 'start and return at once'),
    ),
  ).action(async (flags: RestoreFlags) => {
    statsIntervalOf(flags.stats);
    const body: Record<string, unknown> = { target: flags.to, point: flags.point };
    if (flags.include.length > 0) body.includes = flags.include.join('|');
    if (flags.exclude.length > 0) body.excludes = flags.exclude.join('|');
    if (flags.option.length > 0) body.options = parseOptionAssignments(flags.option);
    const client = await clientOf(flags);
    const started = await client.post<RestoreStatus>('/v1/restore', body);
    if (!flags.wait) {
      print(flags, started, restoreLines);
      return;
    }
    const done = (await waitForRun(client, '/v1/restore', flags)) as RestoreStatus;
    print(flags, done, restoreLines);
    failUnlessCompleted(done, 'restore', 'floe restore report --out DIR lists them');
  });

  clientCommand(restore.command('status').description('the current or last restore since the daemon started')).action(async (_o: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ClientFlags>();
    print(flags, await (await clientOf(flags)).get<RestoreStatus>('/v1/restore'), restoreLines);
  });

  clientCommand(
    restore.command('update').description('change BytesPerSecond of the running restore, effective at once').requiredOption('--bytes-per-second <n>', 'bytes per second or 800K, 50M, 1.5G; -1 or off for no limit'),
  ).action(async (o: ClientFlags & { bytesPerSecond: string }) => {
    print(o, await (await clientOf(o)).patch<RestoreStatus>('/v1/restore', { BytesPerSecond: parseBytesPerSecond(o.bytesPerSecond) }), restoreLines);
  });

  clientCommand(restore.command('cancel').description('stop the running restore; what is written stays, and floe restore again resumes')).action(async (_o: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ClientFlags>();
    print(flags, await (await clientOf(flags)).post<RestoreStatus>('/v1/restore/cancel'), restoreLines);
  });

  clientCommand(
    restore
      .command('report')
      .description('write the report of a restore (summary.json, restored.csv, failures.csv, summary.txt) into a folder')
      .requiredOption('--out <dir>', 'folder to write into (created if missing; existing report files are not overwritten)')
      .option('--execution <id>', 'that restore instead of the newest'),
  ).action(async (o: ClientFlags & { out: string; execution?: string }) => {
    const client = await clientOf(o);
    const files = await client.get<RestoreReportFiles>(`/v1/restore/report${o.execution === undefined ? '' : `?executionId=${encodeURIComponent(o.execution)}`}`);
    const written = await writeReportFiles(resolve(o.out), files);
    const summary = JSON.parse(files['summary.json']) as { status: string; executionId: string };
    print(o, { status: summary.status, executionId: summary.executionId, files: written }, (v) => [files['summary.txt'].trimEnd(), '', ...v.files.map((f) => `wrote ${f}`)]);
  });
}

// `floe import [--destination URI]... [--json]` (start and wait, printing progress), `floe import
// status`, `floe import cancel`: the facility import through the daemon (appliance/transfer).
import type { Command } from 'commander';
import { ERROR_TABLE, FloeError, type ErrorCode } from '../errors.js';
import { parseBytesPerSecond, parseOptionAssignments } from '../tasks/options.js';
import type { RunStatus } from '../transfer/import-service.js';
import type { ApiClient } from './api-client.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';
import { ProgressPrinter, statsIntervalOf, statsOption, type ProgressSample } from './progress-printer.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export interface TransferFlags extends ClientFlags {
  readonly destination: string[];
  readonly endpoint?: string;
  readonly region?: string;
  readonly option: string[];
}

/** Adds --destination, --endpoint, --region and --option. */
export function transferOptions(cmd: Command): Command {
  return cmd
    .option('--destination <uri>', "s3://bucket/prefix, efs:///path or fsx:///path instead of the job's destinations (repeatable)", collect, [])
    .option('--endpoint <url>', 'S3-compatible endpoint for --destination s3:// URIs the job does not name')
    .option('--region <region>', 'region for --destination s3:// URIs the job does not name')
    .option('--option <Key=Value>', 'a task option, e.g. VerifyMode=POINT_IN_TIME_CONSISTENT or BytesPerSecond=52428800 (repeatable)', collect, []);
}

/** The request body's destinations and options from the flags. */
export function transferBody(flags: TransferFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.destination.length > 0) {
    body.destinations = flags.destination.map((uri) =>
      uri.startsWith('s3:') && (flags.endpoint !== undefined || flags.region !== undefined)
        ? { uri, ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint, forcePathStyle: true }), ...(flags.region === undefined ? {} : { region: flags.region }) }
        : uri,
    );
  }
  if (flags.option.length > 0) body.options = parseOptionAssignments(flags.option);
  return body;
}

export function runLines(s: RunStatus): string[] {
  const lines = fields([
    ['Execution', s.executionId],
    ['State', s.state],
    ['Started', s.startedAt],
    ['Ended', s.endedAt],
    ['Error', s.error === undefined ? undefined : `${s.error.code}: ${s.error.message}`],
    ['Report', s.report === undefined ? undefined : `${s.report.status} (floe report --out DIR writes it out)`],
  ]);
  for (const d of s.destinations) {
    const c = d.counters;
    const failed = c.FilesFailed.Prepare + c.FilesFailed.Transfer + c.FilesFailed.Verify;
    lines.push(`${d.uri}: ${d.status}; ${c.FilesTransferred}/${c.EstimatedFilesToTransfer} files transferred, ${c.FilesSkipped} skipped, ${c.FilesVerified} verified, ${failed} failed; ${c.BytesWritten} bytes written`);
  }
  return lines;
}

/** The printer's sample: the run's state until a destination starts, then the latest destination's counts. */
export function runSample(s: RunStatus): ProgressSample {
  const d = s.destinations.at(-1);
  if (d === undefined) return { phase: s.state, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, failed: 0 };
  const c = d.counters;
  const failed = c.FilesFailed.Prepare + c.FilesFailed.Transfer + c.FilesFailed.Verify;
  const phase = `${d.uri} ${d.status}`;
  if (d.status === 'VERIFYING') return { phase, filesDone: c.FilesVerified, filesTotal: c.FilesTransferred + c.FilesSkipped, bytesDone: 0, bytesTotal: 0, failed };
  return { phase, filesDone: c.FilesTransferred + c.FilesSkipped, filesTotal: c.FilesListed.AtSource, bytesDone: c.BytesTransferred, bytesTotal: c.EstimatedBytesToTransfer, failed };
}

export interface WaitFlags extends ClientFlags {
  /** `--stats`: the interval of progress lines without a terminal. */
  readonly stats?: string;
}

/** Polls `path` until the run ends; progress on stderr (text, or NDJSON with --json). */
export async function waitForRun(client: ApiClient, path: string, flags: WaitFlags, pick: (body: unknown) => RunStatus | undefined = (b) => b as RunStatus): Promise<RunStatus> {
  const statsMs = statsIntervalOf(flags.stats);
  const printer = new ProgressPrinter({ stream: process.stderr, json: flags.json === true, statsIntervalMs: statsMs });
  const pollMs = Math.max(50, Math.min(1000, statsMs));
  for (;;) {
    const status = pick(await client.get<unknown>(path));
    if (status !== undefined && status.state !== 'RUNNING') {
      printer.finish(runSample(status));
      return status;
    }
    if (status !== undefined) printer.update(runSample(status));
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A run that failed, was cancelled or completed with errors becomes the CLI's error and exit code. */
export function failUnlessCompleted(s: RunStatus, what: string, reportHint = 'floe report --out DIR lists them'): void {
  if (s.state === 'COMPLETED') return;
  if (s.state === 'COMPLETED_WITH_ERRORS') {
    // One exit code for "ran to the end, some files failed" (7); the files' own codes are in the
    // message and in the report (failure-log.csv), not in the exit code.
    const codes = [...new Set((s.report?.destinations ?? s.destinations).map((d) => d.result.ErrorCode).filter((c): c is string => c !== undefined))];
    const failed = s.report?.filesFailed;
    throw new FloeError(
      'COMPLETED_WITH_ERRORS',
      `${what} ${s.executionId}: Completed with errors${failed === undefined ? '' : `, ${failed} file${failed === 1 ? '' : 's'} failed`}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}; ${reportHint}`,
      { details: { executionId: s.executionId, errorCodes: codes, ...(failed === undefined ? {} : { filesFailed: failed }) } },
    );
  }
  const code = s.error?.code ?? 'INTERNAL';
  throw new FloeError(code in ERROR_TABLE ? (code as ErrorCode) : 'INTERNAL', `${what} ${s.executionId} ${s.state}: ${s.error?.message ?? ''}`);
}

export function registerImportCommand(program: Command): void {
  const importCmd = transferOptions(
    statsOption(
      clientCommand(
        program
          .command('import')
          .description('import the journal into the job destinations at the facility (after the seal check); waits, printing progress')
          .option('--no-wait', 'start and return at once')
          .option('--upload-report', 'also put the job completion report next to the data (.floe-report/<execution>/)'),
      ),
    ),
  ).action(async (flags: TransferFlags & WaitFlags & { wait: boolean; uploadReport?: boolean }) => {
    statsIntervalOf(flags.stats); // a bad --stats is refused before anything starts
    const client = await clientOf(flags);
    const body = transferBody(flags);
    if (flags.uploadReport === true) body.uploadReport = true;
    const started = await client.post<RunStatus>('/v1/import', body);
    if (!flags.wait) {
      print(flags, started, runLines);
      return;
    }
    const done = await waitForRun(client, '/v1/import', flags);
    print(flags, done, runLines);
    failUnlessCompleted(done, 'import');
  });

  clientCommand(importCmd.command('status').description('the current or last import since the daemon started')).action(async (_o: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ClientFlags>();
    const client = await clientOf(flags);
    print(flags, await client.get<RunStatus>('/v1/import'), runLines);
  });

  clientCommand(
    importCmd.command('update').description('change BytesPerSecond of the running import, effective at once').requiredOption('--bytes-per-second <n>', 'bytes per second or 800K, 50M, 1.5G; -1 or off for no limit'),
  ).action(async (o: ClientFlags & { bytesPerSecond: string }) => {
    const client = await clientOf(o);
    print(o, await client.patch<RunStatus>('/v1/import', { BytesPerSecond: parseBytesPerSecond(o.bytesPerSecond) }), runLines);
  });

  clientCommand(importCmd.command('cancel').description('stop the running import; the device stays IMPORTING and floe import resumes it')).action(async (_o: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ClientFlags>();
    const client = await clientOf(flags);
    print(flags, await client.post<RunStatus>('/v1/import/cancel'), runLines);
  });
}

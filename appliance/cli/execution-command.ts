// `floe execution describe|wait|update|cancel|list|report`: one task execution, through the daemon.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ERROR_TABLE, FloeError, type ErrorCode } from '../errors.js';
import { parseBytesPerSecond } from '../tasks/options.js';
import type { ExecutionDescription } from '../tasks/task-execution.js';
import { writeReportFiles, type ReportFiles } from '../transfer/import-report.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';
import { ProgressPrinter, statsIntervalOf, statsOption, type ProgressSample } from './progress-printer.js';

const FINAL = new Set(['SUCCESS', 'ERROR']);

export function executionLines(e: ExecutionDescription): string[] {
  const r = e.Result;
  const failed = e.FilesFailed;
  const lines = fields([
    ['Execution', `${e.TaskExecutionId} (task ${e.TaskName || e.TaskId})`],
    ['Status', e.Status],
    ['Started', e.StartTime],
    ['Ended', e.EndTime],
    ['Files', `${e.FilesTransferred} transferred of ${e.EstimatedFilesToTransfer} estimated, ${e.FilesSkipped} skipped, ${e.FilesVerified} verified, ${e.FilesDeleted} deleted`],
    ['Failed', `prepare ${failed.Prepare}, transfer ${failed.Transfer}, verify ${failed.Verify}, delete ${failed.Delete}`],
    ['Bytes', `${e.BytesWritten} written of ${e.EstimatedBytesToTransfer} estimated, ${e.BytesTransferred} read from the source`],
    ['Listed', `${e.FilesListed.AtSource} at the source, ${e.FilesListed.AtDestinationForDelete} in the journal for delete`],
    ['BytesPerSecond', e.Options.BytesPerSecond === -1 ? 'no limit' : String(e.Options.BytesPerSecond)],
    ['Durations', `prepare ${r.PrepareDuration} ms (${r.PrepareStatus}), transfer ${r.TransferDuration} ms (${r.TransferStatus}), verify ${r.VerifyDuration} ms (${r.VerifyStatus}), total ${r.TotalDuration} ms`],
    ['Error', r.ErrorCode === undefined ? undefined : `${r.ErrorCode}: ${r.ErrorDetail ?? ''}`],
  ]);
  const problems = (e.FileProblems ?? []).slice(0, 20).map((p) => `  ${p.outcome} ${p.path}: ${p.code} ${p.message}`);
  if (problems.length > 0) lines.push(`Files with problems (${e.FileProblemCount}):`, ...problems, ...(e.FileProblemCount > problems.length ? ['  ...'] : []));
  return lines;
}

/** The printer's sample: during VERIFYING the files verified of those to verify, not a stuck 100%. */
export function executionSample(e: ExecutionDescription): ProgressSample {
  const failed = e.FilesFailed.Prepare + e.FilesFailed.Transfer + e.FilesFailed.Verify + e.FilesFailed.Delete;
  if (e.Status === 'VERIFYING') {
    const toVerify = e.Options.VerifyMode === 'POINT_IN_TIME_CONSISTENT' ? e.FilesTransferred + e.FilesSkipped : e.FilesTransferred;
    return { phase: e.Status, filesDone: e.FilesVerified, filesTotal: toVerify, bytesDone: 0, bytesTotal: 0, failed };
  }
  return { phase: e.Status, filesDone: e.FilesTransferred + e.FilesSkipped, filesTotal: e.EstimatedFilesToTransfer + e.FilesSkipped, bytesDone: e.BytesTransferred, bytesTotal: e.EstimatedBytesToTransfer, failed };
}

/** A finished execution in ERROR becomes the CLI's error (and exit code). */
function failIfError(e: ExecutionDescription): void {
  if (e.Status !== 'ERROR') return;
  const code = e.Result.ErrorCode ?? 'INTERNAL';
  const known: ErrorCode = code in ERROR_TABLE ? (code as ErrorCode) : 'INTERNAL';
  throw new FloeError(known, `execution ${e.TaskExecutionId} ended in ERROR: ${e.Result.ErrorDetail ?? code}`);
}

export function registerExecutionCommand(program: Command): void {
  const execution = program.command('execution').description('task executions: status, progress, bandwidth, cancel');
  const path = (id: string): string => `/v1/executions/${encodeURIComponent(id)}`;

  clientCommand(execution.command('describe').description('status, counters and durations (DescribeTaskExecution)').argument('<id>', 'execution id')).action(
    async (id: string, flags: ClientFlags) => {
      const client = await clientOf(flags);
      print(flags, await client.get<ExecutionDescription>(path(id)), executionLines);
    },
  );

  clientCommand(
    statsOption(
      execution
        .command('wait')
        .description('wait until the execution ends; exits non-zero when it ends in ERROR')
        .argument('<id>', 'execution id')
        .option('--interval <ms>', 'poll interval in milliseconds', '1000'),
    ),
  ).action(async (id: string, flags: ClientFlags & { interval: string; stats: string }) => {
    const statsMs = statsIntervalOf(flags.stats);
    const client = await clientOf(flags);
    const interval = Math.max(50, Math.min(Number(flags.interval) || 1000, statsMs));
    const printer = new ProgressPrinter({ stream: process.stderr, json: flags.json === true, statsIntervalMs: statsMs });
    for (;;) {
      const e = await client.get<ExecutionDescription>(path(id));
      if (FINAL.has(e.Status)) {
        printer.finish(executionSample(e));
        print(flags, e, executionLines);
        failIfError(e);
        return;
      }
      printer.update(executionSample(e));
      await new Promise((r) => setTimeout(r, interval));
    }
  });

  clientCommand(
    execution
      .command('update')
      .description('change BytesPerSecond of a queued or running execution (effective at once)')
      .argument('<id>', 'execution id')
      .requiredOption('--bytes-per-second <n>', 'bytes per second or 800K, 50M, 1.5G; -1 or off for no limit'),
  ).action(async (id: string, flags: ClientFlags & { bytesPerSecond: string }) => {
    const client = await clientOf(flags);
    print(flags, await client.patch<ExecutionDescription>(path(id), { BytesPerSecond: parseBytesPerSecond(flags.bytesPerSecond) }), executionLines);
  });

  clientCommand(execution.command('cancel').description('cancel a queued or running execution; it ends in ERROR with ErrorCode CANCELLED').argument('<id>', 'execution id')).action(
    async (id: string, flags: ClientFlags) => {
      const client = await clientOf(flags);
      print(flags, await client.post<ExecutionDescription>(`${path(id)}/cancel`), executionLines);
    },
  );

  clientCommand(
    execution
      .command('report')
      .description('the task report: JSON lines, one per file (by LogLevel), then the summary; kept in the daemon\'s memory only. With --out, an agentless copy\'s report from the journal into a folder')
      .argument('<id>', 'execution id')
      .option('--out <dir>', "an ended copy's summary.json, success-log.csv, failure-log.csv, summary.txt into this folder (created if missing; existing report files are not overwritten)"),
  ).action(async (id: string, flags: ClientFlags & { out?: string }) => {
    const client = await clientOf(flags);
    if (flags.out === undefined) {
      process.stdout.write(await client.text(`${path(id)}/report`, 'application/x-ndjson'));
      return;
    }
    const files = await client.get<ReportFiles>(`${path(id)}/copy-report`);
    const written = await writeReportFiles(resolve(flags.out), files);
    const summary = JSON.parse(files['summary.json']) as { status: string };
    print(flags, { status: summary.status, files: written }, (v) => [...files['summary.txt'].trimEnd().split('\n'), ...v.files.map((f) => `wrote ${f}`)]);
  });

  clientCommand(execution.command('list').description('every execution, oldest first')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    const list = await client.get<{ TaskExecutions: ExecutionDescription[] }>('/v1/executions');
    print(flags, list, (v) => v.TaskExecutions.map((e) => `${e.TaskExecutionId}  ${e.Status.padEnd(12)}  ${e.TaskName}  ${e.StartTime}  ${e.FilesTransferred} files`));
  });
}

// `floe report --out DIR`: the job completion report of the last import, written into DIR by the
// client. The device keeps it only inside the encrypted journal (docs/transfer.md).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { writeReportFiles, type ReportFiles } from '../transfer/import-report.js';
import { clientCommand, clientOf, print, type ClientFlags } from './client-options.js';

export function registerReportCommand(program: Command): void {
  clientCommand(
    program
      .command('report')
      .description('write the job completion report (summary.json, success-log.csv, failure-log.csv, summary.txt) into a folder')
      .requiredOption('--out <dir>', 'folder to write into (created if missing; existing report files are not overwritten)'),
  ).action(async (flags: ClientFlags & { out: string }) => {
    const client = await clientOf(flags);
    const files = await client.get<ReportFiles>('/v1/report');
    const written = await writeReportFiles(resolve(flags.out), files);
    const summary = JSON.parse(files['summary.json']) as { status: string; executionId: string };
    print(flags, { status: summary.status, executionId: summary.executionId, files: written }, (v) => [files['summary.txt'].trimEnd(), '', ...v.files.map((f) => `wrote ${f}`)]);
  });
}

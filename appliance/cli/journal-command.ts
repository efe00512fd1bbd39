// `floe journal stats|verify`.
import type { Command } from 'commander';
import { FloeError } from '../errors.js';
import type { JournalStats } from '../journal/journal.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';

interface VerifyJson {
  ok: boolean;
  records: number;
  files: number;
  problems: Array<{ kind: string; message: string }>;
  affectedPaths: string[];
}

export function registerJournalCommand(program: Command): void {
  const journal = program.command('journal').description('the encrypted journal on the device');
  clientCommand(journal.command('stats').description('files, bytes, stored bytes and dedup ratio')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    print(flags, await client.get<JournalStats>('/v1/journal/stats'), (s) =>
      fields([
        ['Files', s.files],
        ['Bytes', s.logicalBytes],
        ['Stored bytes', s.storedBytes],
        ['Chunks', s.chunks],
        ['Segments', s.segments],
        ['Dedup ratio', s.dedupRatio.toFixed(3)],
      ]),
    );
  });
  clientCommand(journal.command('verify').description('read every record and chunk; list every problem with the files it affects')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    const report = await client.post<VerifyJson>('/v1/journal/verify');
    print(flags, report, (r) => [
      r.ok ? `Journal OK: ${r.records} records, ${r.files} files` : `Journal has ${r.problems.length} problem(s):`,
      ...r.problems.map((p) => `  ${p.kind}: ${p.message}`),
      ...(r.affectedPaths.length > 0 ? ['Affected files:', ...r.affectedPaths.map((p) => `  ${p}`)] : []),
    ]);
    if (!report.ok) throw new FloeError('JOURNAL_CORRUPT', `journal verify found ${report.problems.length} problem(s)`);
  });
}

// `floe journal stats|verify|points|ls|history`.
import type { Command } from 'commander';
import { FloeError } from '../errors.js';
import type { JournalStats } from '../journal/journal.js';
import { formatBytes, formatCount, formatNsTime } from '../format/units.js';
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

  clientCommand(journal.command('points').description('the recovery points: each ingest execution that ended, oldest first')).action(async (_o: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ClientFlags>();
    const client = await clientOf(flags);
    const { points } = await client.get<{ points: PointJson[] }>('/v1/journal/points');
    print(flags, points, (list) =>
      list.length === 0
        ? ['No recovery point yet: a point is made when an ingest execution ends.']
        : table(
            ['POINT', 'ENDED', 'TASK', 'STATUS', 'FILES', 'BYTES', 'RECORD'],
            list.map((p) => [p.id, p.endTime, p.taskName || p.taskId, p.status, formatCount(p.files), formatBytes(p.bytes), p.seq]),
          ),
    );
  });

  clientCommand(
    journal
      .command('ls')
      .description('a folder as it was at a recovery point (a file path shows that file)')
      .argument('[path]', 'a journal path; the root when absent', '')
      .option('--point <id>', 'a recovery point (floe journal points), or latest', 'latest')
      .option('--hex', 'the path is given as hex bytes (names that are not UTF-8)'),
  ).action(async (path: string, o: ClientFlags & { point: string; hex?: boolean }) => {
    const client = await clientOf(o);
    const query = o.hex === true ? `pathHex=${encodeURIComponent(path)}` : `path=${encodeURIComponent(path)}`;
    const listing = await client.get<{ point: string; path: string; entries: EntryJson[] }>(`/v1/journal/points/${encodeURIComponent(o.point)}/files?${query}`);
    print(o, listing, (l) => [`${l.path === '' ? '/' : l.path} at ${l.point}:`, ...table(['TYPE', 'MODE', 'OWNER', 'SIZE', 'MTIME', 'NAME'], l.entries.map(entryRow))]);
  });

  clientCommand(
    journal
      .command('history')
      .description("a path's versions across recovery points, oldest first")
      .argument('<path>', 'a journal path')
      .option('--hex', 'the path is given as hex bytes'),
  ).action(async (path: string, o: ClientFlags & { hex?: boolean }) => {
    const client = await clientOf(o);
    const query = o.hex === true ? `pathHex=${encodeURIComponent(path)}` : `path=${encodeURIComponent(path)}`;
    const h = await client.get<{ path: string; versions: Array<{ seq: string; deleted: boolean; entry?: EntryJson; points: string[] }> }>(`/v1/journal/history?${query}`);
    print(o, h, (v) => [
      `${v.path}:`,
      ...table(
        ['RECORD', 'VERSION', 'SIZE', 'MTIME', 'SHA-256', 'POINTS'],
        v.versions.map((x) => [x.seq, x.deleted ? 'deleted' : x.entry!.type, x.entry === undefined ? '' : formatBytes(x.entry.size), x.entry === undefined ? '' : formatNsTime(BigInt(x.entry.mtime)), x.entry?.sha256?.slice(0, 16) ?? '', x.points.join(' ') || '(none)']),
      ),
    ]);
  });
}

interface PointJson {
  id: string;
  seq: string;
  taskId: string;
  taskName: string;
  status: string;
  endTime: string;
  files: number;
  bytes: number;
}

interface EntryJson {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  mtime: string;
  sha256?: string;
  target?: string;
}

function entryRow(e: EntryJson): string[] {
  const name = e.path.slice(e.path.lastIndexOf('/') + 1) + (e.type === 'directory' ? '/' : '') + (e.target === undefined ? '' : ` -> ${e.target}`);
  return [e.type, e.mode, `${e.uid}:${e.gid}`, e.type === 'file' ? formatBytes(e.size) : '', formatNsTime(BigInt(e.mtime)), name];
}

/** Columns padded to their widest cell, the last left as is. */
function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

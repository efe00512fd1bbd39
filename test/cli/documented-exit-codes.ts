// The exit-code table of docs/operations.md ("Errors and exit codes") as rows: the exit codes a
// row covers (a range like 20–22 expanded) and the error codes it names (JOURNAL_* a prefix).
import { readFile } from 'node:fs/promises';

export interface ExitRow {
  readonly exits: number[];
  readonly codes: string[];
}

export async function documentedExitTable(): Promise<ExitRow[]> {
  const doc = await readFile('docs/operations.md', 'utf8');
  const start = doc.indexOf('## Errors and exit codes');
  const section = doc.slice(start, doc.indexOf('\n---', start));
  return section
    .split('\n')
    .filter((l) => /^\| \d/.test(l))
    .map((l) => {
      const [exit = '', codes = ''] = l.split('|').slice(1, 3).map((c) => c.trim());
      const [lo, hi] = exit.split('–').map(Number);
      const exits = Array.from({ length: (hi ?? lo!) - lo! + 1 }, (_, i) => lo! + i);
      return { exits, codes: codes.split(',').map((c) => c.trim()).filter((c) => c !== '') };
    });
}

/** Whether `code` is one the row names, by name or by a `PREFIX_*` pattern. */
export function rowNames(row: ExitRow, code: string): boolean {
  return row.codes.some((c) => c === code || (c.endsWith('*') && code.startsWith(c.slice(0, -1).trim())));
}

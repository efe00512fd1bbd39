// Issue 4, Must show: DataSync's documented filter examples (User Guide, "Filtering data
// transferred by AWS DataSync"), table-driven through the engine against nfs-ganesha: which files
// reach the journal for each Includes/Excludes value.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../appliance/sources/open-source.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { ingestOnce, newJournal } from './ingest-fixtures.js';

const skip = ganeshaUnavailableReason();

const TREE = [
  '.snapshot/s1.txt',
  'a/.snapshot/x.txt',
  'a/keep.txt',
  'a/b.temp',
  'a/temp/t.txt',
  'a/tmp/t.txt',
  'a/deep/er/tmp/u.txt',
  'folder-to-transfer/f.txt',
  'folder-to-transfer/sub/g.txt',
  'important_folder_1/i.txt',
  'important_folder_2/j.txt',
  'important_folder_3/k.txt',
  'folder/subfolder/file1.txt',
  'folder/subfolder/file2.txt',
  'folder/subfolder/file3.txt',
  'documents/d.txt',
  'documents2024/d.txt',
  'code/c.ts',
  'codebase/c.ts',
  'top-level-folder-to-exclude-1/x.txt',
  'top-level-folder-to-exclude-2/y.txt',
  'keep/top-level-folder-to-exclude-1/z.txt',
  'folderA/z.txt',
  'FolderA/y.txt',
];
const ALL = [...TREE].sort();
const without = (...gone: string[]) => ALL.filter((p) => !gone.some((g) => p === g || p.startsWith(g + '/')));

const CASES: Array<{ name: string; includes?: string; excludes?: string; expected: string[] }> = [
  { name: 'no filter: everything', expected: ALL },
  { name: 'exclude */.snapshot (folders at any level, the root included)', excludes: '*/.snapshot', expected: without('.snapshot', 'a/.snapshot') },
  { name: 'exclude *.temp', excludes: '*.temp', expected: without('a/b.temp') },
  { name: 'exclude */temp|*/tmp', excludes: '*/temp|*/tmp', expected: without('a/temp', 'a/tmp', 'a/deep/er/tmp') },
  {
    name: 'exclude top-level folders only: /top-level-folder-to-exclude-1|/top-level-folder-to-exclude-2',
    excludes: '/top-level-folder-to-exclude-1|/top-level-folder-to-exclude-2',
    expected: without('top-level-folder-to-exclude-1', 'top-level-folder-to-exclude-2'),
  },
  { name: 'include /folder-to-transfer/*', includes: '/folder-to-transfer/*', expected: ['folder-to-transfer/f.txt', 'folder-to-transfer/sub/g.txt'] },
  { name: 'include /important_folder_1|/important_folder_2', includes: '/important_folder_1|/important_folder_2', expected: ['important_folder_1/i.txt', 'important_folder_2/j.txt'] },
  {
    name: 'include single files /folder/subfolder/file1.txt|/folder/subfolder/file2.txt',
    includes: '/folder/subfolder/file1.txt|/folder/subfolder/file2.txt',
    expected: ['folder/subfolder/file1.txt', 'folder/subfolder/file2.txt'],
  },
  { name: 'include /documents*|/code* (wildcard last)', includes: '/documents*|/code*', expected: ['code/c.ts', 'codebase/c.ts', 'documents/d.txt', 'documents2024/d.txt'] },
  { name: '/dir and /dir/ mean the same folder', includes: '/important_folder_3/', expected: ['important_folder_3/k.txt'] },
  { name: 'case-sensitive: /folderA does not match /FolderA', includes: '/folderA', expected: ['folderA/z.txt'] },
  { name: 'excludes win over includes', includes: '/folder-to-transfer', excludes: '*/sub', expected: ['folder-to-transfer/f.txt'] },
  { name: 'include and exclude across levels', includes: '/a', excludes: '*/.snapshot|*.temp|*/tmp', expected: ['a/keep.txt', 'a/temp/t.txt'] },
];

describe.skipIf(skip !== undefined)(`DataSync filter examples through the engine${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tmp: string;
  let server: Ganesha;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-ingest-filters-'));
    const exportDir = path.join(tmp, 'export');
    for (const p of TREE) {
      fs.mkdirSync(path.dirname(path.join(exportDir, p)), { recursive: true });
      fs.writeFileSync(path.join(exportDir, p), `${p}\n`);
    }
    server = await startGanesha({ exportDir });
  });

  afterAll(async () => {
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each(CASES)('$name', async ({ includes, excludes, expected }) => {
    const { journal, cleanup } = await newJournal();
    const source = await openSource(server.uri());
    try {
      const run = await ingestOnce(source, journal, {}, { includes, excludes });
      const files: string[] = [];
      for await (const e of journal.files()) if (e.type === 'file') files.push(e.path.toString());
      expect(files.sort()).toEqual(expected);
      expect(run.counters.FilesTransferred).toBe(expected.length);
      expect(run.counters.FilesVerified).toBe(expected.length);
      expect(run.result.error).toBeUndefined();
    } finally {
      await source.close();
      await cleanup();
    }
  });

  it('refuses an include with * before its last character, as DataSync does', async () => {
    const { createFilter } = await import('../../appliance/tasks/filters.js');
    expect(() => createFilter({ includes: '*.txt' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('include filters allow "*" only as the rightmost character') }));
  });
});

import { errorOf } from '../../test/support/error-of.js';
import { describe, expect, it } from 'vitest';
import { createFilter, MAX_FILTER_LENGTH, normalizePath, parseFilter } from './filters.js';


type Row = [filter: string, path: string, file: boolean, dir: boolean];

// Every example of "Filtering data transferred by AWS DataSync" (User Guide, filtering.md):
// columns: the filter, a path relative to the location root, includeFile(path), includeDir(path).
describe('documented exclude examples', () => {
  const rows: Row[] = [
    // "exclude NetApp backup folders by specifying */.snapshot"
    ['*/.snapshot', '/.snapshot', false, false],
    ['*/.snapshot', '/vol/.snapshot', false, false],
    ['*/.snapshot', '/vol/.snapshot/hourly.0/file', false, false],
    ['*/.snapshot', '/vol/data/file', true, true],
    ['*/.snapshot', '/vol/.snapshots', true, true],
    ['*/.snapshot', '/vol/x.snapshot', true, true],
    // "To exclude folders at any level in the file hierarchy"
    ['*/folder-to-exclude-1|*/folder-to-exclude-2', '/folder-to-exclude-1', false, false],
    ['*/folder-to-exclude-1|*/folder-to-exclude-2', '/a/b/folder-to-exclude-2/c.txt', false, false],
    ['*/folder-to-exclude-1|*/folder-to-exclude-2', '/a/folder-to-exclude-3/c.txt', true, true],
    // "To exclude folders at the top level of the source location"
    ['/top-level-folder-to-exclude-1|/top-level-folder-to-exclude-2', '/top-level-folder-to-exclude-1', false, false],
    ['/top-level-folder-to-exclude-1|/top-level-folder-to-exclude-2', '/top-level-folder-to-exclude-2/deep/file', false, false],
    ['/top-level-folder-to-exclude-1|/top-level-folder-to-exclude-2', '/a/top-level-folder-to-exclude-1', true, true],
    ['/top-level-folder-to-exclude-1|/top-level-folder-to-exclude-2', '/top-level-folder-to-exclude-10', true, true],
    // "Exclude specific file types ... an exclude filter such as *.temp"
    ['*.temp', '/report.temp', false, false],
    ['*.temp', '/a/b/c/report.temp', false, false],
    ['*.temp', '/a/report.temp.txt', true, true],
    ['*.temp', '/a/report.TEMP', true, true],
    // "to exclude the temporary folders named temp or tmp ... '*/temp|*/tmp'"
    ['*/temp|*/tmp', '/temp', false, false],
    ['*/temp|*/tmp', '/home/u/tmp/x', false, false],
    ['*/temp|*/tmp', '/home/u/temporary/x', true, true],
    ['*/temp|*/tmp', '/home/u/Temp/x', true, true],
    // "*.tmp|*.temp" (definition of a filter)
    ['*.tmp|*.temp', '/a.tmp', false, false],
    ['*.tmp|*.temp', '/a.temp', false, false],
    ['*.tmp|*.temp', '/a.txt', true, true],
  ];
  it.each(rows)('exclude %j: %j -> file %s, dir %s', (filter, path, file, dir) => {
    const f = createFilter({ excludes: filter });
    expect(f.includeFile(path)).toBe(file);
    expect(f.includeDir(path)).toBe(dir);
  });
});

describe('documented include examples', () => {
  const rows: Row[] = [
    // "/folderA|/folderB" and "Filters are case sensitive. For example, filter /folderA won't match /FolderA."
    ['/folderA|/folderB', '/folderA/x', true, true],
    ['/folderA|/folderB', '/folderB', true, true],
    ['/folderA|/folderB', '/FolderA/x', false, false],
    ['/folderA|/folderB', '/folderC/x', false, false],
    ['/folderA|/folderB', '/folderAB/x', false, false],
    // "specify the include filter /transfer_this/ ... DataSync transfers only the directory
    // /my_source/transfer_this/ and its contents" ; "/dir and /dir/ ... match both the folder and its content"
    ['/transfer_this/', '/transfer_this', true, true],
    ['/transfer_this/', '/transfer_this/a/b.txt', true, true],
    ['/transfer_this', '/transfer_this/a/b.txt', true, true],
    ['/transfer_this', '/other/transfer_this/b.txt', false, false],
    ['/dir', '/dir', true, true],
    ['/dir/', '/dir', true, true],
    ['/dir', '/dir/sub/f', true, true],
    ['/dir/', '/dir/sub/f', true, true],
    ['/dir', '/directory', false, false],
    // "/important_folder_1|/important_folder_2"
    ['/important_folder_1|/important_folder_2', '/important_folder_2/x/y', true, true],
    ['/important_folder_1|/important_folder_2', '/important_folder_3/x', false, false],
    // "/documents*|/code* is supported"
    ['/documents*|/code*', '/documents', true, true],
    ['/documents*|/code*', '/documents-2020/a.pdf', true, true],
    ['/documents*|/code*', '/code/src/main.ts', true, true],
    ['/documents*|/code*', '/codebase.txt', true, true],
    ['/documents*|/code*', '/docs/a', false, false],
    ['/documents*|/code*', '/x/documents', false, false],
    // "Include a subset of the folders ... /folder-to-transfer/*"
    ['/folder-to-transfer/*', '/folder-to-transfer/a.txt', true, true],
    ['/folder-to-transfer/*', '/folder-to-transfer/sub/a.txt', true, true],
    ['/folder-to-transfer/*', '/folder-to-transfer', false, true],
    ['/folder-to-transfer/*', '/folder-to-transfer-2/a.txt', false, false],
    // "Transfer individual files you specify"
    ['/folder/subfolder/file1.txt|/folder/subfolder/file2.txt', '/folder/subfolder/file1.txt', true, true],
    ['/folder/subfolder/file1.txt|/folder/subfolder/file2.txt', '/folder/subfolder/file3.txt', false, false],
    ['/folder/subfolder/file1.txt|/folder/subfolder/file2.txt', '/folder', false, true],
    ['/folder/subfolder/file1.txt|/folder/subfolder/file2.txt', '/folder/subfolder', false, true],
    ['/folder/subfolder/file1.txt|/folder/subfolder/file2.txt', '/folder/other', false, false],
  ];
  it.each(rows)('include %j: %j -> file %s, dir %s', (filter, path, file, dir) => {
    const f = createFilter({ includes: filter });
    expect(f.includeFile(path)).toBe(file);
    expect(f.includeDir(path)).toBe(dir);
  });
});

describe('includes and excludes together', () => {
  const rows: Array<[includes: string, excludes: string, path: string, file: boolean, dir: boolean]> = [
    ['/projects', '*/.snapshot|*.temp', '/projects/a/b.c', true, true],
    ['/projects', '*/.snapshot|*.temp', '/projects/a/b.temp', false, false],
    ['/projects', '*/.snapshot|*.temp', '/projects/.snapshot/x', false, false],
    ['/projects', '*/.snapshot|*.temp', '/home/a', false, false],
    ['/projects/2024*', '/projects/2024-old', '/projects', false, true],
    ['/projects/2024*', '/projects/2024-old', '/projects/2024-new/a', true, true],
    ['/projects/2024*', '/projects/2024-old', '/projects/2024-old/a', false, false],
  ];
  it.each(rows)('include %j exclude %j: %j -> file %s, dir %s', (includes, excludes, path, file, dir) => {
    const f = createFilter({ includes, excludes });
    expect(f.includeFile(path)).toBe(file);
    expect(f.includeDir(path)).toBe(dir);
  });

  it('selects everything without filters, and always walks the root', () => {
    const f = createFilter();
    expect(f.includeFile('/any/thing')).toBe(true);
    expect(f.includeDir('')).toBe(true);
    expect(createFilter({ includes: '/only' }).includeDir('/')).toBe(true);
    expect(createFilter({ excludes: '*' }).includeDir('')).toBe(true);
    expect(createFilter({ excludes: '*' }).includeFile('/a')).toBe(false);
  });
});

describe('paths', () => {
  it('accepts paths with or without a leading slash, with a trailing slash, as string or bytes', () => {
    const f = createFilter({ excludes: '/a/b' });
    for (const p of ['/a/b', 'a/b', 'a/b/', '/a/b/c', Buffer.from('a/b/c')]) expect(f.includeFile(p)).toBe(false);
    expect(f.includeFile('a/bc')).toBe(true);
    expect(normalizePath('a/b/')).toBe('/a/b');
    expect(normalizePath('/')).toBe('');
  });

  it('matches non-UTF-8 names byte for byte', () => {
    const latin1Name = Buffer.from([0x2f, 0x64, 0x61, 0x74, 0x61, 0x2f, 0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x65, 0x6d, 0x70]); // "/data/caf\xe9.temp"
    expect(createFilter({ excludes: '*.temp' }).includeFile(latin1Name)).toBe(false);
    expect(createFilter({ excludes: '/data' }).includeFile(latin1Name)).toBe(false);
    // A UTF-8 pattern "é" (0xc3 0xa9) is not the single latin-1 byte 0xe9.
    expect(createFilter({ excludes: '/data/café.temp' }).includeFile(latin1Name)).toBe(true);
    expect(createFilter({ excludes: '/data/café.temp' }).includeFile(Buffer.from('/data/café.temp'))).toBe(false);
    // Invalid UTF-8 inside a directory that an include names.
    const inside = Buffer.concat([Buffer.from('/keep/'), Buffer.from([0xff, 0xfe, 0x0a, 0x2a])]);
    expect(createFilter({ includes: '/keep' }).includeFile(inside)).toBe(true);
    expect(createFilter({ includes: '/kee*' }).includeFile(inside)).toBe(true);
    expect(createFilter({ includes: '/other' }).includeFile(inside)).toBe(false);
  });

  it('treats regex and glob characters other than * literally', () => {
    const f = createFilter({ excludes: '/a.b|/c?d|/[x]|/(y)+|/e$' });
    expect(f.includeFile('/a.b')).toBe(false);
    expect(f.includeFile('/aXb')).toBe(true);
    expect(f.includeFile('/c?d')).toBe(false);
    expect(f.includeFile('/cXd')).toBe(true);
    expect(f.includeFile('/[x]')).toBe(false);
    expect(f.includeFile('/x')).toBe(true);
    expect(f.includeFile('/(y)+')).toBe(false);
    expect(f.includeFile('/yy')).toBe(true);
    expect(f.includeFile('/e$')).toBe(false);
  });

  it('escapes | * and \\ with a backslash, and keeps other backslashes literal', () => {
    const f = createFilter({ excludes: '/a\\|b|*/star\\*name|/back\\\\slash|/win\\dir' });
    expect(f.includeFile('/a|b')).toBe(false);
    expect(f.includeFile('/a')).toBe(true);
    expect(f.includeFile('/b')).toBe(true);
    expect(f.includeFile('/x/star*name')).toBe(false);
    expect(f.includeFile('/x/starXname')).toBe(true);
    expect(f.includeFile('/back\\slash')).toBe(false);
    expect(f.includeFile('/win\\dir')).toBe(false);
    // Look-alikes of | are ordinary characters: U+00A6 BROKEN BAR, U+FF5C FULLWIDTH VERTICAL LINE.
    const g = createFilter({ excludes: '/a¦b|/c｜d' });
    expect(g.includeFile('/a¦b')).toBe(false);
    expect(g.includeFile('/a')).toBe(true);
    expect(g.includeFile('/c｜d/e')).toBe(false);
    expect(g.includeFile('/c')).toBe(true);
    // An escaped * in an include is literal, so it may appear anywhere.
    const h = createFilter({ includes: '/x\\*y*' });
    expect(h.includeFile('/x*y-1')).toBe(true);
    expect(h.includeFile('/xzy-1')).toBe(false);
  });

  it('handles deep paths', () => {
    const deep = '/' + Array.from({ length: 400 }, (_, i) => `d${i}`).join('/') + '/file.temp';
    expect(deep.length).toBe(1900);
    expect(createFilter({ excludes: '*.temp' }).includeFile(deep)).toBe(false);
    expect(createFilter({ excludes: '*/d399' }).includeFile(deep)).toBe(false);
    expect(createFilter({ excludes: '*/d400' }).includeFile(deep)).toBe(true);
    expect(createFilter({ includes: '/d0/d1/d2*' }).includeFile(deep)).toBe(true);
    expect(createFilter({ includes: '/d0/d1/d3' }).includeDir('/d0/d1')).toBe(true);
    expect(createFilter({ includes: '/d0/d1/d3' }).includeDir('/d0/d1/d2')).toBe(false);
  });
});

describe('parseFilter', () => {
  it('splits on | and keeps each pattern', () => {
    expect(parseFilter('*/temp|*/tmp', 'exclude').patterns.map((p) => p.source)).toEqual(['*/temp', '*/tmp']);
    expect(parseFilter('/dir/', 'include').patterns[0]?.pieces).toEqual(['/dir']);
  });

  const refused: Array<[string, 'include' | 'exclude', string]> = [
    ['*.txt', 'include', 'Includes: pattern "*.txt" has "*" before its last character; include filters allow "*" only as the rightmost character (e.g. "/documents*"), use an exclude filter for patterns like "*.txt"'],
    ['/a|/b*/c', 'include', 'Includes: pattern "/b*/c" has "*" before its last character; include filters allow "*" only as the rightmost character (e.g. "/documents*"), use an exclude filter for patterns like "*.txt"'],
    ['', 'exclude', 'Excludes: the filter is empty'],
    ['/a||/b', 'exclude', 'Excludes: pattern 2 is empty; patterns are separated by a single "|", e.g. "*/temp|*/tmp"'],
    ['/a|', 'include', 'Includes: pattern 2 is empty; patterns are separated by a single "|", e.g. "*/temp|*/tmp"'],
    ['|/a', 'exclude', 'Excludes: pattern 1 is empty; patterns are separated by a single "|", e.g. "*/temp|*/tmp"'],
    ['temp', 'exclude', 'Excludes: pattern "temp" must start with "/" (a path from the location root, e.g. "/temp") or "*" (any level, e.g. "*/temp")'],
    ['/a\u0000b', 'exclude', 'Excludes: the filter contains a NUL character'],
  ];
  it.each(refused)('refuses %j as %s', (value, kind, message) => {
    const err = errorOf(() => parseFilter(value, kind));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe(message);
    expect(err.details?.field).toBe(kind === 'include' ? 'Includes' : 'Excludes');
  });

  it('allows * anywhere in exclude filters, and refuses filters over 102,400 characters', () => {
    expect(parseFilter('*.txt|*/a*b*', 'exclude').patterns).toHaveLength(2);
    expect(errorOf(() => parseFilter('/' + 'a'.repeat(MAX_FILTER_LENGTH), 'exclude')).message).toBe(
      'Excludes: the filter is 102401 characters long; the maximum is 102400',
    );
  });

  it('createFilter validates too, and refuses a filter of the wrong kind', () => {
    expect(errorOf(() => createFilter({ includes: '*.txt' })).details?.field).toBe('Includes');
    expect(errorOf(() => createFilter({ includes: parseFilter('/a', 'exclude') })).message).toBe(
      'Includes: a parsed exclude filter was given as the include filter',
    );
  });
});

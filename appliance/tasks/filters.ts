// DataSync SIMPLE_PATTERN include/exclude filters: plain decisions, no I/O.
//
// Source: AWS DataSync User Guide, "Filtering data transferred by AWS DataSync"
// (https://docs.aws.amazon.com/datasync/latest/userguide/filtering.html) and the FilterRule API
// type (API_FilterRule.html). What it says, and how floe reads it:
//   - "Filters are made up of patterns delimited with a | (pipe)." Value: "Maximum length of
//     102400. Pattern: ^[^\x00]+$".
//   - "All filters are relative to the source location path." "To specify a folder directly under
//     the source location, include a forward slash (/) in front of the folder name."
//   - "DataSync interprets the following patterns the same way and matches both the folder and its
//     content: /dir  /dir/".
//   - "Filters are case sensitive. For example, filter /folderA won't match /FolderA."
//   - "Include filters support the wildcard (*) character only as the rightmost character in a
//     pattern. For example, /documents*|/code* is supported, but *.txt isn't supported."
//   - Examples: exclude `*/.snapshot`, `*/folder-to-exclude-1|*/folder-to-exclude-2` ("folders at
//     any level"), `/top-level-folder-to-exclude-1|...`, `*.temp`, `*/temp|*/tmp`; include
//     `/folder-to-transfer/*`, `/important_folder_1|/important_folder_2`,
//     `/folder/subfolder/file1.txt|/folder/subfolder/file2.txt`.
//
// floe's reading where the page is silent:
//   - `*` matches any run of bytes, `/` included: that is what lets `*/.snapshot` reach folders
//     "at any level" and `*.temp` match files in any folder.
//   - A pattern that matches a folder matches everything under it (`/dir` rule above), for every
//     pattern: `*.temp` also excludes the contents of a folder named `x.temp`.
//   - A pattern must start with `/` (anchored at the location root) or `*`. DataSync documents
//     `/transfer_this, not transfer_this`; floe refuses the unanchored form instead of silently
//     matching nothing.
//   - `\` escapes `|`, `*` and `\` so a name containing them can be written (`a\|b` matches the
//     name `a|b`); before any other character `\` is an ordinary character.
//   - Excludes win over includes. With includes, a file is transferred only if an include matches it.
//
// Paths are bytes ('/'-separated, relative to the location root, with or without a leading '/');
// names need not be UTF-8. Patterns are matched as their UTF-8 bytes.

import { FloeError } from '../errors.js';

export type FilterKind = 'include' | 'exclude';

/** FilterRule Value: "Length Constraints: Maximum length of 102400." */
export const MAX_FILTER_LENGTH = 102_400;

/** One pattern of a filter, parsed. */
export interface FilterPattern {
  /** The pattern as written (escapes included). */
  readonly source: string;
  /**
   * The pattern's literal pieces as latin1 strings of UTF-8 bytes, split at each wildcard, with a
   * trailing '/' removed. `['/dir']` for `/dir/`; `['', '.temp']` for `*.temp`.
   */
  readonly pieces: readonly string[];
}

export interface ParsedFilter {
  readonly kind: FilterKind;
  readonly patterns: readonly FilterPattern[];
}

export type FilterPath = string | Uint8Array;

export interface PathFilter {
  /** Should the walker descend into this directory? */
  includeDir(path: FilterPath): boolean;
  /** Is this file (or symlink, device...) selected? */
  includeFile(path: FilterPath): boolean;
}

function invalid(kind: FilterKind, message: string, extra: Record<string, unknown> = {}): FloeError {
  const field = kind === 'include' ? 'Includes' : 'Excludes';
  return new FloeError('INVALID_ARGUMENT', `${field}: ${message}`, { details: { field, ...extra } });
}

/** Splits at unescaped '|', returning the raw patterns (escapes kept). */
function splitPatterns(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length && '|*\\'.includes(value[i + 1] as string)) {
      current += ch + value[i + 1];
      i++;
    } else if (ch === '|') {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

const toLatin1 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

function parsePattern(raw: string, kind: FilterKind, index: number): FilterPattern {
  if (raw.length === 0) {
    throw invalid(kind, `pattern ${index + 1} is empty; patterns are separated by a single "|", e.g. "*/temp|*/tmp"`, { pattern: raw });
  }
  if (raw[0] !== '/' && raw[0] !== '*') {
    throw invalid(
      kind,
      `pattern ${JSON.stringify(raw)} must start with "/" (a path from the location root, e.g. "/${raw}") or "*" (any level, e.g. "*/${raw}")`,
      { pattern: raw },
    );
  }
  const pieces: string[] = [];
  let literal = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === '\\' && i + 1 < raw.length && '|*\\'.includes(raw[i + 1] as string)) {
      literal += raw[i + 1];
      i++;
    } else if (ch === '*') {
      if (kind === 'include' && i !== raw.length - 1) {
        throw invalid(
          kind,
          `pattern ${JSON.stringify(raw)} has "*" before its last character; include filters allow "*" only as the rightmost character (e.g. "/documents*"), use an exclude filter for patterns like "*.txt"`,
          { pattern: raw },
        );
      }
      pieces.push(toLatin1(literal));
      literal = '';
    } else {
      literal += ch;
    }
  }
  // "/dir" and "/dir/" are the same pattern. A lone "/" is the root: every path.
  if (literal.endsWith('/')) literal = literal.slice(0, -1);
  pieces.push(toLatin1(literal));
  return { source: raw, pieces };
}

/** Parses one filter Value (`|`-separated patterns) with DataSync's validation. */
export function parseFilter(value: string, kind: FilterKind): ParsedFilter {
  if (typeof value !== 'string' || value.length === 0) throw invalid(kind, 'the filter is empty');
  if (value.length > MAX_FILTER_LENGTH) {
    throw invalid(kind, `the filter is ${value.length} characters long; the maximum is ${MAX_FILTER_LENGTH}`);
  }
  if (value.includes('\u0000')) throw invalid(kind, 'the filter contains a NUL character');
  return { kind, patterns: splitPatterns(value).map((raw, i) => parsePattern(raw, kind, i)) };
}

/** A path as a latin1 string of its bytes, with one leading '/' and no trailing '/'; root is ''. */
export function normalizePath(path: FilterPath): string {
  let s = typeof path === 'string' ? toLatin1(path) : Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('latin1');
  while (s.endsWith('/')) s = s.slice(0, -1);
  if (s.length > 0 && !s.startsWith('/')) s = '/' + s;
  return s;
}

const escapeRegExp = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/** Full match, or a match of an ancestor folder (a folder pattern covers its contents). */
function compile(patterns: readonly FilterPattern[]): RegExp | undefined {
  if (patterns.length === 0) return undefined;
  const alternatives = patterns.map((p) => p.pieces.map(escapeRegExp).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})(?:/.*)?$`, 's');
}

/**
 * Could an include pattern match `dir` itself or something below it? Include patterns are a
 * literal, optionally followed by one '*'.
 */
function includeReachesBelow(pattern: FilterPattern, dir: string): boolean {
  const literal = pattern.pieces[0] as string;
  const wildcard = pattern.pieces.length > 1;
  const dirSlash = dir + '/';
  if (literal.startsWith(dirSlash)) return true; // the pattern names something inside dir
  if (wildcard && dirSlash.startsWith(literal)) return true; // dir/... all start with the literal
  return false;
}

function asFilter(value: string | ParsedFilter | undefined, kind: FilterKind): ParsedFilter | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return parseFilter(value, kind);
  if (value.kind !== kind) throw invalid(kind, `a parsed ${value.kind} filter was given as the ${kind} filter`);
  return value;
}

/**
 * Compiles a task's filters into a matcher with no I/O. Empty or absent filters select everything.
 */
export function createFilter(filters: { includes?: string | ParsedFilter; excludes?: string | ParsedFilter } = {}): PathFilter {
  const includes = asFilter(filters.includes, 'include')?.patterns ?? [];
  const excludes = asFilter(filters.excludes, 'exclude')?.patterns ?? [];
  const includeRe = compile(includes);
  const excludeRe = compile(excludes);

  const excluded = (p: string): boolean => excludeRe !== undefined && excludeRe.test(p);

  return {
    includeDir(path: FilterPath): boolean {
      const p = normalizePath(path);
      if (p === '') return true; // the location root is always walked
      if (excluded(p)) return false;
      if (includeRe === undefined || includeRe.test(p)) return true;
      return includes.some((pattern) => includeReachesBelow(pattern, p));
    },
    includeFile(path: FilterPath): boolean {
      const p = normalizePath(path);
      if (excluded(p)) return false;
      return includeRe === undefined || includeRe.test(p);
    },
  };
}

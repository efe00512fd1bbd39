// Helpers for the ingest tests: a journal in a temp folder, one engine run with its report, an
// independent walk of a folder (node:fs, not floe's sources) and a comparison of the journal's
// catalog with it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readdir, lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { runIngest, type IngestResult } from '../../appliance/ingest/ingest-engine.js';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import { Journal } from '../../appliance/journal/journal.js';
import type { Source } from '../../appliance/sources/source.js';
import { createExecutionCounters, type ExecutionCounters } from '../../appliance/tasks/execution-status.js';
import { createFilter } from '../../appliance/tasks/filters.js';
import { parseOptions } from '../../appliance/tasks/options.js';
import type { FileResult } from '../../appliance/tasks/task-report.js';
import { Throttle } from '../../appliance/tasks/throttle.js';
import { tempDir, testKeys } from '../journal/journal-fixtures.js';

export async function newJournal(): Promise<{ journal: Journal; cleanup: () => Promise<void> }> {
  const t = await tempDir('floe-ingest-journal-');
  const journal = await Journal.create(t.dir, testKeys().ring());
  return {
    journal,
    cleanup: async () => {
      await journal.close();
      await t.cleanup();
    },
  };
}

export interface RunOutcome {
  readonly counters: ExecutionCounters;
  readonly result: IngestResult;
  readonly files: FileResult[];
  readonly phases: string[];
}

export async function ingestOnce(
  source: Source,
  journal: Journal,
  options: Record<string, unknown> = {},
  extra: { includes?: string; excludes?: string; destinationPath?: string; signal?: AbortSignal; throttle?: Throttle } = {},
): Promise<RunOutcome> {
  const counters = createExecutionCounters();
  const files: FileResult[] = [];
  const phases: string[] = [];
  const parsed = parseOptions(options);
  const result = await runIngest({
    source,
    journal,
    options: parsed,
    filter: createFilter({ includes: extra.includes, excludes: extra.excludes }),
    destinationPath: extra.destinationPath ?? '',
    throttle: extra.throttle ?? new Throttle({ bytesPerSecond: parsed.BytesPerSecond }),
    signal: extra.signal ?? new AbortController().signal,
    counters,
    onPhase: (p) => phases.push(p),
    onFile: (r) => files.push(r),
  });
  return { counters, result, files, phases };
}

export interface ExpectedEntry {
  readonly type: FileEntry['type'];
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly atimeNs: bigint;
  readonly ino: bigint;
  readonly nlink: number;
  readonly target?: string;
  readonly sha256?: string;
}

/** Paths (latin1 of the exact bytes) -> what lstat says, read with node:fs. Directories are listed first, then everything is lstat'ed, so the walk's own reads do not show in the atimes it records. */
export async function snapshotTree(root: string): Promise<Map<string, ExpectedEntry>> {
  const rootBuf = Buffer.from(root);
  const paths: Buffer[] = [];
  const stack: Buffer[] = [Buffer.alloc(0)];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const full = rel.length === 0 ? rootBuf : Buffer.concat([rootBuf, Buffer.from('/'), rel]);
    for (const d of await readdir(full, { withFileTypes: true, encoding: 'buffer' })) {
      const child = rel.length === 0 ? Buffer.from(d.name) : Buffer.concat([rel, Buffer.from('/'), d.name]);
      paths.push(child);
      if (d.isDirectory()) stack.push(child);
    }
  }
  // Contents first (hashes, link targets), then attributes: reading moves atime (relatime), and
  // floe lists after this walk, so the atimes recorded here must be those after the reads.
  const contents = new Map<string, { sha256?: string; target?: string }>();
  for (const rel of paths) {
    const full = Buffer.concat([rootBuf, Buffer.from('/'), rel]);
    const st = await lstat(full);
    if (st.isFile()) contents.set(rel.toString('latin1'), { sha256: await hashFile(full) });
    else if (st.isSymbolicLink()) contents.set(rel.toString('latin1'), { target: (await readlink(full, { encoding: 'buffer' })).toString('latin1') });
  }
  const out = new Map<string, ExpectedEntry>();
  for (const rel of paths) {
    const full = Buffer.concat([rootBuf, Buffer.from('/'), rel]);
    const st = await lstat(full, { bigint: true });
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'fifo';
    const entry: ExpectedEntry = {
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: type === 'file' || type === 'symlink' ? Number(st.size) : 0,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      atimeNs: st.atimeNs,
      ino: st.ino,
      nlink: Number(st.nlink),
      ...contents.get(rel.toString('latin1')),
    };
    out.set(rel.toString('latin1'), entry);
  }
  return out;
}

async function hashFile(full: Buffer): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(full, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface CatalogEntry {
  readonly entry: FileEntry;
  /** SHA-256 of the bytes read back from the journal (regular files). */
  readonly contentSha256?: string;
}

/** The journal's catalog by path (latin1), each regular file read back and hashed. */
export async function readCatalog(journal: Journal): Promise<Map<string, CatalogEntry>> {
  const out = new Map<string, CatalogEntry>();
  for await (const entry of journal.files()) {
    let contentSha256: string | undefined;
    if (entry.type === 'file') {
      const h = createHash('sha256');
      for await (const chunk of journal.readFile(entry)) h.update(chunk);
      contentSha256 = h.digest('hex');
    }
    out.set(entry.path.toString('latin1'), { entry, ...(contentSha256 === undefined ? {} : { contentSha256 }) });
  }
  return out;
}

/** Every difference between the expected tree and the catalog, as text (empty when equal). */
export function compareCatalog(expected: Map<string, ExpectedEntry>, catalog: Map<string, CatalogEntry>): string[] {
  const problems: string[] = [];
  for (const [p, want] of expected) {
    const got = catalog.get(p);
    if (got === undefined) {
      problems.push(`missing: ${p}`);
      continue;
    }
    const e = got.entry;
    const diffs: string[] = [];
    const same = (name: string, a: unknown, b: unknown): void => {
      if (a !== b) diffs.push(`${name} ${String(a)} != ${String(b)}`);
    };
    same('type', e.type, want.type);
    same('mode', e.mode.toString(8), want.mode.toString(8));
    same('uid', e.uid, want.uid);
    same('gid', e.gid, want.gid);
    same('size', e.size, want.size);
    same('mtime', e.mtimeNs, want.mtimeNs);
    same('ctime', e.ctimeNs, want.ctimeNs);
    same('fileId', e.fileId, want.ino);
    same('nlink', e.nlink, want.nlink);
    if (want.type !== 'directory') same('atime', e.atimeNs, want.atimeNs);
    if (want.target !== undefined) same('target', e.target?.toString('latin1'), want.target);
    if (want.sha256 !== undefined) {
      same('sha256', e.sha256.toString('hex'), want.sha256);
      same('content', got.contentSha256, want.sha256);
    }
    if (diffs.length > 0) problems.push(`${p}: ${diffs.join(', ')}`);
  }
  for (const p of catalog.keys()) if (!expected.has(p)) problems.push(`unexpected: ${p}`);
  return problems;
}

/** Writes `size` seeded pseudo-random bytes to `file` in 4 MiB blocks (xorshift32; cheap, low memory). */
export function writeSeededFile(file: string, size: number, seed: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    const block = Buffer.allocUnsafe(4 << 20);
    const words = new Uint32Array(block.buffer, block.byteOffset, block.length / 4);
    let x = seed >>> 0 || 1;
    for (let written = 0; written < size; ) {
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        words[i] = x;
      }
      const n = Math.min(block.length, size - written);
      fs.writeSync(fd, block, 0, n);
      written += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function entriesOfType(catalog: Map<string, unknown>, expected: Map<string, ExpectedEntry>, type: ExpectedEntry['type']): string[] {
  return [...expected.entries()].filter(([p, e]) => e.type === type && catalog.has(p)).map(([p]) => p);
}

export const joinPath = (...parts: string[]): string => path.join(...parts);

// VERIFYING (DataSync VerifyMode): re-read the source and compare it with what the journal holds.
//
// ONLY_FILES_TRANSFERRED: each entry copied by this execution: its attributes again (a change
//   since the copy is a "Metadata failure") and, for regular files, the SHA-256 of a fresh read
//   against the journal entry's ("Checksum failure").
// POINT_IN_TIME_CONSISTENT: the whole source under the filters, walked again: every entry must be
//   in the journal ("Files were added" otherwise) with the metadata the options keep and, for
//   regular files, the same SHA-256; with PreserveDeletedFiles REMOVE, every journal entry in the
//   task's scope must still be at the source ("Files were removed"). Entries this execution
//   reported as skipped or failed are left out: they are already reported.
// DataSync counts an mtime difference as a verification failure (DOMAIN.md); so does floe.
import { FloeError, asFloeError, type ErrorCode } from '../errors.js';
import { sha256OfStream } from '../crypto/hash-pool.js';
import { displayPath, type FileEntry } from '../journal/file-entry.js';
import type { Journal } from '../journal/journal.js';
import type { Source, SourceEntry } from '../sources/source.js';
import type { ExecutionCounters } from '../tasks/execution-status.js';
import type { PathFilter } from '../tasks/filters.js';
import type { TaskOptions, VerifyMode } from '../tasks/options.js';
import type { FileResult } from '../tasks/task-report.js';
import type { Throttle } from '../tasks/throttle.js';
import { attributesChanged, countsAsFile, unchanged } from './ingest-metadata.js';
import type { ProblemList } from './ingest-problems.js';
import type { JournalPaths } from './journal-paths.js';
import { walkSource } from './source-walk.js';
import { forEachConcurrent } from './work-pool.js';

export interface CopiedFile {
  readonly journalPath: Buffer;
  /** The source's attributes the copy was made from. */
  readonly sourceEntry: SourceEntry;
  readonly entry: FileEntry;
}

export interface VerifyParams {
  readonly mode: Exclude<VerifyMode, 'NONE'>;
  readonly source: Source;
  readonly journal: Journal;
  readonly filter: PathFilter;
  readonly paths: JournalPaths;
  readonly throttle: Throttle;
  readonly signal: AbortSignal;
  readonly counters: ExecutionCounters;
  readonly problems: ProblemList;
  readonly copied: readonly CopiedFile[];
  readonly record: (e: SourceEntry) => SourceEntry;
  readonly options: TaskOptions;
  readonly unlistable: readonly string[];
  readonly onFile: (r: FileResult) => void;
  readonly concurrency: number;
}

class VerifyFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export async function verifyIngest(p: VerifyParams): Promise<void> {
  try {
    if (p.mode === 'ONLY_FILES_TRANSFERRED') await verifyCopied(p);
    else await verifyPointInTime(p);
  } catch (err) {
    if (p.signal.aborted) throw new FloeError('CANCELLED', 'the execution was cancelled', { cause: err });
    throw asFloeError(err);
  }
}

async function verifyCopied(p: VerifyParams): Promise<void> {
  await forEachConcurrent(p.copied, p.concurrency, async ({ sourceEntry, entry }) => {
    await check(p, sourceEntry.path, sourceEntry, async () => {
      const now = await p.source.stat(sourceEntry.path, { signal: p.signal });
      if (attributesChanged(sourceEntry, now)) throw new VerifyFailure('VERIFY_METADATA_FAILURE', `Metadata failure: '${displayPath(sourceEntry.path)}' changed at the source since it was copied`);
      if (entry.type === 'file') await compareContent(p, now, entry);
    });
  });
}

async function verifyPointInTime(p: VerifyParams): Promise<void> {
  const reported = p.problems.paths;
  const seen = new Set<string>();
  const toCheck: SourceEntry[] = [];
  await walkSource(p.source, {
    filter: p.filter,
    signal: p.signal,
    onUnlistable: () => undefined, // reported by PREPARING, or new since: nothing to compare
    onEntry: (entry) => {
      seen.add(entry.path.toString('latin1'));
      const special = entry.type !== 'file' && entry.type !== 'directory' && entry.type !== 'symlink';
      if (special && p.options.PreserveDevices === 'NONE') return;
      if (reported.has(displayPath(entry.path))) return;
      toCheck.push(entry);
    },
  });
  await forEachConcurrent(toCheck, p.concurrency, async (entry) => {
    await check(p, entry.path, entry, async () => {
      const stored = await p.journal.getFile(p.paths.toJournal(entry.path));
      if (stored === undefined) throw new VerifyFailure('VERIFY_FILES_ADDED', `Files were added: '${displayPath(entry.path)}' is at the source but not in the journal`);
      if (!unchanged(stored, p.record(entry), p.options)) {
        throw new VerifyFailure('VERIFY_METADATA_FAILURE', `Metadata failure: '${displayPath(entry.path)}' differs from the journal's entry (size, times, mode, owner or identity)`);
      }
      if (entry.type === 'file') await compareContent(p, entry, stored);
    });
  });
  if (p.options.PreserveDeletedFiles !== 'REMOVE') return;
  for await (const stored of p.journal.files()) {
    const relative = p.paths.toRelative(stored.path);
    if (relative === undefined || relative.length === 0 || seen.has(relative.toString('latin1'))) continue;
    const inScope = stored.type === 'directory' ? p.filter.includeDir(relative) : p.filter.includeFile(relative);
    const text = relative.toString('latin1');
    if (!inScope || p.unlistable.some((d) => d === '' || text === d || text.startsWith(d + '/'))) continue;
    fail(p, relative, stored, new VerifyFailure('VERIFY_FILES_REMOVED', `Files were removed: '${displayPath(relative)}' is in the journal but no longer at the source`));
  }
}

async function check(p: VerifyParams, path: Buffer, meta: Pick<SourceEntry, 'type' | 'size'>, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    if (!countsAsFile(meta)) return;
    p.counters.FilesVerified++;
    p.onFile({ path, category: 'verified', size: meta.size });
  } catch (err) {
    if (err instanceof VerifyFailure) return fail(p, path, meta, err);
    const e = asFloeError(err);
    if (!p.signal.aborted && (e.code === 'SOURCE_ACCESS_DENIED' || e.code === 'SOURCE_NOT_FOUND' || e.code === 'SOURCE_STALE')) {
      return fail(p, path, meta, new VerifyFailure(e.code === 'SOURCE_ACCESS_DENIED' ? 'VERIFY_METADATA_FAILURE' : 'VERIFY_FILES_REMOVED', `${e.code === 'SOURCE_ACCESS_DENIED' ? 'Metadata failure' : 'Files were removed'}: ${e.message}`));
    }
    throw e;
  }
}

function fail(p: VerifyParams, path: Buffer, meta: Pick<SourceEntry, 'type' | 'size'>, failure: VerifyFailure): void {
  p.counters.FilesFailed.Verify++;
  p.problems.add(path, 'Verify', 'failed', { code: failure.code, message: failure.message });
  p.onFile({ path, category: 'failed', size: meta.size, errorCode: failure.code, errorMessage: failure.message });
}

async function compareContent(p: VerifyParams, entry: SourceEntry, stored: FileEntry): Promise<void> {
  const { digest, size } = await sha256OfStream(p.source.read(entry, 0, { signal: p.signal }), stored.size, (chunk) => p.throttle.take(chunk.length, p.signal));
  if (size !== stored.size || !digest.equals(stored.sha256)) {
    throw new VerifyFailure('VERIFY_CHECKSUM_FAILURE', `Checksum failure: '${displayPath(entry.path)}' read ${size} bytes whose SHA-256 differs from the journal's (${stored.size} bytes)`);
  }
}

// The source -> journal engine (ARCHITECTURE.md, "Tasks and executions"; DOMAIN.md): one
// execution's PREPARING, TRANSFERRING and VERIFYING work with DataSync's semantics.
//
// PREPARING walks the source under the filters and compares each entry with the journal
// (TransferMode CHANGED skips what is unchanged; ALL copies everything); a folder whose listing
// hashes to the digest the index keeps for it is unchanged as a whole (listing-digest.ts). With
// PreserveDeletedFiles REMOVE it also finds the journal entries in the task's scope that the
// source no longer has.
// TRANSFERRING copies the chosen entries, several at once (file-copy.ts proves each copy is of one
// version of the file), then writes tombstones. VERIFYING is in ingest-verify.ts.
//
// floe's choices where DataSync leaves room:
// - Counters count files, symlinks and devices. Directories are recorded with their metadata
//   (they matter at import) but are not counted, so FilesTransferred is what a user calls files.
// - Unchanged files are counted in FilesSkipped without a report line; a file the server refuses
//   is also counted in FilesSkipped, with a report line and a problem naming the reason; the
//   execution still succeeds. A directory the server refuses to list counts in
//   FilesFailed.Prepare (what is under it is unknown), and nothing under it is deleted.
// - Devices, FIFOs and sockets are recorded (name and metadata, never contents) only with
//   PreserveDevices PRESERVE, and otherwise ignored.
import { setMaxListeners } from 'node:events';
import { FloeError, asFloeError } from '../errors.js';
import { countsAsFile, recordedMetadata, unchanged } from './ingest-metadata.js';
import { copyEntry, type CopyContext } from './file-copy.js';
import { ProblemList } from './ingest-problems.js';
import { verifyIngest, type CopiedFile } from './ingest-verify.js';
import { forEachConcurrent, Semaphore } from './work-pool.js';
import { walkSource } from './source-walk.js';
import type { Journal } from '../journal/journal.js';
import type { Source, SourceEntry } from '../sources/source.js';
import type { ExecutionCounters } from '../tasks/execution-status.js';
import type { PathFilter } from '../tasks/filters.js';
import type { TaskOptions } from '../tasks/options.js';
import type { FileResult } from '../tasks/task-report.js';
import type { Throttle } from '../tasks/throttle.js';
import { JournalPaths } from './journal-paths.js';
import { listingDigest } from './listing-digest.js';
import { futureTimes } from './time-range.js';

export interface IngestParams {
  readonly source: Source;
  readonly journal: Journal;
  readonly options: TaskOptions;
  readonly filter: PathFilter;
  /** Journal folder the source root maps to ('' or a relative path). */
  readonly destinationPath?: string;
  readonly throttle: Throttle;
  readonly signal: AbortSignal;
  /** Updated live; the caller publishes it. */
  readonly counters: ExecutionCounters;
  readonly onPhase?: (phase: 'TRANSFERRING' | 'VERIFYING') => void;
  readonly onFile?: (result: FileResult) => void;
  /** Entries copied at once (default 16). */
  readonly concurrency?: number;
  /** Files of LARGE_FILE_BYTES or more copied at once (default 2). */
  readonly largeFileConcurrency?: number;
}

export interface IngestResult {
  readonly problems: ProblemList;
  /** Set when the execution must end in ERROR: DataSync's ErrorCode and ErrorDetail. */
  readonly error?: { readonly code: string; readonly detail: string };
}

export const LARGE_FILE_BYTES = 8 * 1024 * 1024;
const DELETE_CONCURRENCY = 8;
const EMPTY = Buffer.alloc(0);

interface PlannedCopy {
  readonly listed: SourceEntry;
  readonly journalPath: Buffer;
  /** The folder this entry was listed in, when its listing was hashed whole. */
  readonly folder: FolderTrack | undefined;
}

/**
 * A folder whose listing has entries to copy: once each is in the journal as listed, the folder's
 * digest is kept for the next CHANGED run.
 */
interface FolderTrack {
  readonly folder: Buffer;
  readonly digest: Buffer;
  pending: number;
  intact: boolean;
}

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export async function runIngest(params: IngestParams): Promise<IngestResult> {
  const { source, journal, options, filter, signal, counters } = params;
  const paths = new JournalPaths(params.destinationPath ?? '');
  // Every entry in flight listens for a cancel (its reads, its throttle wait).
  setMaxListeners(0, signal);
  const problems = new ProblemList();
  const report = (r: FileResult): void => params.onFile?.(r);
  const startedNs = nowNs();
  const record = (e: SourceEntry): SourceEntry => recordedMetadata(e, options, startedNs);
  const cancelled = (err?: unknown): FloeError => new FloeError('CANCELLED', 'the execution was cancelled', { cause: err });

  // PREPARING
  const planned: PlannedCopy[] = [];
  const changedOnly = options.TransferMode === 'CHANGED';
  // The listed paths, to find what the source no longer has: kept only when deletions are wanted.
  const removing = options.PreserveDeletedFiles === 'REMOVE';
  const seen = new Set<string>();
  const unlistable: string[] = [];
  if (paths.prefix.length > 0) {
    const root = await source.stat(Buffer.alloc(0), { signal });
    const desired = record(root);
    if (!(options.TransferMode === 'CHANGED' && unchanged(await journal.getFile(paths.prefix), desired, options))) {
      planned.push({ listed: root, journalPath: paths.prefix, folder: undefined });
    }
  }
  await walkSource(source, {
    filter,
    signal,
    onUnlistable: (dir, error) => {
      unlistable.push(dir.toString('latin1'));
      counters.FilesFailed.Prepare++;
      problems.add(dir, 'Prepare', 'failed', error);
      report({ path: dir, category: 'failed', size: 0, errorCode: error.code, errorMessage: error.message });
    },
    onLeftOut: (path, error) => {
      counters.FilesListed.AtSource++;
      counters.FilesFailed.Prepare++;
      problems.add(path, 'Prepare', 'failed', error);
      report({ path, category: 'failed', size: 0, errorCode: error.code, errorMessage: error.message });
    },
    onListing: async (dir, entries, whole) => {
      const considered: SourceEntry[] = [];
      for (const entry of entries) {
        if (removing) seen.add(entry.path.toString('latin1'));
        const special = entry.type !== 'file' && entry.type !== 'directory' && entry.type !== 'symlink';
        if (!(special && options.PreserveDevices === 'NONE')) considered.push(entry);
      }
      const desired = considered.map(record);
      const folder = paths.toJournal(dir);
      // A whole listing is hashed; when the index keeps the same digest for the folder, every entry
      // is in the journal as listed (listing-digest.ts).
      const digest = whole ? listingDigest(desired, options) : undefined;
      if (changedOnly && digest !== undefined && digest.equals((await journal.folderDigest(folder)) ?? EMPTY)) {
        for (const entry of considered) {
          if (!countsAsFile(entry)) continue;
          counters.FilesListed.AtSource++;
          counters.FilesSkipped++;
        }
        return;
      }
      const track: FolderTrack | undefined = digest === undefined ? undefined : { folder, digest, pending: 0, intact: true };
      for (let i = 0; i < considered.length; i++) {
        const entry = considered[i]!;
        const isFile = countsAsFile(entry);
        if (isFile) counters.FilesListed.AtSource++;
        const journalPath = paths.toJournal(entry.path);
        if (changedOnly && unchanged(await journal.getFile(journalPath), desired[i]!, options)) {
          if (isFile) counters.FilesSkipped++;
          continue;
        }
        planned.push({ listed: entry, journalPath, folder: track });
        if (track !== undefined) track.pending++;
        if (isFile) {
          counters.EstimatedFilesToTransfer++;
          counters.FilesPrepared++;
          if (entry.type === 'file') counters.EstimatedBytesToTransfer += entry.size;
        }
      }
      if (track !== undefined && track.pending === 0) journal.setFolderDigest(folder, track.digest);
    },
  });
  if (signal.aborted) throw cancelled();

  const deletions: Array<{ path: Buffer; relative: Buffer; isFile: boolean }> = [];
  if (options.PreserveDeletedFiles === 'REMOVE') {
    for await (const entry of journal.files()) {
      if (signal.aborted) throw cancelled();
      const relative = paths.toRelative(entry.path);
      if (relative === undefined || relative.length === 0) continue;
      const inScope = entry.type === 'directory' ? filter.includeDir(relative) : filter.includeFile(relative);
      if (!inScope || underAny(relative, unlistable)) continue;
      const isFile = countsAsFile(entry);
      if (isFile) counters.FilesListed.AtDestinationForDelete++;
      if (seen.has(relative.toString('latin1'))) continue;
      deletions.push({ path: entry.path, relative, isFile });
      if (isFile) counters.EstimatedFilesToDelete++;
    }
  }

  // TRANSFERRING
  params.onPhase?.('TRANSFERRING');
  const copyContext: CopyContext = {
    source,
    journal,
    throttle: params.throttle,
    signal,
    onBytesRead: (n) => {
      counters.BytesTransferred += n;
      counters.BytesCompressed += n;
    },
  };
  const large = new Semaphore(params.largeFileConcurrency ?? 2);
  const copied: CopiedFile[] = [];
  try {
    await forEachConcurrent(planned, params.concurrency ?? 16, async ({ listed, journalPath, folder }) => {
      const release = listed.type === 'file' && listed.size >= LARGE_FILE_BYTES ? await large.acquire() : undefined;
      try {
        const outcome = await copyEntry(copyContext, listed, journalPath, record);
        if (folder !== undefined) {
          // Copied as listed: what the journal now holds is what the folder's digest hashed.
          if (outcome.kind !== 'copied' || !unchanged(outcome.entry, record(listed), options)) folder.intact = false;
          if (--folder.pending === 0 && folder.intact) journal.setFolderDigest(folder.folder, folder.digest);
        }
        const isFile = countsAsFile(listed);
        if (outcome.kind === 'copied') {
          copied.push({ journalPath, sourceEntry: outcome.sourceEntry, entry: outcome.entry });
          const doubtful = futureTimes(outcome.entry, startedNs);
          if (doubtful !== undefined) problems.add(listed.path, 'Transfer', 'noted', doubtful);
          if (!isFile) return;
          counters.FilesTransferred++;
          if (listed.type === 'file') counters.BytesWritten += outcome.entry.size;
          report({ path: listed.path, category: 'transferred', size: outcome.entry.size, sha256: outcome.entry.sha256.toString('hex') });
        } else if (outcome.kind === 'refused') {
          if (isFile) counters.FilesSkipped++;
          problems.add(listed.path, 'Transfer', 'skipped', outcome.error);
          report({ path: listed.path, category: 'skipped', size: listed.size, errorCode: outcome.error.code, errorMessage: outcome.error.message });
        } else {
          counters.FilesFailed.Transfer++;
          problems.add(listed.path, 'Transfer', 'failed', outcome.error);
          report({ path: listed.path, category: 'failed', size: listed.size, errorCode: outcome.error.code, errorMessage: outcome.error.message });
        }
      } finally {
        release?.();
      }
    });
    await forEachConcurrent(deletions, DELETE_CONCURRENCY, async ({ path, relative, isFile }) => {
      if (signal.aborted) throw cancelled();
      await journal.removeFile(path, nowNs());
      if (!isFile) return;
      counters.FilesDeleted++;
      report({ path: relative, category: 'deleted', size: 0 });
    });
  } catch (err) {
    if (signal.aborted) throw cancelled(err);
    throw asFloeError(err);
  }

  // VERIFYING
  params.onPhase?.('VERIFYING');
  if (options.VerifyMode !== 'NONE') {
    await verifyIngest({
      mode: options.VerifyMode,
      source,
      journal,
      filter,
      paths,
      throttle: params.throttle,
      signal,
      counters,
      problems,
      copied,
      record,
      options,
      unlistable,
      onFile: report,
      concurrency: params.concurrency ?? 16,
    });
  }

  const first = problems.firstFailure;
  if (first === undefined) return { problems };
  const failed = counters.FilesFailed;
  const total = failed.Prepare + failed.Transfer + failed.Verify + failed.Delete;
  return {
    problems,
    error: { code: first.code, detail: `${total} file(s) failed (prepare ${failed.Prepare}, transfer ${failed.Transfer}, verify ${failed.Verify}); first: ${first.message}` },
  };
}

function underAny(relative: Buffer, dirs: readonly string[]): boolean {
  if (dirs.length === 0) return false;
  const p = relative.toString('latin1');
  return dirs.some((d) => d === '' || p === d || p.startsWith(d + '/'));
}

// Walks a source under a task's filters, listing a few directories at once (each listing is a
// stream of READDIRPLUS round trips on NFS, so overlapping them hides the latency).
import { FloeError, asFloeError } from '../errors.js';
import type { ListOptions, Source, SourceEntry } from '../sources/source.js';
import type { PathFilter } from '../tasks/filters.js';

export interface WalkOptions {
  readonly filter: PathFilter;
  readonly signal?: AbortSignal;
  /** Directories listed at once (default 4). */
  readonly concurrency?: number;
  /** Called for every selected entry, directories included, before the directory is listed. */
  readonly onEntry?: (entry: SourceEntry) => void | Promise<void>;
  /**
   * Instead of onEntry: called with a folder's selected entries together, before any folder among
   * them is listed. A folder of more than LISTING_BATCH entries comes in several calls, each with
   * `whole` false; otherwise in one call (also when it is empty) with `whole` true.
   */
  readonly onListing?: (dirPath: Buffer, entries: SourceEntry[], whole: boolean) => void | Promise<void>;
  /**
   * A directory the server refused to list (permission, removed meanwhile). The walk goes on;
   * nothing below it is known. Other errors end the walk.
   */
  readonly onUnlistable: (dirPath: Buffer, error: FloeError) => void;
  /** An item the source lists but cannot give as an entry (Source.list's onLeftOut), within the filters. */
  readonly onLeftOut?: (path: Buffer, error: FloeError) => void;
}

const SKIPPABLE = new Set(['SOURCE_ACCESS_DENIED', 'SOURCE_NOT_FOUND', 'SOURCE_STALE']);
/** Entries of one folder held at once for onListing: a larger folder comes in parts. */
export const LISTING_BATCH = 4096;

export async function walkSource(source: Source, options: WalkOptions): Promise<void> {
  const limit = options.concurrency ?? 4;
  const pending: Buffer[] = [Buffer.alloc(0)];
  let active = 0;
  let failure: unknown;
  const { onLeftOut } = options;
  // What the source leaves out is reported only where the filters would have taken it.
  const listOptions: ListOptions = {
    signal: options.signal,
    ...(onLeftOut === undefined ? {} : { onLeftOut: (path: Buffer, error: FloeError) => void (options.filter.includeFile(path) ? onLeftOut(path, error) : undefined) }),
  };

  await new Promise<void>((resolve, reject) => {
    const finishIfDone = (): void => {
      if (failure !== undefined && active === 0) reject(failure);
      else if (pending.length === 0 && active === 0) resolve();
    };
    const { onEntry, onListing } = options;
    if ((onEntry === undefined) === (onListing === undefined)) throw new TypeError('walkSource takes onEntry or onListing');
    const listOne = async (dir: Buffer): Promise<void> => {
      let batch: SourceEntry[] = [];
      let parts = 0;
      const deliver = async (whole: boolean): Promise<void> => {
        const entries = batch;
        batch = [];
        parts++;
        await onListing!(dir, entries, whole);
        for (const e of entries) if (e.type === 'directory') pending.push(e.path);
      };
      try {
        for await (const entry of source.list(dir, listOptions)) {
          if (failure !== undefined) return;
          options.signal?.throwIfAborted();
          const selected = entry.type === 'directory' ? options.filter.includeDir(entry.path) : options.filter.includeFile(entry.path);
          if (!selected) continue;
          if (onEntry === undefined) {
            batch.push(entry);
            if (batch.length >= LISTING_BATCH) await deliver(false);
            continue;
          }
          await onEntry(entry);
          if (entry.type === 'directory') pending.push(entry.path);
        }
        if (failure !== undefined) return;
        if (onListing !== undefined && (parts === 0 || batch.length > 0)) await deliver(parts === 0);
      } catch (err) {
        const e = options.signal?.aborted ? new FloeError('CANCELLED', 'the walk was cancelled', { cause: err }) : asFloeError(err);
        if (SKIPPABLE.has(e.code) && !options.signal?.aborted) {
          // What was listed before the refusal is taken, as onEntry takes it one at a time.
          if (batch.length > 0) await deliver(false).catch((err2: unknown) => void (failure ??= asFloeError(err2)));
          options.onUnlistable(dir, e);
        } else failure ??= e;
      }
    };
    const pump = (): void => {
      while (failure === undefined && active < limit && pending.length > 0) {
        const dir = pending.shift()!;
        active++;
        void listOne(dir).finally(() => {
          active--;
          pump();
        });
      }
      finishIfDone();
    };
    pump();
  });
}

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
  readonly onEntry: (entry: SourceEntry) => void | Promise<void>;
  /**
   * A directory the server refused to list (permission, removed meanwhile). The walk goes on;
   * nothing below it is known. Other errors end the walk.
   */
  readonly onUnlistable: (dirPath: Buffer, error: FloeError) => void;
  /** An item the source lists but cannot give as an entry (Source.list's onLeftOut), within the filters. */
  readonly onLeftOut?: (path: Buffer, error: FloeError) => void;
}

const SKIPPABLE = new Set(['SOURCE_ACCESS_DENIED', 'SOURCE_NOT_FOUND', 'SOURCE_STALE']);

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
    const listOne = async (dir: Buffer): Promise<void> => {
      try {
        for await (const entry of source.list(dir, listOptions)) {
          if (failure !== undefined) return;
          options.signal?.throwIfAborted();
          if (entry.type === 'directory') {
            if (!options.filter.includeDir(entry.path)) continue;
            await options.onEntry(entry);
            pending.push(entry.path);
          } else if (options.filter.includeFile(entry.path)) {
            await options.onEntry(entry);
          }
        }
      } catch (err) {
        const e = options.signal?.aborted ? new FloeError('CANCELLED', 'the walk was cancelled', { cause: err }) : asFloeError(err);
        if (SKIPPABLE.has(e.code) && !options.signal?.aborted) options.onUnlistable(dir, e);
        else failure ??= e;
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

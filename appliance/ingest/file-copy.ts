// Copies one source entry into the journal, proving the copy is of one version of the file.
//
// The attributes seen before the read (from the listing, or a fresh GETATTR on a retry) are
// compared with those after the last byte (a stat of the path, or the post-op attributes of a
// file's only NFS READ, which describe the file read, not what the path names since), taken
// before the journal commits the entry: if
// size, mtime, ctime or identity moved, or the bytes read differ from the size, the content
// stream throws SOURCE_CHANGED inside Journal.writeFile, so no entry is written (its chunks stay
// as unreferenced, deduplicable records). The file is then read again, up to `attempts` times.
import { FloeError, asFloeError } from '../errors.js';
import { displayPath, type FileEntry, type FileMetadata } from '../journal/file-entry.js';
import type { Journal, NewFile } from '../journal/journal.js';
import type { Source, SourceEntry } from '../sources/source.js';
import type { Throttle } from '../tasks/throttle.js';
import { attributesChanged } from './ingest-metadata.js';

export interface CopyContext {
  readonly source: Source;
  readonly journal: Journal;
  readonly throttle: Throttle;
  readonly signal: AbortSignal;
  /** Reads of a changing file before it is given up (default 3). */
  readonly attempts?: number;
  /** Bytes read from the source, re-reads included. */
  readonly onBytesRead: (bytes: number) => void;
}

export type CopyOutcome =
  | { readonly kind: 'copied'; readonly entry: FileEntry; readonly sourceEntry: SourceEntry }
  /** The server refused the file or it vanished: skipped and reported, the execution goes on. */
  | { readonly kind: 'refused'; readonly error: FloeError }
  /** It kept changing while read: reported as failed, never stored. */
  | { readonly kind: 'changed'; readonly error: FloeError };

/** Errors about this one file, not about the server or the journal. */
const REFUSALS = new Set(['SOURCE_ACCESS_DENIED', 'SOURCE_NOT_FOUND', 'SOURCE_STALE']);

/**
 * Copies `listed` to `journalPath`. `record` maps the source's metadata to what the journal keeps
 * (ingest-metadata.ts). Throws for errors that concern the whole execution (cancel, server gone,
 * journal failure).
 */
export async function copyEntry(
  ctx: CopyContext,
  listed: SourceEntry,
  journalPath: Buffer,
  record: (meta: SourceEntry) => SourceEntry,
): Promise<CopyOutcome> {
  const attempts = ctx.attempts ?? 3;
  let before = listed;
  let lastChange: FloeError | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      if (attempt > 0) before = await ctx.source.stat(listed.path, { signal: ctx.signal });
      const meta = record(before);
      const file: NewFile = { ...metadataOnly(meta), path: journalPath };
      const content = before.type === 'file' ? checkedContent(ctx, before) : undefined;
      const entry = await ctx.journal.writeFile(file, content, { signal: ctx.signal });
      return { kind: 'copied', entry, sourceEntry: before };
    } catch (err) {
      if (ctx.signal.aborted) throw new FloeError('CANCELLED', 'the execution was cancelled', { cause: err });
      const e = asFloeError(err);
      if (e.code === 'SOURCE_CHANGED') {
        lastChange = e;
        continue;
      }
      if (REFUSALS.has(e.code)) return { kind: 'refused', error: e };
      throw e;
    }
  }
  const error = new FloeError('SOURCE_CHANGED', `'${displayPath(listed.path)}' kept changing while it was read (${attempts} attempts): not stored; run the task again for its latest version`, {
    cause: lastChange,
    details: { path: displayPath(listed.path), attempts },
  });
  return { kind: 'changed', error };
}

function metadataOnly(e: SourceEntry): Omit<NewFile, 'path'> {
  const { name: _name, path: _path, ...meta } = e;
  return meta;
}

async function* checkedContent(ctx: CopyContext, before: SourceEntry): AsyncGenerator<Buffer> {
  let read = 0;
  // A source that saw the file's attributes after its last byte (one NFS READ) spares the stat.
  let seenAfter: FileMetadata | undefined;
  const onAttributesAfter = (meta: FileMetadata): void => void (seenAfter = meta);
  for await (const chunk of ctx.source.read(before, 0, { signal: ctx.signal, onAttributesAfter })) {
    await ctx.throttle.take(chunk.length, ctx.signal);
    read += chunk.length;
    ctx.onBytesRead(chunk.length);
    yield chunk;
  }
  const after = seenAfter ?? (await ctx.source.stat(before.path, { signal: ctx.signal }));
  if (attributesChanged(before, after) || read !== before.size) {
    throw new FloeError('SOURCE_CHANGED', `'${displayPath(before.path)}' changed while it was read (size ${before.size} -> ${after.size}, ${read} bytes read)`, {
      details: { path: displayPath(before.path) },
    });
  }
}

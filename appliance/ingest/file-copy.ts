// Copies one source entry into the journal, proving the copy is of one version of the file.
//
// The attributes seen before the read (from the listing, or a fresh GETATTR on a retry) are
// compared with those after the last byte (a stat of the path, or the post-op attributes of a
// file's only NFS READ, which describe the file read, not what the path names since), taken
// before the journal commits the entry: if
// size, mtime, ctime or identity moved, or the bytes read differ from the size, the content
// stream throws SOURCE_CHANGED inside Journal.writeFile, so no entry is written (its chunks stay
// as unreferenced, deduplicable records). The file is then read again, up to `attempts` times.
//
// An entry listed with `attributesFromRead` (an S3 object: the listing carries no user metadata)
// has only its identity; its first bytes are read before the journal is given the entry, and the
// attributes its read came with (ContentReadOptions.onAttributes) are what is recorded, compared
// with the attributes after, and returned as the source entry. A read that shows the object is no
// regular file (a symlink object) is SOURCE_CHANGED, and the next attempt stats what it is.
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
    let started: StartedRead | undefined;
    try {
      if (attempt > 0) before = await ctx.source.stat(listed.path, { signal: ctx.signal });
      if (before.type === 'file') {
        started = await startContent(ctx, before);
        before = started.entry;
      }
      const meta = record(before);
      const file: NewFile = { ...metadataOnly(meta), path: journalPath };
      const entry = await ctx.journal.writeFile(file, started?.content, { signal: ctx.signal });
      return { kind: 'copied', entry, sourceEntry: before };
    } catch (err) {
      await started?.abandon();
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
  const { name: _name, path: _path, attributesFromRead: _fromRead, ...meta } = e;
  return meta;
}

interface StartedRead {
  /** The entry whose attributes the journal records: the listed one, or the one its read gave. */
  readonly entry: SourceEntry;
  readonly content: AsyncIterable<Buffer>;
  /** Ends the read when the journal never took the content (a read already started holds a GET). */
  readonly abandon: () => Promise<void>;
}

/**
 * The content of `listed`, checked. For an entry listed with `attributesFromRead`, its first bytes
 * are read here, so the attributes they came with are known before the journal gets the entry.
 */
async function startContent(ctx: CopyContext, listed: SourceEntry): Promise<StartedRead> {
  if (listed.attributesFromRead !== true) return { entry: listed, content: checkedContent(ctx, listed), abandon: async () => undefined };
  const learnt: { meta?: FileMetadata } = {};
  const checked = checkedContent(ctx, listed, (meta) => void (learnt.meta = meta));
  const abandon = async (): Promise<void> => void (await checked.return(undefined));
  let first: IteratorResult<Buffer, void>;
  try {
    first = await checked.next();
    if (learnt.meta === undefined) {
      throw new FloeError('SOURCE_CHANGED', `'${displayPath(listed.path)}': its read gave no attributes, and its listing has none; looked up again`, { details: { path: displayPath(listed.path) } });
    }
  } catch (err) {
    await abandon();
    throw err;
  }
  return { entry: { ...learnt.meta, name: listed.name, path: listed.path }, content: resumed(first, checked), abandon };
}

async function* resumed(first: IteratorResult<Buffer, void>, rest: AsyncGenerator<Buffer, void>): AsyncGenerator<Buffer, void> {
  if (first.done === true) return;
  yield first.value;
  yield* rest;
}

/**
 * `listed`'s bytes, throwing SOURCE_CHANGED at the end when the attributes after differ from
 * those before (the listed ones, or those the read came with when `learn` is given).
 */
async function* checkedContent(ctx: CopyContext, listed: SourceEntry, learn?: (meta: FileMetadata) => void): AsyncGenerator<Buffer, void> {
  let before: FileMetadata & { readonly path: Buffer } = listed;
  let read = 0;
  // A source that saw the file's attributes after its last byte (one NFS READ) spares the stat.
  let seenAfter: FileMetadata | undefined;
  const onAttributesAfter = (meta: FileMetadata): void => void (seenAfter = meta);
  const onAttributes =
    learn === undefined
      ? undefined
      : (meta: FileMetadata): void => {
          before = { ...meta, path: listed.path };
          learn(meta);
        };
  for await (const chunk of ctx.source.read(listed, 0, { signal: ctx.signal, onAttributesAfter, ...(onAttributes === undefined ? {} : { onAttributes }) })) {
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

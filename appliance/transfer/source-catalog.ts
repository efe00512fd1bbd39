// The catalog of an agentless copy (docs/copy.md): a walk of the source under the task's filters
// (ingest/source-walk.ts, as an ingest walks it), each entry's metadata recorded under the task's
// PosixPermissions, Uid, Gid, Mtime and Atime options as ingest records it (ingest-metadata.ts).
// An entry has no SHA-256 yet and placeholder chunks (UNHASHED): the engine hashes the content as it is sent.
// Its fingerprint, what TransferMode CHANGED compares with the last delivery, is of the metadata
// alone, atime left out (reading a file moves it).
import { sha256 } from '../crypto/hash.js';
import { UNHASHED } from '../destinations/destination.js';
import type { FloeError } from '../errors.js';
import { recordedMetadata } from '../ingest/ingest-metadata.js';
import { walkSource } from '../ingest/source-walk.js';
import type { FileEntry } from '../journal/file-entry.js';
import { encodeFileEntry } from '../journal/records.js';
import type { Source, SourceEntry } from '../sources/source.js';
import type { PathFilter } from '../tasks/filters.js';
import type { TaskOptions } from '../tasks/options.js';

export interface CatalogItem {
  readonly entry: FileEntry;
  /** Walk order (the engine sends files in this order). */
  readonly seq: bigint;
  /** 32 bytes: what identifies this version of the entry across runs. */
  readonly fingerprint: Buffer;
}

export interface SourceCatalogOptions {
  readonly filter: PathFilter;
  readonly options: Pick<TaskOptions, 'PosixPermissions' | 'Uid' | 'Gid' | 'Mtime' | 'Atime' | 'PreserveDevices'>;
  readonly signal?: AbortSignal;
  /** A folder the source refused to list; the walk goes on without what is below it. */
  readonly onUnlistable?: (dirPath: Buffer, error: FloeError) => void;
  /** An item the source lists but cannot give as an entry (Source.list's onLeftOut). */
  readonly onLeftOut?: (path: Buffer, error: FloeError) => void;
}

/** The selected entries of `source` (folders included, the root not), walked once, then yielded. */
export async function* sourceCatalog(source: Source, o: SourceCatalogOptions): AsyncGenerator<CatalogItem> {
  const startedNs = BigInt(Date.now()) * 1_000_000n;
  const listed: SourceEntry[] = [];
  await walkSource(source, {
    filter: o.filter,
    ...(o.signal === undefined ? {} : { signal: o.signal }),
    onUnlistable: (dir, error) => o.onUnlistable?.(dir, error),
    onLeftOut: (path, error) => o.onLeftOut?.(path, error),
    onEntry: (entry) => {
      const special = entry.type !== 'file' && entry.type !== 'directory' && entry.type !== 'symlink';
      if (!special || o.options.PreserveDevices === 'PRESERVE') listed.push(entry);
    },
  });
  let seq = 0n;
  for (const item of listed) {
    const target = item.type === 'symlink' ? (item.target ?? (await source.readlink(item.path, o.signal === undefined ? {} : { signal: o.signal }))) : undefined;
    const { name: _name, ...meta } = recordedMetadata(item, o.options, startedNs);
    const entry: FileEntry = { ...meta, path: item.path, sha256: UNHASHED, chunks: placeholderChunks(item), ...(target === undefined ? {} : { target }) };
    seq++;
    yield { entry, seq, fingerprint: copyFingerprint(entry) };
  }
}

/** A chunk record holds at most 2^32 - 1 bytes. */
const PLACEHOLDER_CHUNK = 1 << 30;

/**
 * A file's chunk list, as the entry record needs it (its sizes add up to the file's): pieces with
 * no id (UNHASHED), since the content is in no journal.
 */
function placeholderChunks(meta: Pick<SourceEntry, 'type' | 'size'>): FileEntry['chunks'] {
  if (meta.type !== 'file') return [];
  const chunks: Array<FileEntry['chunks'][number]> = [];
  for (let at = 0; at < meta.size; at += PLACEHOLDER_CHUNK) chunks.push({ sha256: UNHASHED, size: Math.min(PLACEHOLDER_CHUNK, meta.size - at) });
  return chunks;
}

/** SHA-256 of the entry's record without its atime (and without content: it has none yet). */
export function copyFingerprint(entry: FileEntry): Buffer {
  return sha256(encodeFileEntry({ ...entry, atimeNs: 0n }));
}

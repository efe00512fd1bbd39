// Recovery points for people and scripts (ARCHITECTURE.md, "The way back"; docs/restore.md): find a
// point by id, list a folder as it was at a point, and a path's versions across points.
import { FloeError } from '../errors.js';
import type { FileEntry } from './file-entry.js';
import type { PointRecord } from './index-store.js';
import type { Journal } from './journal.js';

export type { PointRecord };

export async function listPoints(journal: Journal): Promise<PointRecord[]> {
  const points: PointRecord[] = [];
  for await (const p of journal.points()) points.push(p);
  return points;
}

/** A point by its id (the ingest execution's id), or `latest`. */
export async function findPoint(journal: Journal, ref: string): Promise<PointRecord> {
  const points = await listPoints(journal);
  if (points.length === 0) throw new FloeError('NOT_FOUND', 'the journal has no recovery point yet: a point is made when an ingest execution ends', { details: { point: ref } });
  const point = ref === 'latest' ? points.at(-1) : points.find((p) => p.id === ref);
  if (point === undefined) throw new FloeError('NOT_FOUND', `recovery point ${ref} does not exist: floe journal points lists the ${points.length} there are`, { details: { point: ref } });
  return point;
}

/** A journal path from what a person types: no leading or trailing '/', '' for the root. */
export function journalPath(text: string | Buffer): Buffer {
  let b = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  while (b.length > 0 && b[0] === 0x2f) b = b.subarray(1);
  while (b.length > 0 && b[b.length - 1] === 0x2f) b = b.subarray(0, -1);
  return b;
}

function parentOf(path: Buffer): Buffer {
  const slash = path.lastIndexOf(0x2f);
  return slash < 0 ? Buffer.alloc(0) : path.subarray(0, slash);
}

/**
 * The entries directly inside `folder` at the point, sorted by name bytes. The index keeps no
 * folder structure (its keys would show how many entries each folder holds), so this reads the
 * point's whole catalog: fine for a person at a prompt, not for a loop.
 */
export async function listFolderAt(journal: Journal, point: PointRecord, folder: Buffer): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  let folderSeen = folder.length === 0;
  for await (const { entry } of journal.catalogAt(point.seq)) {
    if (entry.path.equals(folder)) {
      if (entry.type !== 'directory') return [entry];
      folderSeen = true;
    } else if (parentOf(entry.path).equals(folder)) out.push(entry);
  }
  if (!folderSeen && out.length === 0) throw new FloeError('NOT_FOUND', `${folder.toString('utf8')} is not in recovery point ${point.id}`, { details: { point: point.id } });
  return out.sort((a, b) => Buffer.compare(a.path, b.path));
}

export interface PathVersion {
  /** The entry, or null where the path was deleted (a tombstone). */
  readonly entry: FileEntry | null;
  readonly seq: bigint;
  /** The points at which this version was the path's current one. */
  readonly points: readonly string[];
}

/** Every version of `path`, oldest first, each with the points that hold it. */
export async function pathVersions(journal: Journal, path: Buffer): Promise<PathVersion[]> {
  const points = await listPoints(journal);
  const versions: Array<{ entry: FileEntry | null; seq: bigint }> = [];
  for await (const v of journal.history(path)) versions.push({ entry: v.entry, seq: v.location.seq });
  return versions.map((v, i) => {
    const until = versions[i + 1]?.seq;
    return { ...v, points: points.filter((p) => p.seq >= v.seq && (until === undefined || p.seq < until)).map((p) => p.id) };
  });
}

// A second name of a hard-linked file (PutOptions.linkTo) becomes a link to the name already
// delivered, so the destination keeps one file with several names, as the source had:
//   lstat the delivered name -> link(2) it as the part file -> rename over the target -> fsync the folder.
// Only when the delivered name still holds the same file: a regular file of the entry's size,
// permissions, owner (when floe may set it) and mtime (at the precision the destination keeps).
// Otherwise, and where
// link(2) is refused (another file system, one that has no hard links, too many links), the
// caller writes the content as for any file: a link is a shortcut, never a different result.
import { link, lstat, rename, rm } from 'node:fs/promises';
import { fsyncDirectory } from '../../fs-durable.js';
import type { FileEntry } from '../../journal/file-entry.js';
import { errnoCode, mapFsError } from './fs-errors.js';
import type { PartTarget } from './part-file.js';
import { sameTime } from '../time-precision.js';

/** link(2) errors after which the content is written instead. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOENT']);

/** Links `where.target` to the file at `source`; false when it is not that file or cannot be linked. */
export async function linkThroughPart(where: PartTarget, source: Buffer, entry: FileEntry, signal?: AbortSignal): Promise<boolean> {
  let st;
  try {
    st = await lstat(source, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw mapFsError(err, 'lstat', where.partKey, signal);
  }
  const same =
    st.isFile() &&
    st.size === BigInt(entry.size) &&
    Number(st.mode & 0o7777n) === (entry.mode & 0o7777) &&
    sameTime(st.mtimeNs, entry.mtimeNs, where.timePrecisionNs) &&
    (!where.chown || (st.uid === BigInt(entry.uid) && st.gid === BigInt(entry.gid)));
  if (!same) return false;
  // Already a name of that file (a put repeated after a crash): rename(2) of two names of one
  // file does nothing, and would leave the part file behind.
  const current = await lstat(where.target, { bigint: true }).catch(() => undefined);
  if (current !== undefined && current.ino === st.ino && current.dev === st.dev) return true;
  try {
    await rm(where.part, { force: true });
    await link(source, where.part);
  } catch (err) {
    if (NO_LINK.has(errnoCode(err) ?? '')) return false;
    throw mapFsError(err, 'link', where.partKey, signal);
  }
  try {
    await rename(where.part, where.target);
    if (where.syncEach !== false) await fsyncDirectory(where.directory);
  } catch (err) {
    await rm(where.part, { force: true }).catch(() => undefined);
    throw mapFsError(err, 'rename', where.partKey, signal);
  }
  return true;
}

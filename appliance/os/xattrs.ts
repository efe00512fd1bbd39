// Extended attributes of local files: the `user.` names (the namespace any owner may read and
// write; trusted., security. and system. names need privileges and are not carried), read from a
// file:// source into the journal and written on folder destinations, through the system-call
// helper. Only regular files and folders have user. attributes on Linux.
import type { FileType, Xattr } from '../journal/file-entry.js';
import { HelperUnavailable, lgetxattr, llistxattr, lsetxattr } from './syscall-helper.js';

const USER = Buffer.from('user.');
/** The file system keeps no extended attributes, or none of this namespace. */
const NONE = new Set(['ENOTSUP', 'EOPNOTSUPP', 'ENODATA']);

export function mayHaveXattrs(type: FileType): boolean {
  return type === 'file' || type === 'directory';
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

/** The user. attributes of a path, sorted by name; [] where there are none or they cannot be read (no helper). */
export async function readUserXattrs(path: Buffer): Promise<Xattr[]> {
  let names: Buffer[];
  try {
    names = (await llistxattr(path)).filter((n) => n.subarray(0, USER.length).equals(USER));
  } catch (err) {
    if (err instanceof HelperUnavailable || NONE.has(code(err) ?? '')) return [];
    throw err;
  }
  if (names.length === 0) return [];
  names.sort(Buffer.compare);
  const out: Xattr[] = [];
  for (const name of names) {
    try {
      out.push({ name, value: await lgetxattr(path, name) });
    } catch (err) {
      if (code(err) === 'ENODATA') continue; // removed since the listing
      throw err;
    }
  }
  return out;
}

/** Sets each attribute on a path (the helper must be there: the caller asked for them to be kept). */
export async function writeXattrs(path: Buffer, xattrs: readonly Xattr[]): Promise<void> {
  for (const x of xattrs) await lsetxattr(path, x.name, x.value);
}

export function sameXattrs(a: readonly Xattr[], b: readonly Xattr[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name.equals(b[i]!.name) && x.value.equals(b[i]!.value));
}

/** Names for a message, e.g. "user.a, user.b" or "none". */
export function xattrNames(xattrs: readonly Xattr[]): string {
  return xattrs.length === 0 ? 'none' : xattrs.map((x) => x.name.toString('utf8')).join(', ');
}

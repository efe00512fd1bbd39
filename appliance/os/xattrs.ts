// Extended attributes of local files: the `user.` names (the namespace any owner may read and
// write; trusted., security. and system. names need privileges and are not carried), read from a
// file:// source into the journal and written on folder destinations, through the system-call
// helper. Only regular files and folders have user. attributes on Linux.
import type { FileType, Xattr } from '../journal/file-entry.js';
import { HelperUnavailable, helperMissing, lgetxattr, llistxattr, lremovexattr, lsetxattr } from './syscall-helper.js';

const USER = Buffer.from('user.');
/** The file system keeps no extended attributes, or none of this namespace. */
const NOT_KEPT = new Set(['ENOTSUP', 'EOPNOTSUPP']);

export function mayHaveXattrs(type: FileType): boolean {
  return type === 'file' || type === 'directory';
}

function isUser(name: Buffer): boolean {
  return name.length > USER.length && name.subarray(0, USER.length).equals(USER);
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

/** A helper call, tried again once when the helper died (a new one starts); fails when it dies again. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof HelperUnavailable) || helperMissing()) throw err;
    return call();
  }
}

async function userNames(path: Buffer): Promise<Buffer[]> {
  return (await retried(() => llistxattr(path))).filter(isUser).sort(Buffer.compare);
}

/**
 * The user. attributes of a path, sorted by name; [] where the file system keeps none, or where
 * this system has no helper at all (no perl). A helper that died mid-way is an error, never [].
 */
export async function readUserXattrs(path: Buffer): Promise<Xattr[]> {
  let names: Buffer[];
  try {
    names = await userNames(path);
  } catch (err) {
    if ((err instanceof HelperUnavailable && helperMissing()) || NOT_KEPT.has(code(err) ?? '')) return [];
    throw err;
  }
  const out: Xattr[] = [];
  for (const name of names) {
    try {
      out.push({ name, value: await retried(() => lgetxattr(path, name)) });
    } catch (err) {
      if (code(err) === 'ENODATA') continue; // removed since the listing
      throw err;
    }
  }
  return out;
}

/**
 * Makes a path's user. attributes exactly `wanted` (others of the namespace removed, as a folder
 * that already existed may hold some). Names outside user. in `wanted` are never written.
 */
export async function replaceXattrs(path: Buffer, wanted: readonly Xattr[], existing = true): Promise<void> {
  const keep = wanted.filter((x) => isUser(x.name));
  if (existing) {
    for (const name of await userNames(path).catch((err: unknown) => (NOT_KEPT.has(code(err) ?? '') ? [] : Promise.reject(err)))) {
      if (!keep.some((x) => x.name.equals(name))) await retried(() => lremovexattr(path, name));
    }
  }
  for (const x of keep) await retried(() => lsetxattr(path, x.name, x.value));
}

/** Whether the file system at `probe` (a file to create and remove) keeps user. attributes. */
export async function keepsXattrs(probe: Buffer, create: () => Promise<void>, remove: () => Promise<void>): Promise<boolean> {
  try {
    await create();
    await lsetxattr(probe, Buffer.from('user.floe-probe'), Buffer.from([0, 1]));
    return true;
  } catch {
    return false;
  } finally {
    await remove().catch(() => undefined);
  }
}

export function sameXattrs(a: readonly Xattr[], b: readonly Xattr[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name.equals(b[i]!.name) && x.value.equals(b[i]!.value));
}

/** Names for a message, e.g. "user.a, user.b" or "none". */
export function xattrNames(xattrs: readonly Xattr[]): string {
  return xattrs.length === 0 ? 'none' : xattrs.map((x) => x.name.toString('utf8')).join(', ');
}

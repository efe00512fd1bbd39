// A mounted file system as a destination: EFS (NFS), FSx (Lustre, ONTAP, OpenZFS) or any local
// path. Names are exact bytes (keys carry invalid UTF-8 as escaped surrogates, path-key.ts);
// files are written atomically through part files (part-file.ts); mode, owner (when running as
// root), times and symlink targets are kept; times to the nanosecond where the file system keeps
// them (fs-times.ts, probed once when opened), and a read back leaves the atime as it was; user.
// extended attributes on files and folders (os/xattrs.ts); the names of a
// hard-linked file stay links of one file (hard-link.ts).
import { execFile } from 'node:child_process';
import { constants as fsConstants, type BigIntStats, type Stats } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { chmod, chown, lchown, lstat, mkdir, open, type FileHandle, readdir, readlink, rename, rm, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import { FloeError } from '../../errors.js';
import { displayPath, type FileEntry, type Xattr } from '../../journal/file-entry.js';
import type { Destination, DestinationCapabilities, DestinationObject, OpenContent, PutOptions, PutResult } from '../destination.js';
import { bytesToKey, keyToBytes, relativeKey, stripDirectorySlash } from '../path-key.js';
import { formatMode, formatTimeNs, META_ATIME, META_GROUP, META_MTIME, META_OWNER, META_PERMISSIONS } from '../posix-metadata.js';
import { errnoCode, mapFsError } from './fs-errors.js';
import { parseFilesystemUri, type FilesystemScheme } from './fs-location.js';
import { fsyncDirectory } from '../../fs-durable.js';
import { linkThroughPart } from './hard-link.js';
import { isPartName, PART_PREFIX, partNameFor, writeFileThroughPart } from './part-file.js';
import { probeTimePrecision, setTimes } from './fs-times.js';
import { HelperUnavailable, helperMissing, mknodat, utimensat } from '../../os/syscall-helper.js';
import { keepsXattrs, readUserXattrs, replaceXattrs } from '../../os/xattrs.js';
import { randomBytes } from '../../crypto/random.js';

type Signal = { signal?: AbortSignal };

const SLASH = Buffer.from('/');
/** Bounds the set of known folders; past it, puts into other folders mkdir as before. */
const MAX_KNOWN_FOLDERS = 100_000;
/** Linux limits: NAME_MAX 255 bytes per component, PATH_MAX 4096 including the NUL. */
const NAME_MAX = 255;
const PATH_MAX = 4095;
const READ_BLOCK = 1024 * 1024;

export class FilesystemDestination implements Destination {
  readonly uri: string;
  readonly scheme: FilesystemScheme;
  readonly root: Buffer;
  readonly capabilities: DestinationCapabilities;
  readonly #chown: boolean;
  /** The file system keeps user. extended attributes (probed when opened; EFS keeps none). */
  readonly #xattrs: boolean;
  /** Folders this destination made or found (latin1 of their relative bytes): no mkdir for each file put in them. */
  readonly #folders = new Set<string>();
  /** Of those, the folders a put of this run made (mkdir created them): nothing was in them before (absentBefore). */
  readonly #made = new Set<string>();
  #syncEach = true;

  private constructor(uri: string, scheme: FilesystemScheme, root: Buffer, timePrecisionNs: bigint, xattrs: boolean) {
    this.#xattrs = xattrs;
    this.uri = uri;
    this.scheme = scheme;
    this.root = root;
    // Only root may give files away; others keep their own uid and gid (reported by `stat`).
    this.#chown = process.getuid?.() === 0;
    this.capabilities = {
      checksums: [],
      posixMetadata: true,
      symlinks: true,
      multipart: false,
      hardLinks: true,
      maxKeyBytes: PATH_MAX - root.length - 1,
      timePrecisionNs: Number(timePrecisionNs),
      // setTimes never follows a symlink: its own mtime is kept and verified.
      symlinkTimes: true,
    };
  }

  /** The root must exist and be a folder: a missing mount fails here, not at the first put. */
  static async open(uri: string): Promise<FilesystemDestination> {
    const { scheme, root } = parseFilesystemUri(uri);
    let st;
    try {
      st = await stat(root);
    } catch (err) {
      const mapped = mapFsError(err, 'open', displayPath(root));
      throw errnoCode(err) === 'ENOENT' ? new FloeError('DESTINATION_UNREACHABLE', `${uri}: ${displayPath(root)} does not exist (not mounted?)`, { cause: err }) : mapped;
    }
    if (!st.isDirectory()) throw new FloeError('DESTINATION_UNREACHABLE', `${uri}: ${displayPath(root)} is not a folder`);
    const probe = (what: string) => Buffer.concat([root, root.length === 1 ? Buffer.alloc(0) : SLASH, Buffer.from(`${PART_PREFIX}${what}-probe-${randomBytes(6).toString('hex')}`)]);
    const xattrProbe = probe('xattr');
    const xattrs = await keepsXattrs(
      xattrProbe,
      () => writeFile(xattrProbe, '', { flag: 'wx', mode: 0o600 }),
      () => rm(xattrProbe, { force: true }),
    );
    return new FilesystemDestination(uri, scheme, root, await probeTimePrecision(probe('time')), xattrs);
  }

  /**
   * Puts no longer fsync each file and its folder; syncAll() makes everything durable at once
   * (syncfs(2) through `sync -f`). For a restore: a file a crash left undurable is found wrong on
   * the target when the restore runs again (it checks every file there), and written again.
   */
  deferDurability(): void {
    this.#syncEach = false;
  }

  /** Everything written to this file system durable (syncfs). */
  async syncAll(): Promise<void> {
    const root = displayPath(this.root);
    await new Promise<void>((resolve, reject) => {
      execFile('sync', ['-f', root], (err) => (err === null ? resolve() : reject(new FloeError('DESTINATION_IO', `${this.uri}: sync -f ${root} failed: ${err.message}`, { cause: err }))));
    });
  }

  /** Creates and removes a probe file: a folder that cannot be written fails here, before any file (a restore's first check). */
  async checkWritable(): Promise<void> {
    const probe = Buffer.concat([this.root, this.root.length === 1 ? Buffer.alloc(0) : SLASH, Buffer.from(`${PART_PREFIX}write-probe-${randomBytes(6).toString('hex')}`)]);
    try {
      await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    } catch (err) {
      const e = mapFsError(err, 'write into', displayPath(this.root));
      throw new FloeError(e.code, `${this.uri}: ${displayPath(this.root)} cannot be written (${errnoCode(err) ?? e.message}): restore needs write access to the folder`, { cause: err, ...(e.details === undefined ? {} : { details: e.details }) });
    }
    await rm(probe, { force: true });
  }

  keyFor(entry: Pick<FileEntry, 'path' | 'type'>): string {
    const key = relativeKey(entry);
    const shown = displayPath(entry.path);
    let start = 0;
    for (let i = 0; i <= entry.path.length; i++) {
      if (i < entry.path.length && entry.path[i] !== 0x2f) continue;
      const component = entry.path.subarray(start, i);
      if (component.length > NAME_MAX) throw new FloeError('DESTINATION_NAME_INVALID', `a name in "${shown}" is over ${NAME_MAX} bytes`, { details: { path: shown } });
      if (isPartName(component)) throw new FloeError('DESTINATION_NAME_INVALID', `"${shown}": names starting with .floe-part- are reserved for part files`, { details: { path: shown } });
      start = i + 1;
    }
    if (entry.path.length > this.capabilities.maxKeyBytes) {
      throw new FloeError('DESTINATION_NAME_INVALID', `"${shown}" is over the ${PATH_MAX}-byte path limit under ${displayPath(this.root)}`, { details: { path: shown } });
    }
    return key;
  }

  async stat(key: string, _options: Signal = {}): Promise<DestinationObject | null> {
    const path = this.#pathOf(key);
    let st;
    try {
      st = await lstat(path, { bigint: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
      throw mapFsError(err, 'lstat', key);
    }
    // As on S3, "a" and "a/" are different names: a folder answers only to its '/' key.
    if (st.isDirectory() !== key.endsWith('/')) return null;
    let xattrs: Xattr[] = [];
    try {
      if (this.#xattrs && (st.isFile() || st.isDirectory())) xattrs = await readUserXattrs(path);
    } catch (err) {
      throw mapFsError(err, 'llistxattr', key);
    }
    return {
      // Where the file system keeps none, there is nothing to compare.
      ...(this.#xattrs ? { xattrs } : {}),
      key,
      size: st.isDirectory() ? 0 : Number(st.size),
      isDirectory: st.isDirectory(),
      metadata: {
        [META_PERMISSIONS]: formatMode(Number(st.mode)),
        [META_OWNER]: String(st.uid),
        [META_GROUP]: String(st.gid),
        [META_MTIME]: formatTimeNs(st.mtimeNs),
        [META_ATIME]: formatTimeNs(st.atimeNs),
      },
    };
  }

  absentBefore(key: string): boolean {
    if (this.#made.size === 0) return false;
    const relative = keyToBytes(stripDirectorySlash(key));
    const slash = relative.lastIndexOf(0x2f);
    return slash > 0 && this.#made.has(relative.subarray(0, slash).toString('latin1'));
  }

  async put(entry: FileEntry, content: OpenContent, options: PutOptions = {}): Promise<PutResult> {
    const key = this.keyFor(entry);
    const relative = keyToBytes(stripDirectorySlash(key));
    const target = this.#join(relative);
    const slash = relative.lastIndexOf(0x2f);
    const parentRelative = slash < 0 ? Buffer.alloc(0) : relative.subarray(0, slash);
    const directory = this.#join(parentRelative);
    const partName = Buffer.from(partNameFor(entry));
    const partRelative = parentRelative.length === 0 ? partName : Buffer.concat([parentRelative, SLASH, partName]);
    const signal = options.signal;
    const parentKey = parentRelative.toString('latin1');
    if (!this.#folders.has(parentKey)) {
      let created: string | undefined;
      try {
        // The first folder made, when any was: then the deepest one, the put's own, is new.
        created = await mkdir(directory, { recursive: true, mode: 0o755 });
      } catch (err) {
        throw mapFsError(err, 'mkdir', bytesToKey(parentRelative), signal);
      }
      if (this.#folders.size < MAX_KNOWN_FOLDERS) {
        this.#folders.add(parentKey);
        if (created !== undefined) this.#made.add(parentKey);
      }
    }
    try {
      return await this.#put(entry, content, options, { key, target, directory, parentRelative, partRelative });
    } catch (err) {
      // The folder may be gone (removed meanwhile): the retry makes it again.
      this.#folders.delete(parentKey);
      this.#made.delete(parentKey);
      throw err;
    }
  }

  async #put(entry: FileEntry, content: OpenContent, options: PutOptions, at: { key: string; target: Buffer; directory: Buffer; parentRelative: Buffer; partRelative: Buffer }): Promise<PutResult> {
    const { key, target, directory, partRelative } = at;
    const signal = options.signal;
    const syncDirectory = async () => {
      if (this.#syncEach) await fsyncDirectory(directory);
    };

    switch (entry.type) {
      case 'file': {
        const where = { part: this.#join(partRelative), target, directory, partKey: bytesToKey(partRelative), chown: this.#chown, timePrecisionNs: BigInt(this.capabilities.timePrecisionNs ?? 1), xattrs: this.#xattrs, syncEach: this.#syncEach };
        if (options.linkTo !== undefined && options.linkTo !== key && (await linkThroughPart(where, this.#pathOf(options.linkTo), entry, signal))) {
          return { key, bytes: entry.size };
        }
        await writeFileThroughPart(where, entry, content, options);
        return { key, bytes: entry.size };
      }
      case 'symlink': {
        const part = this.#join(partRelative);
        const targetBytes = Buffer.from(entry.target ?? Buffer.alloc(0));
        try {
          await rm(part, { force: true });
          await symlink(targetBytes, part);
          if (this.#chown) await lchown(part, entry.uid, entry.gid);
          // Linux has no lchmod: a symlink's own mode is always 0777.
          await setTimes(part, entry.atimeNs, entry.mtimeNs);
          await rename(part, target);
          await syncDirectory();
        } catch (err) {
          throw mapFsError(err, 'symlink', key, signal);
        }
        options.onProgress?.(targetBytes.length);
        return { key, bytes: targetBytes.length };
      }
      case 'directory':
        try {
          await mkdir(target, { mode: 0o700 }).catch((err: unknown) => {
            if (errnoCode(err) !== 'EEXIST') throw err;
          });
          const st = await lstat(target);
          if (!st.isDirectory()) throw new FloeError('DESTINATION_IO', `${key}: exists and is not a folder`);
          if (this.#chown) await chown(target, entry.uid, entry.gid);
          if (this.#xattrs) {
            // Setting a user. attribute needs write permission: the owner's first, the mode after.
            if (!this.#chown) await chmod(target, (entry.mode & 0o7777) | 0o700);
            await replaceXattrs(target, entry.xattrs ?? []);
          }
          await chmod(target, entry.mode & 0o7777);
          await setTimes(target, entry.atimeNs, entry.mtimeNs);
          await syncDirectory();
        } catch (err) {
          throw mapFsError(err, 'mkdir', key, signal);
        }
        return { key, bytes: 0 };
      default: {
        // FIFOs, sockets and device files (in the journal only when ingest ran with
        // PreserveDevices=PRESERVE): mknodat(2) through the system-call helper, as a part file.
        const part = this.#join(partRelative);
        try {
          await rm(part, { force: true });
          await mknodat(part, entry.type, 0o600, entry.rdevMajor, entry.rdevMinor);
          if (this.#chown) await lchown(part, entry.uid, entry.gid);
          await chmod(part, entry.mode & 0o7777);
          await setTimes(part, entry.atimeNs, entry.mtimeNs);
          await rename(part, target);
          await syncDirectory();
        } catch (err) {
          await rm(part, { force: true }).catch(() => undefined);
          if (err instanceof HelperUnavailable) {
            throw new FloeError('DESTINATION_IO', `${this.scheme} destination cannot create the ${entry.type} "${displayPath(entry.path)}": mknod needs perl, which this system lacks (${err.message})`);
          }
          throw mapFsError(err, 'mknod', key, signal);
        }
        return { key, bytes: 0 };
      }
    }
  }

  /** Reads an object back; the file's atime is left as it was (O_NOATIME, else set back). */
  async *read(key: string, options: Signal = {}): AsyncIterable<Buffer> {
    const path = this.#pathOf(key);
    let st;
    try {
      st = await lstat(path, { bigint: true });
    } catch (err) {
      throw errnoCode(err) === 'ENOENT' ? new FloeError('NOT_FOUND', `${this.uri}: ${key} does not exist`, { cause: err }) : mapFsError(err, 'lstat', key);
    }
    if (st.isDirectory()) return;
    // A FIFO, socket or device has no content to read back (opening a FIFO would wait for a writer).
    if (!st.isFile() && !st.isSymbolicLink()) return;
    if (st.isSymbolicLink()) {
      // Like the S3 layout: a symlink reads as its target's exact bytes. readlink(2) moves the
      // link's atime: set it back.
      const target = await readlink(path, { encoding: 'buffer' });
      await this.#keepAtime(path, key, st, options.signal);
      yield target;
      return;
    }
    const handle = await openNoAtime(path).catch((err: unknown) => {
      throw mapFsError(err, 'open', key, options.signal);
    });
    try {
      for (;;) {
        if (options.signal?.aborted) throw new FloeError('CANCELLED', `read ${key}: cancelled`);
        const buffer = Buffer.allocUnsafe(READ_BLOCK);
        const { bytesRead } = await handle.read(buffer, 0, READ_BLOCK, null);
        if (bytesRead === 0) break;
        yield buffer.subarray(0, bytesRead);
      }
      // Without O_NOATIME (not the file's owner) the read may have moved the atime.
      await this.#keepAtime(path, key, st, options.signal);
    } finally {
      await handle.close();
    }
  }

  /** Every file, folder ('/' key) and symlink under the root, depth first; part files are not listed. */
  async *list(options: Signal = {}): AsyncIterable<DestinationObject> {
    const pending: Buffer[] = [Buffer.alloc(0)];
    while (pending.length > 0) {
      if (options.signal?.aborted) throw new FloeError('CANCELLED', `list ${this.uri}: cancelled`);
      const relativeDir = pending.pop()!;
      for (const { relative, st } of await this.#children(relativeDir)) {
        if (isPartName(relative.subarray(relative.lastIndexOf(0x2f) + 1))) continue;
        if (st.isDirectory()) {
          pending.push(relative);
          yield { key: `${bytesToKey(relative)}/`, size: 0, isDirectory: true };
        } else {
          yield { key: bytesToKey(relative), size: st.size, isDirectory: false };
        }
      }
    }
  }

  /** Removes a file, symlink or empty folder; a missing key is not an error (as on S3). */
  async remove(key: string, options: Signal = {}): Promise<void> {
    const path = this.#pathOf(key);
    try {
      if (key.endsWith('/')) await rmdir(path);
      else await unlink(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw mapFsError(err, 'remove', key, options.signal);
    }
  }

  /** Removes every part file left by interrupted puts. Call when no put is running. */
  async cleanup(options: Signal = {}): Promise<number> {
    let removed = 0;
    const pending: Buffer[] = [Buffer.alloc(0)];
    while (pending.length > 0) {
      if (options.signal?.aborted) throw new FloeError('CANCELLED', `cleanup ${this.uri}: cancelled`);
      const relativeDir = pending.pop()!;
      const parts: Buffer[] = [];
      for (const { relative, st } of await this.#children(relativeDir)) {
        if (st.isDirectory()) pending.push(relative);
        else if (isPartName(relative.subarray(relative.lastIndexOf(0x2f) + 1))) parts.push(relative);
      }
      if (parts.length === 0) continue;
      // Removing a name moves its folder's mtime, which a put already set to the journal's (folders
      // go last): it is set back once the folder's part files are gone.
      const dir = this.#join(relativeDir);
      const before = await lstat(dir, { bigint: true }).catch(() => undefined);
      for (const relative of parts) {
        await unlink(this.#join(relative)).catch((err: unknown) => {
          if (errnoCode(err) !== 'ENOENT') throw mapFsError(err, 'unlink', bytesToKey(relative));
        });
        removed++;
      }
      if (before !== undefined) await setTimes(dir, before.atimeNs, before.mtimeNs).catch(() => undefined);
    }
    return removed;
  }

  async close(): Promise<void> {}

  async #children(relativeDir: Buffer): Promise<{ relative: Buffer; st: Stats }[]> {
    const dir = this.#join(relativeDir);
    let names: Buffer[];
    try {
      const before = await lstat(dir, { bigint: true });
      names = await readdir(dir, { encoding: 'buffer' });
      // readdir(2) moves the folder's atime: set it back, so a listing leaves the times as put.
      await this.#keepAtime(dir, bytesToKey(relativeDir), before, undefined);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw mapFsError(err, 'readdir', bytesToKey(relativeDir));
    }
    names.sort(Buffer.compare);
    const out: { relative: Buffer; st: Stats }[] = [];
    for (const name of names) {
      const relative = relativeDir.length === 0 ? name : Buffer.concat([relativeDir, SLASH, name]);
      try {
        out.push({ relative, st: await lstat(this.#join(relative)) });
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw mapFsError(err, 'lstat', bytesToKey(relative));
      }
    }
    return out;
  }

  /** Sets the atime back to what `before` saw, when reading moved it. */
  async #keepAtime(path: Buffer, key: string, before: BigIntStats, signal: AbortSignal | undefined): Promise<void> {
    try {
      const after = await lstat(path, { bigint: true });
      if (after.atimeNs === before.atimeNs) return;
      // The mtime is left alone (UTIME_OMIT): a put may be changing it meanwhile.
      if (helperMissing()) await setTimes(path, before.atimeNs, after.mtimeNs);
      else await utimensat(path, before.atimeNs, 'omit');
    } catch (err) {
      // Only the owner (or CAP_FOWNER) may set times, as only they may read with O_NOATIME: for
      // anyone else this is best effort, and the read itself succeeded.
      if (['EPERM', 'EACCES', 'EROFS'].includes(errnoCode(err) ?? '')) return;
      throw mapFsError(err, 'utimensat', key, signal);
    }
  }

  #join(relative: Buffer): Buffer {
    if (relative.length === 0) return this.root;
    return this.root.length === 1 ? Buffer.concat([this.root, relative]) : Buffer.concat([this.root, SLASH, relative]);
  }

  /** A key back to its absolute path; refuses keys that would leave the root. */
  #pathOf(key: string): Buffer {
    const relative = keyToBytes(stripDirectorySlash(key));
    const parts = relative.toString('latin1').split('/');
    if (relative.length === 0 || parts.some((p) => p === '' || p === '.' || p === '..') || relative.includes(0)) {
      throw new FloeError('DESTINATION_NAME_INVALID', `not a key of this destination: "${key}"`);
    }
    return this.#join(relative);
  }
}

/** Opens for reading without updating the atime where the kernel allows it (the owner, or CAP_FOWNER). */
async function openNoAtime(path: Buffer): Promise<FileHandle> {
  try {
    return await open(path, fsConstants.O_RDONLY | fsConstants.O_NOATIME);
  } catch (err) {
    if (errnoCode(err) !== 'EPERM') throw err;
    return open(path, 'r');
  }
}

export async function openFilesystemDestination(uri: string): Promise<FilesystemDestination> {
  return FilesystemDestination.open(uri);
}

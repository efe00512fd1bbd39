// A Source over node:fs: a mounted share or a local disk (ARCHITECTURE.md, "Sources").
// Names stay exact bytes (Buffer paths, `encoding: 'buffer'`), and times keep their nanoseconds
// (lstat with `bigint: true`). Files and folders carry their user. extended attributes (os/xattrs.ts);
// the holes of a sparse file are not read (SEEK_DATA / SEEK_HOLE), they are zeros; files are read
// with O_NOATIME where allowed, so their atimes stay as they were.
import { constants as fsConstants, lstatSync, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink, statfs, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FloeError } from '../../errors.js';
import { displayPath, type FileMetadata, type FileType } from '../../journal/file-entry.js';
import { dataExtents } from '../../os/syscall-helper.js';
import { mayHaveXattrs, readUserXattrs } from '../../os/xattrs.js';
import { joinPath, type ReadOptions, type Source, type SourceEntry } from '../source.js';

const READ_SIZE = 1 << 20;
const MIN_READ_SIZE = 64 * 1024;
/** Directory entries looked at together while listing. */
const LIST_AHEAD = 32;
/** Files whose allocation falls short of their size by this much are read around their holes. */
const SPARSE_MIN = 1 << 20;
// Listing a folder on a local disk, lstat is made in place (lstatSync): about 6 us of CPU an entry
// here, where a trip through libuv's pool costs 16-22 us (docs/benchmarks/ingest.md, "TransferMode
// CHANGED re-run"). Only on the file systems of a local disk, in folders on the root's own device,
// and only while each batch of in-place calls stays quick: a slow disk (a cold cache, a failing
// drive) goes back to the pool, whose threads overlap the waits.
const LOCAL_DISK_TYPES = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0x794c7630, // overlayfs
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
]);
/** A batch of in-place lstat calls slower than this an entry sends the source back to the pool. */
const IN_PLACE_MAX_NS_PER_ENTRY = 200_000n;
const SLASH = Buffer.from('/');
const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

export async function openLocalSource(uri: string): Promise<LocalSource> {
  return LocalSource.open(uri);
}

export class LocalSource implements Source {
  readonly preferredReadSize = READ_SIZE;

  /** The root's device, while folders on it are listed with lstat in place; undefined: through the pool. */
  private inPlaceDevice: bigint | undefined;

  private constructor(
    readonly uri: string,
    private readonly root: Buffer,
    rootDevice: bigint | undefined,
  ) {
    this.inPlaceDevice = rootDevice;
  }

  static async open(uri: string): Promise<LocalSource> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new FloeError('INVALID_ARGUMENT', `invalid local source URI '${uri}': expected file:///absolute/path`);
    }
    if (url.protocol !== 'file:') throw new FloeError('INVALID_ARGUMENT', `invalid local source URI '${uri}': scheme must be file:`);
    if (url.host !== '') throw new FloeError('INVALID_ARGUMENT', `invalid local source URI '${uri}': a host is not supported (use file:///path)`);
    if (url.search || url.hash) throw new FloeError('INVALID_ARGUMENT', `invalid local source URI '${uri}': no query or fragment allowed`);
    let rootText = fileURLToPath(url);
    while (rootText.length > 1 && rootText.endsWith('/')) rootText = rootText.slice(0, -1);
    const root = Buffer.from(rootText, 'utf8');
    const st = await lstat(root, { bigint: true }).catch((err: unknown) => {
      throw fsError(err, 'stat', rootText);
    });
    if (!st.isDirectory()) throw new FloeError('INVALID_ARGUMENT', `local source '${rootText}' is not a directory`);
    const fsType = await statfs(root).then((f) => f.type, () => undefined);
    return new LocalSource(uri, root, fsType !== undefined && LOCAL_DISK_TYPES.has(fsType) ? st.dev : undefined);
  }

  async stat(path: Buffer, options: ReadOptions = {}): Promise<SourceEntry> {
    checkAbort(options, path);
    return this.entry(path);
  }

  async *list(dirPath: Buffer, options: ReadOptions = {}): AsyncIterable<SourceEntry> {
    checkAbort(options, dirPath);
    const full = this.full(dirPath);
    const names = await readdir(full, { encoding: 'buffer' }).catch((err: unknown) => {
      throw fsError(err, 'list', displayPath(full));
    });
    // Entries are looked at LIST_AHEAD at a time (lstat on libuv's pool, xattrs pipelined to the
    // helper), and yielded in the directory's order.
    const wanted = names.filter((name) => !name.equals(DOT) && !name.equals(DOTDOT));
    const inPlace = await this.listsInPlace(full);
    for (let i = 0; i < wanted.length; i += LIST_AHEAD) {
      checkAbort(options, dirPath);
      const paths = wanted.slice(i, i + LIST_AHEAD).map((name) => joinPath(dirPath, name));
      const stats = inPlace && this.inPlaceDevice !== undefined ? this.statInPlace(paths) : undefined;
      const batch = await Promise.allSettled(paths.map((path, k) => this.entry(path, stats?.[k])));
      for (const r of batch) {
        if (r.status === 'rejected') throw r.reason; // as a one-at-a-time listing would, after the entries before it
        yield r.value;
      }
    }
  }

  async readlink(path: Buffer, options: ReadOptions = {}): Promise<Buffer> {
    checkAbort(options, path);
    const full = this.full(path);
    return readlink(full, { encoding: 'buffer' }).catch((err: unknown) => {
      throw fsError(err, 'readlink', displayPath(full));
    });
  }

  async *read(entry: SourceEntry, offset = 0, options: ReadOptions = {}): AsyncIterable<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new FloeError('INVALID_ARGUMENT', `read offset must be a non-negative integer, not ${offset}`);
    if (entry.type !== 'file') throw new FloeError('INVALID_ARGUMENT', `'${displayPath(entry.path)}' is a ${entry.type}, not a regular file`);
    checkAbort(options, entry.path);
    const full = this.full(entry.path);
    const handle = await openNoAtime(full).catch((err: unknown) => {
      throw fsError(err, 'open', displayPath(full));
    });
    try {
      let position = offset;
      // A sparse file: its holes are not read, they are zeros (SEEK_DATA / SEEK_HOLE).
      const holes = await holesOf(handle, full, entry.size);
      for (;;) {
        const hole = holes?.find(([start, end]) => position >= start && position < end);
        if (hole !== undefined) {
          const size = Math.min(READ_SIZE, hole[1] - position);
          position += size;
          yield Buffer.alloc(size);
          continue;
        }
        const nextHole = holes?.find(([start]) => start > position)?.[0] ?? Infinity;
        // Sized by what the listing said is left, so a small file does not cost a 1 MiB buffer.
        const size = Math.min(READ_SIZE, Math.max(entry.size - position, MIN_READ_SIZE), nextHole - position);
        const buffer = Buffer.allocUnsafe(size);
        const { bytesRead } = await handle.read(buffer, 0, size, position).catch((err: unknown) => {
          throw fsError(err, 'read', displayPath(full));
        });
        checkAbort(options, entry.path);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {}

  private full(path: Buffer): Buffer {
    if (path.length === 0) return this.root;
    for (const part of path.toString('latin1').split('/')) {
      if (part === '' || part === '.' || part === '..') {
        throw new FloeError('INVALID_ARGUMENT', `source path '${displayPath(path)}' must be relative, without empty, '.' or '..' components`);
      }
    }
    return Buffer.concat([this.root, SLASH, path]);
  }

  /** A folder is listed with lstat in place when the source still does so and it is on the root's device. */
  private async listsInPlace(full: Buffer): Promise<boolean> {
    if (this.inPlaceDevice === undefined) return false;
    const st = await lstat(full, { bigint: true }).catch(() => undefined);
    return st !== undefined && st.dev === this.inPlaceDevice;
  }

  /** lstat of each path in place (an error in its place); a slow batch ends in-place listing. */
  private statInPlace(paths: readonly Buffer[]): Array<BigIntStats | FloeError> {
    const started = process.hrtime.bigint();
    const out = paths.map((path) => {
      const full = this.full(path);
      try {
        return lstatSync(full, { bigint: true });
      } catch (err) {
        return fsError(err, 'stat', displayPath(full));
      }
    });
    if (process.hrtime.bigint() - started > IN_PLACE_MAX_NS_PER_ENTRY * BigInt(paths.length)) this.inPlaceDevice = undefined;
    return out;
  }

  /** The entry at `path`, from `known` (lstat made already, or its error) or a new lstat. */
  private async entry(path: Buffer, known?: BigIntStats | FloeError): Promise<SourceEntry> {
    const full = this.full(path);
    if (known instanceof FloeError) throw known;
    const st =
      known ??
      (await lstat(full, { bigint: true }).catch((err: unknown) => {
        throw fsError(err, 'stat', displayPath(full));
      }));
    const meta = metadataFromStats(st);
    const slash = path.lastIndexOf(0x2f);
    const xattrs = mayHaveXattrs(meta.type)
      ? await readUserXattrs(full).catch((err: unknown) => {
          throw fsError(err, 'read the extended attributes of', displayPath(full));
        })
      : [];
    return {
      ...meta,
      ...(meta.type === 'symlink' ? { target: await this.readlink(path) } : {}),
      ...(xattrs.length === 0 ? {} : { xattrs }),
      name: Buffer.from(slash < 0 ? path : path.subarray(slash + 1)),
      path: Buffer.from(path),
    };
  }
}

/**
 * Opens for reading without moving the file's atime where the kernel allows it (the owner, or
 * CAP_FOWNER): ingest leaves the source's atimes as they were, as the journal recorded them.
 */
async function openNoAtime(path: Buffer): Promise<FileHandle> {
  try {
    return await open(path, fsConstants.O_RDONLY | fsConstants.O_NOATIME);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    return open(path, 'r');
  }
}

/** A file's holes [start, end) up to `size`, when it is sparse enough to matter; undefined otherwise. */
async function holesOf(handle: FileHandle, path: Buffer, size: number): Promise<Array<[number, number]> | undefined> {
  if (size < SPARSE_MIN) return undefined;
  const st = await handle.stat();
  if (st.blocks * 512 > size - SPARSE_MIN) return undefined; // allocated (nearly) all: read it all
  const data = await dataExtents(path, size).catch(() => undefined);
  if (data === undefined) return undefined;
  const holes: Array<[number, number]> = [];
  let at = 0;
  for (const [start, end] of data) {
    if (start > at) holes.push([at, start]);
    at = Math.max(at, end);
  }
  if (at < size) holes.push([at, size]);
  return holes;
}

/** lstat as FileMetadata; size is kept for regular files and symlinks only (FileMetadata.size). */
export function metadataFromStats(st: BigIntStats): FileMetadata {
  const type = fileType(st);
  const rdev = st.rdev;
  const isDevice = type === 'char' || type === 'block';
  return {
    type,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: type === 'file' || type === 'symlink' ? Number(st.size) : 0,
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    fsId: st.dev,
    fileId: st.ino,
    nlink: Number(st.nlink),
    // Linux's dev_t encoding (glibc gnu_dev_major / gnu_dev_minor).
    rdevMajor: isDevice ? Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)) : 0,
    rdevMinor: isDevice ? Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)) : 0,
  };
}

function fileType(st: BigIntStats): FileType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'char';
  return 'block';
}

function checkAbort(options: ReadOptions, path: Buffer): void {
  if (options.signal?.aborted) throw new FloeError('CANCELLED', `operation on '${displayPath(path)}' cancelled`);
}

function fsError(err: unknown, operation: string, pathText: string): FloeError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = `${operation} '${pathText}': ${err instanceof Error ? err.message : String(err)}`;
  if (code === 'EACCES' || code === 'EPERM') return new FloeError('SOURCE_ACCESS_DENIED', message, { cause: err });
  if (code === 'ENOENT') return new FloeError('SOURCE_NOT_FOUND', message, { cause: err });
  return new FloeError('SOURCE_IO', message, { cause: err });
}

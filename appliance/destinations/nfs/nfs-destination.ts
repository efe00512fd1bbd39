// An NFSv3 export as a destination, through floe's own client (RFC 1813): no kernel mount, no root
// on the client. Used by restore (`--to nfs://host/export/path`). Like the folder destination:
//   - names are exact bytes (keys escape invalid UTF-8, path-key.ts);
//   - a file goes to a part file beside its target (CREATE GUARDED with its owner, or UNCHECKED
//     over a leftover), WRITEs UNSTABLE with COMMITs checked against the write verifier (one WRITE
//     FILE_SYNC for a small file, nfs-file-writer.ts), SETATTR mode and times, then RENAME over the
//     target: a reader sees the old file or the whole new one;
//   - a resumed put continues after the last committed byte of its part file;
//   - folders are made when a file needs them and get their mode, owner and times when their own
//     entry comes (the engine sends folders after their contents);
//   - the names of a hard-linked file become LINKs of one file; symlinks, FIFOs and devices
//     (MKNOD) go through part names too.
// Owners are set when the URI's uid is 0 (the export must not squash root). NFSv3 carries
// unsigned 32-bit seconds: times before 1970 (or after 2106) are stored as the nearest it can
// hold, and verification reports the difference. NFSv3 has no extended attributes.
import { FloeError, isFloeError } from '../../errors.js';
import { displayPath, type FileEntry } from '../../journal/file-entry.js';
import { randomBytes } from '../../crypto/random.js';
import { connectExport, splitComponents, type ConnectOptions } from '../../sources/nfs/nfs-connect.js';
import type { FsInfo, OpContext } from '../../sources/nfs/nfs3-procedures.js';
import type { Fattr3 } from '../../sources/nfs/nfs3-types.js';
import { CREATE_MODE, Nfs3WriteClient, type CreatedObject, type Sattr3 } from '../../sources/nfs/nfs3-write-procedures.js';
import { pipelinedRead } from '../../sources/nfs/read-pipeline.js';
import { readDirectory } from '../../sources/nfs/readdir-stream.js';
import type { Destination, DestinationCapabilities, DestinationObject, OpenContent, PutOptions, PutResult } from '../destination.js';
import { isPartName, partNameFor, PART_PREFIX } from '../filesystem/part-file.js';
import { bytesToKey, keyToBytes, relativeKey, stripDirectorySlash } from '../path-key.js';
import { posixMetadata } from '../posix-metadata.js';
import { heldTime, sameTime } from '../time-precision.js';
import { asDestinationError, NFS3ERR, nfsStatus } from './nfs-errors.js';
import { writeContent } from './nfs-file-writer.js';

type Signal = { signal?: AbortSignal };

export interface NfsDestinationOptions extends ConnectOptions {
  /** WRITEs in flight per file (default 8). */
  readonly writeDepth?: number;
  /** Bytes per WRITE; default FSINFO wtpref up to 1 MiB, never above wtmax. */
  readonly writeSize?: number;
  /** Bytes between COMMITs (default 16 MiB): what a verifier change makes floe send again. */
  readonly commitWindowBytes?: number;
}

/** What the destination did, for status and tests: WRITE payload, and what a verifier change made it send again. */
export interface NfsWriteCounters {
  bytesWritten: number;
  bytesResent: number;
  verifierChanges: number;
}

const SLASH = Buffer.from('/');
const NAME_MAX = 255;
const PATH_MAX = 4095;
const MAX_KNOWN_FOLDERS = 100_000;
const DEFAULT_WRITE_SIZE = 1 << 20;
const READ_DEPTH = 8;

export class NfsDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly counters: NfsWriteCounters = { bytesWritten: 0, bytesResent: 0, verifierChanges: 0 };
  /** Folder handles by relative path (latin1 of the bytes); '' is the root. */
  readonly #folders = new Map<string, Buffer>();
  readonly #chown: boolean;
  readonly #writeSize: number;
  readonly #readSize: number;
  #closed = false;

  private constructor(
    readonly uri: string,
    private readonly nfs: Nfs3WriteClient,
    private readonly root: Buffer,
    private readonly rootPath: Buffer,
    private readonly fsInfo: FsInfo,
    private readonly unmount: () => Promise<void>,
    uid: number,
    private readonly options: NfsDestinationOptions,
  ) {
    this.#chown = uid === 0;
    this.#folders.set('', root);
    const wtmax = fsInfo.wtmax > 0 ? fsInfo.wtmax : DEFAULT_WRITE_SIZE;
    this.#writeSize = Math.min(options.writeSize ?? Math.min(fsInfo.wtpref > 0 ? fsInfo.wtpref : DEFAULT_WRITE_SIZE, DEFAULT_WRITE_SIZE), wtmax);
    this.#readSize = Math.min(fsInfo.rtpref > 0 ? fsInfo.rtpref : DEFAULT_WRITE_SIZE, DEFAULT_WRITE_SIZE, fsInfo.rtmax > 0 ? fsInfo.rtmax : DEFAULT_WRITE_SIZE);
    this.capabilities = {
      checksums: [],
      posixMetadata: true,
      symlinks: true,
      multipart: false,
      hardLinks: true,
      // The server's own file system takes paths of PATH_MAX (4096 with the NUL) under its export.
      maxKeyBytes: PATH_MAX - rootPath.length - 1,
      timePrecisionNs: Number(fsInfo.timeDeltaNs > 0n ? fsInfo.timeDeltaNs : 1n),
      timeRangeSeconds: NFSTIME3_RANGE_SECONDS,
    };
  }

  /** Mounts the export and looks the URI's path up: it must exist and be a folder. */
  static async open(uri: string, options: NfsDestinationOptions = {}): Promise<NfsDestination> {
    let connected;
    try {
      connected = await connectExport(uri, (rpc, jukebox) => new Nfs3WriteClient(rpc, jukebox), options);
    } catch (err) {
      if (isFloeError(err, 'INVALID_ARGUMENT')) throw err;
      const mapped = asDestinationError(err);
      if (isFloeError(err, 'SOURCE_NOT_FOUND')) throw new FloeError('DESTINATION_UNREACHABLE', `${uri}: ${err.message}`, { cause: err });
      throw isFloeError(mapped) ? new FloeError(mapped.code === 'DESTINATION_IO' ? 'DESTINATION_UNREACHABLE' : mapped.code, `${uri}: ${mapped.message}`, { cause: err }) : mapped;
    }
    const { nfs, handle, fsInfo, unmount, uri: parsed } = connected;
    try {
      const attributes = await nfs.getattr(handle, { path: displayPath(parsed.path), signal: options.signal });
      if (attributes.type !== 'directory') throw new FloeError('DESTINATION_UNREACHABLE', `${uri}: ${displayPath(parsed.path)} is not a folder`);
    } catch (err) {
      nfs.rpc.close();
      await unmount().catch(() => undefined);
      throw asDestinationError(err);
    }
    return new NfsDestination(uri, nfs, handle, parsed.path, fsInfo, unmount, parsed.uid, options);
  }

  /** Creates and removes a probe file: an export that cannot be written fails here, before any file. */
  async checkWritable(options: Signal = {}): Promise<void> {
    const name = Buffer.from(`${PART_PREFIX}write-probe-${randomBytes(6).toString('hex')}`);
    const ctx = this.#ctx(Buffer.alloc(0), options.signal);
    try {
      await this.nfs.create(this.root, name, CREATE_MODE.GUARDED, { mode: 0o600 }, ctx);
    } catch (err) {
      const e = asDestinationError(err);
      if (!isFloeError(e)) throw e;
      throw new FloeError(e.code, `${this.uri}: ${ctx.path} cannot be written (${e.message}): restore needs write access to the export`, { cause: err });
    }
    await this.nfs.remove(this.root, name, ctx).catch(() => undefined);
  }

  keyFor(entry: Pick<FileEntry, 'path' | 'type'>): string {
    const key = relativeKey(entry);
    const shown = displayPath(entry.path);
    for (const component of splitComponents(entry.path)) {
      if (component.length > NAME_MAX) throw new FloeError('DESTINATION_NAME_INVALID', `a name in "${shown}" is over ${NAME_MAX} bytes`, { details: { path: shown } });
      if (isPartName(component)) throw new FloeError('DESTINATION_NAME_INVALID', `"${shown}": names starting with ${PART_PREFIX} are reserved for part files`, { details: { path: shown } });
    }
    if (entry.path.length > this.capabilities.maxKeyBytes) {
      throw new FloeError('DESTINATION_NAME_INVALID', `"${shown}" is over the ${PATH_MAX}-byte path limit under ${displayPath(this.rootPath)}`, { details: { path: shown } });
    }
    return key;
  }

  async stat(key: string, options: Signal = {}): Promise<DestinationObject | null> {
    return this.#guard(async () => {
      const found = await this.#lookup(this.#relative(key), options.signal);
      if (found === null) return null;
      const a = found.attributes;
      // As on S3, "a" and "a/" are different names: a folder answers only to its '/' key.
      if ((a.type === 'directory') !== key.endsWith('/')) return null;
      return {
        key,
        size: a.type === 'directory' ? 0 : Number(a.size),
        isDirectory: a.type === 'directory',
        metadata: posixMetadata({ type: a.type, mode: a.mode & 0o7777, uid: a.uid, gid: a.gid, mtimeNs: a.mtimeNs, atimeNs: a.atimeNs }),
      };
    });
  }

  async put(entry: FileEntry, content: OpenContent, options: PutOptions = {}): Promise<PutResult> {
    const key = this.keyFor(entry);
    return this.#guard(async () => {
      const relative = keyToBytes(stripDirectorySlash(key));
      const slash = relative.lastIndexOf(0x2f);
      const parent = slash < 0 ? Buffer.alloc(0) : relative.subarray(0, slash);
      const name = relative.subarray(slash + 1);
      const dir = (await this.#folder(parent, true, options.signal))!;
      const at: Place = { dir, parent, name, part: Buffer.from(partNameFor(entry)), ctx: this.#ctx(relative, options.signal) };
      switch (entry.type) {
        case 'file':
          if (options.linkTo !== undefined && options.linkTo !== key && (await this.#link(at, options.linkTo, entry, options.signal))) return { key, bytes: entry.size };
          await this.#putFile(at, entry, content, options);
          return { key, bytes: entry.size };
        case 'symlink': {
          const target = Buffer.from(entry.target ?? Buffer.alloc(0));
          const made = await this.#fresh(at, () => this.nfs.symlink(dir, at.part, target, {}, at.ctx));
          // A symlink's own mode is 0777 on Linux; times where the server takes them on a link
          // (ganesha's VFS answers NFS3_OK and keeps the link's own times).
          if (this.#chown) await this.nfs.setattr(made, { uid: entry.uid, gid: entry.gid }, at.ctx);
          await this.nfs.setattr(made, times(entry), at.ctx).catch((err: unknown) => {
            if (!isFloeError(err)) throw err;
          });
          await this.#rename(at);
          options.onProgress?.(target.length);
          return { key, bytes: target.length };
        }
        case 'directory': {
          const handle = await this.#folderHandle(dir, name, at.ctx, 0o700);
          this.#remember(relative, handle);
          await this.#setMetadata(handle, entry, at.ctx);
          return { key, bytes: 0 };
        }
        default: {
          const type = entry.type;
          const made = await this.#fresh(at, () => this.nfs.mknod(dir, at.part, type, { mode: 0o600 }, { major: entry.rdevMajor, minor: entry.rdevMinor }, at.ctx));
          await this.#setMetadata(made, entry, at.ctx);
          await this.#rename(at);
          return { key, bytes: 0 };
        }
      }
    });
  }

  /** Reads an object back: a file's bytes, a symlink's target; nothing for folders and special files. */
  async *read(key: string, options: Signal = {}): AsyncIterable<Buffer> {
    const relative = this.#relative(key);
    const found = await this.#guard(() => this.#lookup(relative, options.signal));
    if (found === null) throw new FloeError('NOT_FOUND', `${this.uri}: ${key} does not exist`);
    const ctx = this.#ctx(relative, options.signal);
    if (found.attributes.type === 'symlink') {
      yield await this.#guard(() => this.nfs.readlink(found.handle, ctx));
      return;
    }
    if (found.attributes.type !== 'file') return;
    try {
      yield* pipelinedRead(this.nfs, found.handle, 0, { chunkSize: this.#readSize, depth: READ_DEPTH, sizeHint: Number(found.attributes.size) }, ctx);
    } catch (err) {
      throw asDestinationError(err);
    }
  }

  /** Every file, folder ('/' key) and symlink under the root, depth first; part files are not listed. */
  async *list(options: Signal = {}): AsyncIterable<DestinationObject> {
    for await (const { relative, attributes } of this.#walk(options.signal)) {
      if (isPartName(relative.subarray(relative.lastIndexOf(0x2f) + 1))) continue;
      const isDirectory = attributes.type === 'directory';
      yield { key: isDirectory ? `${bytesToKey(relative)}/` : bytesToKey(relative), size: isDirectory ? 0 : Number(attributes.size), isDirectory };
    }
  }

  /** Removes a file, symlink or empty folder; a missing key is not an error (as on S3). */
  async remove(key: string, options: Signal = {}): Promise<void> {
    const relative = this.#relative(key);
    const slash = relative.lastIndexOf(0x2f);
    await this.#guard(async () => {
      const dir = await this.#folder(slash < 0 ? Buffer.alloc(0) : relative.subarray(0, slash), false, options.signal);
      if (dir === null) return;
      const ctx = this.#ctx(relative, options.signal);
      const name = relative.subarray(slash + 1);
      try {
        if (key.endsWith('/')) await this.nfs.rmdir(dir, name, ctx);
        else await this.nfs.remove(dir, name, ctx);
      } catch (err) {
        if (nfsStatus(err) !== NFS3ERR.NOENT) throw err;
      }
      if (key.endsWith('/')) this.#folders.delete(relative.toString('latin1'));
    });
  }

  /** Removes every part file left by interrupted puts, setting each folder's times back after. */
  async cleanup(options: Signal = {}): Promise<number> {
    let removed = 0;
    const pending: { dir: Buffer; names: Buffer[] }[] = [];
    const flush = async (): Promise<void> => {
      for (const { dir, names } of pending.splice(0)) {
        const before = await this.nfs.getattr(dir, this.#ctx(Buffer.alloc(0), options.signal));
        for (const name of names) {
          await this.nfs.remove(dir, name, this.#ctx(name, options.signal)).catch((err: unknown) => {
            if (nfsStatus(err) !== NFS3ERR.NOENT) throw err;
          });
          removed++;
        }
        await this.nfs.setattr(dir, { atimeNs: before.atimeNs, mtimeNs: before.mtimeNs }, this.#ctx(Buffer.alloc(0), options.signal)).catch(() => undefined);
      }
    };
    await this.#guard(async () => {
      for await (const e of this.#walk(options.signal)) {
        if (!isPartName(e.relative.subarray(e.relative.lastIndexOf(0x2f) + 1))) continue;
        const last = pending.at(-1);
        if (last?.dir === e.dir) last.names.push(e.name);
        else pending.push({ dir: e.dir, names: [e.name] });
      }
      await flush();
    });
    return removed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.nfs.rpc.close();
    await this.unmount().catch(() => undefined);
  }

  async #putFile(at: Place, entry: FileEntry, content: OpenContent, options: PutOptions): Promise<void> {
    const partKey = bytesToKey(at.parent.length === 0 ? at.part : Buffer.concat([at.parent, SLASH, at.part]));
    const resume = options.resume;
    let handle: Buffer | undefined;
    let from = 0;
    if (resume?.kind === 'nfs-part' && resume.part === partKey && typeof resume.offset === 'number' && Number.isSafeInteger(resume.offset) && resume.offset > 0) {
      const found = await this.#child(at.dir, at.part, at.ctx);
      if (found !== null && found.attributes.type === 'file') {
        handle = found.handle;
        from = Math.min(Number(found.attributes.size), resume.offset, entry.size);
      }
    }
    // The owner with the CREATE (one SETATTR less); the mode after the bytes, since a chown clears setuid.
    const owner = this.#chown ? { uid: entry.uid, gid: entry.gid } : {};
    let owned = false;
    if (handle === undefined) {
      owned = true;
      let made: CreatedObject;
      try {
        made = await this.nfs.create(at.dir, at.part, CREATE_MODE.GUARDED, { mode: 0o600, ...owner }, at.ctx);
      } catch (err) {
        if (nfsStatus(err) !== NFS3ERR.EXIST) throw err;
        // A part file left by a put that did not finish (or this CREATE sent twice): start it over.
        made = await this.nfs.create(at.dir, at.part, CREATE_MODE.UNCHECKED, { mode: 0o600, size: 0, ...owner }, at.ctx);
      }
      handle = made.fileHandle ?? (await this.nfs.lookup(at.dir, at.part, at.ctx)).fileHandle;
    }
    const report = async (offset: number) => options.onResumeState?.({ kind: 'nfs-part', part: partKey, offset });
    if (resume !== undefined && resume.offset !== from) await report(from);
    const outcome = await writeContent(
      this.nfs,
      handle,
      content,
      from,
      entry.size,
      {
        blockSize: this.#writeSize,
        depth: this.options.writeDepth ?? 8,
        windowBytes: this.options.commitWindowBytes ?? 16 << 20,
        signal: options.signal,
        onProgress: options.onProgress,
        onCommitted: report,
      },
      at.ctx,
    );
    this.counters.bytesWritten += entry.size - from + outcome.resentBytes;
    this.counters.bytesResent += outcome.resentBytes;
    this.counters.verifierChanges += outcome.verifierChanges;
    // A file that ends in a hole is extended to its size; then owner, mode and times.
    if (outcome.end < entry.size) await this.nfs.setattr(handle, { size: entry.size }, at.ctx);
    if (owned) await this.nfs.setattr(handle, { mode: entry.mode & 0o7777, ...times(entry) }, at.ctx);
    else await this.#setMetadata(handle, entry, at.ctx);
    await this.#rename(at);
  }

  /** A second name of a hard-linked file as a LINK of the name delivered, when that is still the same file. */
  async #link(at: Place, linkTo: string, entry: FileEntry, signal: AbortSignal | undefined): Promise<boolean> {
    const source = await this.#lookup(this.#relative(linkTo), signal);
    if (source === null) return false;
    const a = source.attributes;
    const same =
      a.type === 'file' &&
      a.size === BigInt(entry.size) &&
      (a.mode & 0o7777) === (entry.mode & 0o7777) &&
      sameTime(a.mtimeNs, nfsTime(entry.mtimeNs), BigInt(this.capabilities.timePrecisionNs ?? 1)) &&
      (!this.#chown || (a.uid === entry.uid && a.gid === entry.gid));
    if (!same) return false;
    const current = await this.#child(at.dir, at.name, at.ctx);
    if (current !== null && current.attributes.fileid === a.fileid) return true;
    try {
      await this.#fresh(at, async () => {
        await this.nfs.link(source.handle, at.dir, at.part, at.ctx);
        return { fileHandle: source.handle, attributes: undefined };
      });
    } catch (err) {
      const status = nfsStatus(err);
      // No hard links here (another file system, too many links, not supported): write the content.
      if (status === NFS3ERR.XDEV || status === NFS3ERR.MLINK || status === NFS3ERR.NOTSUPP || status === NFS3ERR.PERM) return false;
      throw err;
    }
    await this.#rename(at);
    return true;
  }

  /** Owner first (a chown clears setuid and setgid), then mode and times. */
  async #setMetadata(handle: Buffer, entry: FileEntry, ctx: OpContext): Promise<void> {
    if (this.#chown) await this.nfs.setattr(handle, { uid: entry.uid, gid: entry.gid }, ctx);
    await this.nfs.setattr(handle, { mode: entry.mode & 0o7777, ...times(entry) }, ctx);
  }

  /** Makes the part name anew with `create`, removing what a put that did not finish left there. */
  async #fresh(at: Place, create: () => Promise<CreatedObject>): Promise<Buffer> {
    await this.#removeQuietly(at.dir, at.part, at.ctx);
    let made: CreatedObject;
    try {
      made = await create();
    } catch (err) {
      // A retransmitted call the server had done already, or a leftover made meanwhile: once more.
      if (nfsStatus(err) !== NFS3ERR.EXIST) throw err;
      await this.#removeQuietly(at.dir, at.part, at.ctx);
      made = await create();
    }
    return made.fileHandle ?? (await this.nfs.lookup(at.dir, at.part, at.ctx)).fileHandle;
  }

  /** RENAME part → name; a retransmitted RENAME that was done already finds the part gone and the name there. */
  async #rename(at: Place): Promise<void> {
    try {
      await this.nfs.rename(at.dir, at.part, at.dir, at.name, at.ctx);
    } catch (err) {
      if (nfsStatus(err) !== NFS3ERR.NOENT || (await this.#child(at.dir, at.name, at.ctx)) === null) throw err;
    }
  }

  async #removeQuietly(dir: Buffer, name: Buffer, ctx: OpContext): Promise<void> {
    try {
      await this.nfs.remove(dir, name, ctx);
    } catch (err) {
      if (nfsStatus(err) !== NFS3ERR.NOENT) throw err;
    }
  }

  /** MKDIR, or the folder already there (EXIST, also for a retransmitted MKDIR). */
  async #folderHandle(dir: Buffer, name: Buffer, ctx: OpContext, mode: number): Promise<Buffer> {
    try {
      const made = await this.nfs.mkdir(dir, name, { mode }, ctx);
      if (made.fileHandle !== undefined) return made.fileHandle;
    } catch (err) {
      if (nfsStatus(err) !== NFS3ERR.EXIST) throw err;
    }
    const found = await this.#child(dir, name, ctx);
    if (found === null || found.attributes.type !== 'directory') throw new FloeError('DESTINATION_IO', `${ctx.path}: exists and is not a folder`);
    return found.handle;
  }

  /** A folder's handle, made (0755, with its parents) when `create`; null when it is not there. */
  async #folder(relative: Buffer, create: boolean, signal: AbortSignal | undefined): Promise<Buffer | null> {
    const cached = this.#folders.get(relative.toString('latin1'));
    if (cached !== undefined) return cached;
    const slash = relative.lastIndexOf(0x2f);
    const parent = await this.#folder(slash < 0 ? Buffer.alloc(0) : relative.subarray(0, slash), create, signal);
    if (parent === null) return null;
    const name = relative.subarray(slash + 1);
    const ctx = this.#ctx(relative, signal);
    const found = await this.#child(parent, name, ctx);
    let handle: Buffer;
    if (found !== null) {
      if (found.attributes.type !== 'directory') {
        if (!create) return null;
        throw new FloeError('DESTINATION_IO', `${ctx.path}: exists and is not a folder`);
      }
      handle = found.handle;
    } else {
      if (!create) return null;
      handle = await this.#folderHandle(parent, name, ctx, 0o755);
    }
    this.#remember(relative, handle);
    return handle;
  }

  /** LOOKUP of one name with its attributes; null when it is not there. */
  async #child(dir: Buffer, name: Buffer, ctx: OpContext): Promise<{ handle: Buffer; attributes: Fattr3 } | null> {
    try {
      const { fileHandle, attributes } = await this.nfs.lookup(dir, name, ctx);
      return { handle: fileHandle, attributes: attributes ?? (await this.nfs.getattr(fileHandle, ctx)) };
    } catch (err) {
      const status = nfsStatus(err);
      if (status === NFS3ERR.NOENT || status === NFS3ERR.NOTDIR) return null;
      throw err;
    }
  }

  async #lookup(relative: Buffer, signal: AbortSignal | undefined): Promise<{ handle: Buffer; attributes: Fattr3 } | null> {
    const slash = relative.lastIndexOf(0x2f);
    const dir = await this.#folder(slash < 0 ? Buffer.alloc(0) : relative.subarray(0, slash), false, signal);
    if (dir === null) return null;
    return this.#child(dir, relative.subarray(slash + 1), this.#ctx(relative, signal));
  }

  /** Every object under the root, depth first, with the handle of the folder that holds it. */
  async *#walk(signal: AbortSignal | undefined): AsyncGenerator<{ relative: Buffer; name: Buffer; dir: Buffer; attributes: Fattr3 }> {
    const pending: { relative: Buffer; handle: Buffer }[] = [{ relative: Buffer.alloc(0), handle: this.root }];
    while (pending.length > 0) {
      if (signal?.aborted) throw new FloeError('CANCELLED', `list ${this.uri}: cancelled`);
      const { relative: dirRelative, handle } = pending.pop()!;
      const ctx = this.#ctx(dirRelative, signal);
      const children: { relative: Buffer; name: Buffer; dir: Buffer; attributes: Fattr3 }[] = [];
      try {
        for await (const e of readDirectory(this.nfs, handle, this.fsInfo, ctx)) {
          const relative = dirRelative.length === 0 ? Buffer.from(e.name) : Buffer.concat([dirRelative, SLASH, e.name]);
          children.push({ relative, name: Buffer.from(e.name), dir: handle, attributes: e.attributes });
          if (e.attributes.type === 'directory') pending.push({ relative, handle: e.fileHandle });
        }
      } catch (err) {
        throw asDestinationError(err);
      }
      children.sort((x, y) => Buffer.compare(x.name, y.name));
      yield* children;
    }
  }

  #remember(relative: Buffer, handle: Buffer): void {
    if (this.#folders.size >= MAX_KNOWN_FOLDERS) {
      this.#folders.clear();
      this.#folders.set('', this.root);
    }
    this.#folders.set(relative.toString('latin1'), handle);
  }

  /** Runs `work` with NFS errors as the destination's; a stale cached handle is forgotten and `work` runs once more. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new FloeError('INVALID_ARGUMENT', `NFS destination ${this.uri} is closed`);
    try {
      return await work();
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') throw new FloeError('CANCELLED', `${this.uri}: cancelled`, { cause: err });
      if (nfsStatus(err) !== NFS3ERR.STALE || this.#folders.size <= 1) throw asDestinationError(err);
      this.#folders.clear();
      this.#folders.set('', this.root);
      try {
        return await work();
      } catch (again) {
        throw asDestinationError(again);
      }
    }
  }

  #ctx(relative: Buffer, signal: AbortSignal | undefined): OpContext {
    const full = relative.length === 0 ? this.rootPath : Buffer.concat([this.rootPath, SLASH, relative]);
    return { path: displayPath(full), signal };
  }

  /** A key back to its relative bytes; refuses keys that would leave the root. */
  #relative(key: string): Buffer {
    const relative = keyToBytes(stripDirectorySlash(key));
    const parts = relative.toString('latin1').split('/');
    if (relative.length === 0 || parts.some((p) => p === '' || p === '.' || p === '..') || relative.includes(0)) {
      throw new FloeError('DESTINATION_NAME_INVALID', `not a key of this destination: "${key}"`);
    }
    return relative;
  }
}

interface Place {
  /** The folder's handle, its relative path, the entry's name in it and its part name. */
  readonly dir: Buffer;
  readonly parent: Buffer;
  readonly name: Buffer;
  readonly part: Buffer;
  readonly ctx: OpContext;
}

/** nfstime3 seconds are unsigned 32-bit. */
const NFSTIME3_RANGE_SECONDS = [0, 2 ** 32 - 1] as const;

/** A time as NFSv3 can carry it: the nearest end of its range when outside. */
export function nfsTime(ns: bigint): bigint {
  return heldTime(ns, NFSTIME3_RANGE_SECONDS);
}

function times(entry: FileEntry): Sattr3 {
  return { atimeNs: nfsTime(entry.atimeNs), mtimeNs: nfsTime(entry.mtimeNs) };
}

export async function openNfsDestination(uri: string, options: NfsDestinationOptions = {}): Promise<NfsDestination> {
  return NfsDestination.open(uri, options);
}

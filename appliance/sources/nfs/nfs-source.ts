// The NFSv3 Source: a userspace client (ARCHITECTURE.md, "Sources"), so ingest needs no kernel
// mount and sees the server's attributes (fattr3, RFC 1813 §2.5) directly.
import { FloeError, isFloeError } from '../../errors.js';
import { displayPath, type FileMetadata } from '../../journal/file-entry.js';
import { joinPath, type ContentReadOptions, type ReadOptions, type Source, type SourceEntry } from '../source.js';
import { connectExport, splitComponents, type ConnectOptions } from './nfs-connect.js';
import { Nfs3Client, type FsInfo, type FsStat, type OpContext } from './nfs3-procedures.js';
import { toFileMetadata, type Fattr3 } from './nfs3-types.js';
import { pipelinedRead } from './read-pipeline.js';
import { readDirectory } from './readdir-stream.js';

export interface NfsSourceOptions extends ConnectOptions {
  /** READs in flight per read stream (default 12). */
  readonly readDepth?: number;
  /** Bytes per READ; default FSINFO rtpref up to 1 MiB, never above rtmax. */
  readonly readSize?: number;
}

const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');
const HANDLE_CACHE_LIMIT = 50_000;
const DEFAULT_READ_SIZE = 1 << 20;

export async function openNfsSource(uri: string, options: NfsSourceOptions = {}): Promise<NfsSource> {
  return NfsSource.open(uri, options);
}

export class NfsSource implements Source {
  /** Handles by path (latin1 of the exact bytes): LOOKUP once per directory, not once per file. */
  private readonly handles = new Map<string, Buffer>();
  /** The handle each entry we returned was listed with, so read() needs no LOOKUP. */
  private readonly entryHandles = new WeakMap<object, Buffer>();
  private closed = false;

  private constructor(
    readonly uri: string,
    readonly preferredReadSize: number,
    readonly fsInfo: FsInfo,
    private readonly nfs: Nfs3Client,
    private readonly rootHandle: Buffer,
    private readonly rootPath: Buffer,
    private readonly unmountCall: () => Promise<void>,
    private readonly readDepth: number,
  ) {}

  static async open(uri: string, options: NfsSourceOptions = {}): Promise<NfsSource> {
    const { nfs, handle, fsInfo: info, unmount, uri: parsed } = await connectExport(uri, (rpc, jukebox) => new Nfs3Client(rpc, jukebox), options);
    const rtmax = info.rtmax > 0 ? info.rtmax : 1 << 20;
    // ganesha offers rtpref = rtmax = 64 MiB; a READ that large only adds latency and memory
    // (depth x size in flight), so the default stays at 1 MiB unless the server wants less.
    const preferred = Math.min(options.readSize ?? Math.min(info.rtpref > 0 ? info.rtpref : DEFAULT_READ_SIZE, DEFAULT_READ_SIZE), rtmax);
    return new NfsSource(uri, preferred, info, nfs, handle, parsed.path, unmount, options.readDepth ?? 12);
  }

  async stat(path: Buffer, options: ReadOptions = {}): Promise<SourceEntry> {
    this.checkOpen();
    const ctx = this.ctx(path, options);
    if (path.length === 0) return this.entry(path, await this.nfs.getattr(this.rootHandle, ctx), this.rootHandle, ctx);
    const { fileHandle, attributes } = await this.lookupPath(path, ctx);
    return this.entry(path, attributes ?? (await this.nfs.getattr(fileHandle, ctx)), fileHandle, ctx);
  }

  async *list(dirPath: Buffer, options: ReadOptions = {}): AsyncIterable<SourceEntry> {
    this.checkOpen();
    const ctx = this.ctx(dirPath, options);
    const dirHandle = await this.handleOf(dirPath, ctx);
    for await (const e of readDirectory(this.nfs, dirHandle, this.fsInfo, ctx, (name) => this.ctx(joinPath(dirPath, name), options))) {
      const path = joinPath(dirPath, e.name);
      this.remember(path, e.fileHandle);
      yield await this.entry(path, e.attributes, e.fileHandle, this.ctx(path, options));
    }
  }

  async readlink(path: Buffer, options: ReadOptions = {}): Promise<Buffer> {
    this.checkOpen();
    const ctx = this.ctx(path, options);
    return this.nfs.readlink(await this.handleOf(path, ctx), ctx);
  }

  async *read(entry: SourceEntry, offset = 0, options: ContentReadOptions = {}): AsyncIterable<Buffer> {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new FloeError('INVALID_ARGUMENT', `read offset must be a non-negative integer, not ${offset}`);
    const ctx = this.ctx(entry.path, options);
    if (entry.type !== 'file') throw new FloeError('INVALID_ARGUMENT', `'${ctx.path}' is a ${entry.type}, not a regular file`);
    const handle = this.entryHandles.get(entry) ?? (await this.handleOf(entry.path, ctx));
    const after = options.onAttributesAfter;
    yield* pipelinedRead(
      this.nfs,
      handle,
      offset,
      {
        chunkSize: this.preferredReadSize,
        depth: this.readDepth,
        sizeHint: entry.size,
        ...(after === undefined ? {} : { onWholeFileAttributes: (a: Fattr3) => after(toFileMetadata(a)) }),
      },
      ctx,
    );
  }

  /** NFSv3 ACCESS: which of the ACCESS3 bits in `mask` the server grants the URI's uid/gid. */
  async access(path: Buffer, mask: number, options: ReadOptions = {}): Promise<number> {
    this.checkOpen();
    const ctx = this.ctx(path, options);
    return this.nfs.access(await this.handleOf(path, ctx), mask, ctx);
  }

  /** NFSv3 NULL: proves the server answers, e.g. for a health check. */
  async ping(options: ReadOptions = {}): Promise<void> {
    this.checkOpen();
    await this.nfs.null(options.signal);
  }

  /** NFSv3 FSSTAT of the file system under the root. */
  async fsstat(options: ReadOptions = {}): Promise<FsStat> {
    this.checkOpen();
    return this.nfs.fsstat(this.rootHandle, this.ctx(Buffer.alloc(0), options));
  }

  /** Sends UMNT and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.nfs.rpc.close();
    await this.unmountCall().catch(() => undefined);
  }

  private checkOpen(): void {
    if (this.closed) throw new FloeError('INVALID_ARGUMENT', `NFS source ${this.uri} is closed`);
  }

  private ctx(path: Buffer, options: ReadOptions): OpContext {
    const full = path.length === 0 ? this.rootPath : Buffer.concat([this.rootPath, Buffer.from('/'), path]);
    return { path: displayPath(full), signal: options.signal };
  }

  private async entry(path: Buffer, attributes: Fattr3, handle: Buffer, ctx: OpContext): Promise<SourceEntry> {
    const meta: FileMetadata = toFileMetadata(attributes);
    const slash = path.lastIndexOf(0x2f);
    const entry: SourceEntry = {
      ...meta,
      ...(meta.type === 'symlink' ? { target: await this.nfs.readlink(handle, ctx) } : {}),
      name: Buffer.from(slash < 0 ? path : path.subarray(slash + 1)),
      path: Buffer.from(path),
    };
    this.entryHandles.set(entry, handle);
    return entry;
  }

  private remember(path: Buffer, handle: Buffer): void {
    if (this.handles.size >= HANDLE_CACHE_LIMIT) this.handles.clear();
    this.handles.set(path.toString('latin1'), handle);
  }

  private async handleOf(path: Buffer, ctx: OpContext): Promise<Buffer> {
    if (path.length === 0) return this.rootHandle;
    return this.handles.get(path.toString('latin1')) ?? (await this.lookupPath(path, ctx)).fileHandle;
  }

  /** LOOKUP of the last component from the parent's handle; a stale cached parent is looked up afresh once. */
  private async lookupPath(path: Buffer, ctx: OpContext): Promise<{ fileHandle: Buffer; attributes: Fattr3 | undefined }> {
    const components = splitComponents(path);
    if (components.length === 0 || components.some((c) => c.equals(DOT) || c.equals(DOTDOT)) || components.length !== path.toString('latin1').split('/').length) {
      throw new FloeError('INVALID_ARGUMENT', `source path '${displayPath(path)}' must be relative, without empty, '.' or '..' components`);
    }
    const slash = path.lastIndexOf(0x2f);
    const parent = slash < 0 ? Buffer.alloc(0) : path.subarray(0, slash);
    const name = components[components.length - 1]!;
    const parentKey = parent.toString('latin1');
    const cached = parent.length > 0 && this.handles.has(parentKey);
    try {
      const parentHandle = await this.handleOf(parent, this.ctx(parent, { signal: ctx.signal }));
      const result = await this.nfs.lookup(parentHandle, name, ctx);
      this.remember(path, result.fileHandle);
      return result;
    } catch (err) {
      if (!cached || !isFloeError(err, 'SOURCE_STALE')) throw err;
      this.handles.clear();
      return this.lookupPath(path, ctx);
    }
  }
}

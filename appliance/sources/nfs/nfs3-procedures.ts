// The NFSv3 procedures floe needs (RFC 1813 §3.3): NULL, GETATTR, LOOKUP, ACCESS, READLINK, READ,
// READDIRPLUS, FSSTAT, FSINFO. Each result's status is checked here: NFS3_OK decodes the resok
// arm; NFS3ERR_JUKEBOX ("the server initiated the request, but was not able to complete it in a
// timely fashion", RFC 1813 §2.6) is retried with backoff; anything else becomes NfsStatusError.
import { FloeError } from '../../errors.js';
import { backoff, sleep, type RpcClient } from './rpc-client.js';
import {
  NFS3ERR_JUKEBOX,
  NFS3_COOKIEVERFSIZE,
  NFS3_FHSIZE,
  NFS3_OK,
  NFS_PROGRAM,
  NFS_V3,
  NfsStatusError,
  decodeFattr3,
  decodePostOpAttr,
  decodePostOpFh,
  type Fattr3,
} from './nfs3-types.js';
import type { XdrReader, XdrWriter } from './xdr.js';

const PROC = { NULL: 0, GETATTR: 1, LOOKUP: 3, ACCESS: 4, READLINK: 5, READ: 6, READDIRPLUS: 17, FSSTAT: 18, FSINFO: 19 } as const;

/** RFC 1813 §3.3.4 ACCESS3_* bits. */
export const ACCESS3 = { READ: 0x1, LOOKUP: 0x2, MODIFY: 0x4, EXTEND: 0x8, DELETE: 0x10, EXECUTE: 0x20 } as const;

export interface OpContext {
  /** The path as people read it, for error messages. */
  readonly path: string;
  readonly signal?: AbortSignal | undefined;
}

export interface JukeboxPolicy {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_JUKEBOX_POLICY: JukeboxPolicy = { retries: 8, backoffMs: 250, maxBackoffMs: 4_000 };

export interface LookupResult {
  readonly fileHandle: Buffer;
  readonly attributes: Fattr3 | undefined;
}

export interface ReadResult {
  /** A view of the reply record: no copy. */
  readonly data: Buffer;
  readonly eof: boolean;
  /** The file's attributes after the READ (post_op_attr), when the server sent them. */
  readonly attributes: Fattr3 | undefined;
}

export interface DirEntryPlus {
  readonly fileid: bigint;
  readonly name: Buffer;
  readonly cookie: bigint;
  readonly attributes: Fattr3 | undefined;
  readonly fileHandle: Buffer | undefined;
}

export interface ReaddirplusResult {
  readonly cookieverf: Buffer;
  readonly entries: DirEntryPlus[];
  readonly eof: boolean;
}

export interface FsInfo {
  readonly rtmax: number;
  readonly rtpref: number;
  readonly rtmult: number;
  readonly wtmax: number;
  readonly wtpref: number;
  readonly dtpref: number;
  readonly maxFileSize: bigint;
  readonly timeDeltaNs: bigint;
  readonly properties: number;
}

export interface FsStat {
  readonly totalBytes: bigint;
  readonly freeBytes: bigint;
  readonly availableBytes: bigint;
  readonly totalFiles: bigint;
  readonly freeFiles: bigint;
  readonly availableFiles: bigint;
  readonly invarsec: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; status: number };

export class Nfs3Client {
  constructor(
    readonly rpc: RpcClient,
    private readonly jukebox: JukeboxPolicy = DEFAULT_JUKEBOX_POLICY,
  ) {}

  /** NFSPROC3_NULL (§3.3.0): a ping. */
  async null(signal?: AbortSignal): Promise<void> {
    await this.rpc.call({ program: NFS_PROGRAM, version: NFS_V3, procedure: PROC.NULL }, () => undefined, () => undefined, signal);
  }

  /** NFSPROC3_GETATTR (§3.3.1). */
  getattr(fh: Buffer, ctx: OpContext): Promise<Fattr3> {
    return this.proc(PROC.GETATTR, 'GETATTR', ctx, (w) => w.opaque(fh, NFS3_FHSIZE), decodeFattr3);
  }

  /** NFSPROC3_LOOKUP (§3.3.3): diropargs3 { dir, name }; the name is exact bytes. */
  lookup(dirFh: Buffer, name: Buffer, ctx: OpContext): Promise<LookupResult> {
    return this.proc(PROC.LOOKUP, 'LOOKUP', ctx, (w) => w.opaque(dirFh, NFS3_FHSIZE).opaque(name), (r) => {
      const fileHandle = Buffer.from(r.opaque(NFS3_FHSIZE));
      const attributes = decodePostOpAttr(r);
      decodePostOpAttr(r); // dir_attributes
      return { fileHandle, attributes };
    });
  }

  /** NFSPROC3_ACCESS (§3.3.4): which of the asked ACCESS3 bits the server grants this credential. */
  access(fh: Buffer, mask: number, ctx: OpContext): Promise<number> {
    return this.proc(PROC.ACCESS, 'ACCESS', ctx, (w) => w.opaque(fh, NFS3_FHSIZE).uint32(mask), (r) => {
      decodePostOpAttr(r);
      return r.uint32();
    });
  }

  /** NFSPROC3_READLINK (§3.3.5): the target as exact bytes. */
  readlink(fh: Buffer, ctx: OpContext): Promise<Buffer> {
    return this.proc(PROC.READLINK, 'READLINK', ctx, (w) => w.opaque(fh, NFS3_FHSIZE), (r) => {
      decodePostOpAttr(r);
      return Buffer.from(r.opaque());
    });
  }

  /** NFSPROC3_READ (§3.3.6): READ3resok { file_attributes, count, eof, data }. */
  read(fh: Buffer, offset: number, count: number, ctx: OpContext): Promise<ReadResult> {
    return this.proc(PROC.READ, 'READ', ctx, (w) => w.opaque(fh, NFS3_FHSIZE).uint64(offset).uint32(count), (r) => {
      const attributes = decodePostOpAttr(r);
      const n = r.uint32();
      const eof = r.bool();
      const data = r.opaque();
      if (data.length !== n) throw new FloeError('SOURCE_PROTOCOL', `READ '${ctx.path}': count ${n} but ${data.length} data bytes`);
      return { data, eof, attributes };
    });
  }

  /**
   * NFSPROC3_READDIRPLUS (§3.3.17): one page of a directory. Start with cookie 0 and a zero
   * cookieverf; pass back the last entry's cookie and the returned cookieverf for the next page.
   */
  readdirplus(dirFh: Buffer, cookie: bigint, cookieverf: Buffer, dircount: number, maxcount: number, ctx: OpContext): Promise<ReaddirplusResult> {
    return this.proc(
      PROC.READDIRPLUS,
      'READDIRPLUS',
      ctx,
      (w) => w.opaque(dirFh, NFS3_FHSIZE).uint64(cookie).fixedOpaque(cookieverf, NFS3_COOKIEVERFSIZE).uint32(dircount).uint32(maxcount),
      (r) => {
        decodePostOpAttr(r); // dir_attributes
        const verf = Buffer.from(r.fixedOpaque(NFS3_COOKIEVERFSIZE));
        const entries: DirEntryPlus[] = [];
        // entryplus3 *entries: an XDR optional-data list (RFC 4506 §4.19).
        while (r.bool()) {
          const fileid = r.uint64();
          const name = Buffer.from(r.opaque());
          const entryCookie = r.uint64();
          const attributes = decodePostOpAttr(r);
          const fileHandle = decodePostOpFh(r);
          entries.push({ fileid, name, cookie: entryCookie, attributes, fileHandle });
        }
        return { cookieverf: verf, entries, eof: r.bool() };
      },
    );
  }

  /** NFSPROC3_FSSTAT (§3.3.18). */
  fsstat(fh: Buffer, ctx: OpContext): Promise<FsStat> {
    return this.proc(PROC.FSSTAT, 'FSSTAT', ctx, (w) => w.opaque(fh, NFS3_FHSIZE), (r) => {
      decodePostOpAttr(r);
      return {
        totalBytes: r.uint64(),
        freeBytes: r.uint64(),
        availableBytes: r.uint64(),
        totalFiles: r.uint64(),
        freeFiles: r.uint64(),
        availableFiles: r.uint64(),
        invarsec: r.uint32(),
      };
    });
  }

  /** NFSPROC3_FSINFO (§3.3.19): transfer sizes, among them rtmax and rtpref for READ. */
  fsinfo(fh: Buffer, ctx: OpContext): Promise<FsInfo> {
    return this.proc(PROC.FSINFO, 'FSINFO', ctx, (w) => w.opaque(fh, NFS3_FHSIZE), (r) => {
      decodePostOpAttr(r);
      const rtmax = r.uint32();
      const rtpref = r.uint32();
      const rtmult = r.uint32();
      const wtmax = r.uint32();
      const wtpref = r.uint32();
      r.uint32(); // wtmult
      const dtpref = r.uint32();
      const maxFileSize = r.uint64();
      const timeDeltaNs = BigInt(r.uint32()) * 1_000_000_000n + BigInt(r.uint32());
      return { rtmax, rtpref, rtmult, wtmax, wtpref, dtpref, maxFileSize, timeDeltaNs, properties: r.uint32() };
    });
  }

  protected async proc<T>(procedure: number, operation: string, ctx: OpContext, encode: (w: XdrWriter) => void, decodeOk: (r: XdrReader) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.rpc.call<Outcome<T>>(
        { program: NFS_PROGRAM, version: NFS_V3, procedure },
        encode,
        (r) => {
          const status = r.uint32();
          return status === NFS3_OK ? { ok: true, value: decodeOk(r) } : { ok: false, status };
        },
        ctx.signal,
      );
      if (outcome.ok) return outcome.value;
      if (outcome.status === NFS3ERR_JUKEBOX && attempt < this.jukebox.retries) {
        await sleep(backoff(this.jukebox, attempt + 1), ctx.signal, this.rpc.label);
        continue;
      }
      throw new NfsStatusError(outcome.status, operation, ctx.path, this.rpc.label);
    }
  }
}

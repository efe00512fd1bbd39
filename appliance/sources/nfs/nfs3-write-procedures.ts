// The NFSv3 procedures that change a file system (RFC 1813 §3.3): SETATTR, WRITE, CREATE, MKDIR,
// SYMLINK, MKNOD, REMOVE, RMDIR, RENAME, LINK, COMMIT. What floe's restore into an export needs,
// with no kernel mount and no root on the client. The weak cache consistency data every reply
// carries (wcc_data, §2.6) is read past: floe asks for attributes when it needs them.
import { Nfs3Client, type OpContext } from './nfs3-procedures.js';
import { FloeError } from '../../errors.js';
import { NFS3_FHSIZE, decodePostOpAttr, decodePostOpFh, type Fattr3 } from './nfs3-types.js';
import type { XdrReader, XdrWriter } from './xdr.js';

const PROC = { SETATTR: 2, WRITE: 7, CREATE: 8, MKDIR: 9, SYMLINK: 10, MKNOD: 11, REMOVE: 12, RMDIR: 13, RENAME: 14, LINK: 15, COMMIT: 21 } as const;

/** RFC 1813 §3.3.7 stable_how. */
export const STABLE_HOW = { UNSTABLE: 0, DATA_SYNC: 1, FILE_SYNC: 2 } as const;

/** RFC 1813 §3.3.8 createmode3. */
export const CREATE_MODE = { UNCHECKED: 0, GUARDED: 1, EXCLUSIVE: 2 } as const;

/** nfstime3 carries unsigned 32-bit seconds: 1970-01-01 to 2106-02-07. */
export const NFSTIME3_MAX_NS = (2n ** 32n - 1n) * 1_000_000_000n + 999_999_999n;

/**
 * RFC 1813 §2.6 sattr3: each attribute is set only when given. Times are nanoseconds since 1970
 * sent as the client's time (SET_TO_CLIENT_TIME); they must lie in nfstime3's range.
 */
export interface Sattr3 {
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: number;
  readonly atimeNs?: bigint;
  readonly mtimeNs?: bigint;
}

/** RFC 1813 §2.5 ftype3 numbers MKNOD takes. */
export const MKNOD_TYPE = { block: 3, char: 4, socket: 6, fifo: 7 } as const;

export interface CreatedObject {
  /** The new object's handle: post_op_fh3, which a server may leave out (then LOOKUP it). */
  readonly fileHandle: Buffer | undefined;
  readonly attributes: Fattr3 | undefined;
}

export interface WriteResult {
  readonly count: number;
  readonly committed: number;
  /** writeverf3: changes when the server restarts and may have lost UNSTABLE data. */
  readonly verifier: Buffer;
}

function encodeTime(w: XdrWriter, ns: bigint | undefined): void {
  if (ns === undefined) {
    w.uint32(0); // DONT_CHANGE
    return;
  }
  if (ns < 0n || ns > NFSTIME3_MAX_NS) throw new FloeError('INVALID_ARGUMENT', `time ${ns} ns is outside what NFSv3 carries (1970 to 2106)`);
  w.uint32(2); // SET_TO_CLIENT_TIME
  w.uint32(Number(ns / 1_000_000_000n));
  w.uint32(Number(ns % 1_000_000_000n));
}

export function encodeSattr3(w: XdrWriter, a: Sattr3): void {
  for (const value of [a.mode, a.uid, a.gid]) {
    w.bool(value !== undefined);
    if (value !== undefined) w.uint32(value);
  }
  w.bool(a.size !== undefined);
  if (a.size !== undefined) w.uint64(a.size);
  encodeTime(w, a.atimeNs);
  encodeTime(w, a.mtimeNs);
}

/** RFC 1813 §2.6 wcc_data: pre_op_attr (size, mtime, ctime), then post_op_attr. */
function skipWcc(r: XdrReader): Fattr3 | undefined {
  if (r.bool()) {
    r.uint64();
    r.uint64();
    r.uint64();
  }
  return decodePostOpAttr(r);
}

function decodeCreated(r: XdrReader): CreatedObject {
  const fileHandle = decodePostOpFh(r);
  const attributes = decodePostOpAttr(r);
  skipWcc(r);
  return { fileHandle, attributes };
}

export class Nfs3WriteClient extends Nfs3Client {
  /** NFSPROC3_SETATTR (§3.3.2), unguarded; returns the attributes after, when the server sends them. */
  setattr(fh: Buffer, attributes: Sattr3, ctx: OpContext): Promise<Fattr3 | undefined> {
    return this.proc(
      PROC.SETATTR,
      'SETATTR',
      ctx,
      (w) => {
        w.opaque(fh, NFS3_FHSIZE);
        encodeSattr3(w, attributes);
        w.bool(false); // sattrguard3: no ctime check
      },
      skipWcc,
    );
  }

  /** NFSPROC3_WRITE (§3.3.7). `data` is encoded when the call goes out (and again on a retransmission): keep it unchanged. */
  write(fh: Buffer, offset: number, data: Buffer, stable: number, ctx: OpContext): Promise<WriteResult> {
    return this.proc(
      PROC.WRITE,
      'WRITE',
      ctx,
      (w) => w.opaque(fh, NFS3_FHSIZE).uint64(offset).uint32(data.length).uint32(stable).opaque(data),
      (r) => {
        skipWcc(r);
        const count = r.uint32();
        const committed = r.uint32();
        return { count, committed, verifier: Buffer.from(r.fixedOpaque(8)) };
      },
    );
  }

  /** NFSPROC3_COMMIT (§3.3.21): count 0 means to the end of the file. Returns the write verifier. */
  commit(fh: Buffer, offset: number, count: number, ctx: OpContext): Promise<Buffer> {
    return this.proc(PROC.COMMIT, 'COMMIT', ctx, (w) => w.opaque(fh, NFS3_FHSIZE).uint64(offset).uint32(count), (r) => {
      skipWcc(r);
      return Buffer.from(r.fixedOpaque(8));
    });
  }

  /** NFSPROC3_CREATE (§3.3.8), UNCHECKED or GUARDED, with initial attributes. */
  create(dirFh: Buffer, name: Buffer, mode: number, attributes: Sattr3, ctx: OpContext): Promise<CreatedObject> {
    return this.proc(
      PROC.CREATE,
      'CREATE',
      ctx,
      (w) => {
        w.opaque(dirFh, NFS3_FHSIZE).opaque(name).uint32(mode);
        encodeSattr3(w, attributes);
      },
      decodeCreated,
    );
  }

  /** NFSPROC3_MKDIR (§3.3.9). */
  mkdir(dirFh: Buffer, name: Buffer, attributes: Sattr3, ctx: OpContext): Promise<CreatedObject> {
    return this.proc(
      PROC.MKDIR,
      'MKDIR',
      ctx,
      (w) => {
        w.opaque(dirFh, NFS3_FHSIZE).opaque(name);
        encodeSattr3(w, attributes);
      },
      decodeCreated,
    );
  }

  /** NFSPROC3_SYMLINK (§3.3.10): the target is exact bytes (nfspath3). */
  symlink(dirFh: Buffer, name: Buffer, target: Buffer, attributes: Sattr3, ctx: OpContext): Promise<CreatedObject> {
    return this.proc(
      PROC.SYMLINK,
      'SYMLINK',
      ctx,
      (w) => {
        w.opaque(dirFh, NFS3_FHSIZE).opaque(name);
        encodeSattr3(w, attributes);
        w.opaque(target);
      },
      decodeCreated,
    );
  }

  /** NFSPROC3_MKNOD (§3.3.11): FIFOs and sockets, or devices with their major and minor numbers. */
  mknod(dirFh: Buffer, name: Buffer, type: keyof typeof MKNOD_TYPE, attributes: Sattr3, device: { major: number; minor: number }, ctx: OpContext): Promise<CreatedObject> {
    return this.proc(
      PROC.MKNOD,
      'MKNOD',
      ctx,
      (w) => {
        w.opaque(dirFh, NFS3_FHSIZE).opaque(name).uint32(MKNOD_TYPE[type]);
        encodeSattr3(w, attributes);
        if (type === 'char' || type === 'block') w.uint32(device.major).uint32(device.minor);
      },
      decodeCreated,
    );
  }

  /** NFSPROC3_REMOVE (§3.3.12): a non-directory. */
  remove(dirFh: Buffer, name: Buffer, ctx: OpContext): Promise<void> {
    return this.proc(PROC.REMOVE, 'REMOVE', ctx, (w) => w.opaque(dirFh, NFS3_FHSIZE).opaque(name), (r) => void skipWcc(r));
  }

  /** NFSPROC3_RMDIR (§3.3.13): an empty directory. */
  rmdir(dirFh: Buffer, name: Buffer, ctx: OpContext): Promise<void> {
    return this.proc(PROC.RMDIR, 'RMDIR', ctx, (w) => w.opaque(dirFh, NFS3_FHSIZE).opaque(name), (r) => void skipWcc(r));
  }

  /** NFSPROC3_RENAME (§3.3.14): atomic on the server, replacing what `toName` held. */
  rename(fromDir: Buffer, fromName: Buffer, toDir: Buffer, toName: Buffer, ctx: OpContext): Promise<void> {
    return this.proc(PROC.RENAME, 'RENAME', ctx, (w) => w.opaque(fromDir, NFS3_FHSIZE).opaque(fromName).opaque(toDir, NFS3_FHSIZE).opaque(toName), (r) => {
      skipWcc(r);
      skipWcc(r);
    });
  }

  /** NFSPROC3_LINK (§3.3.15): a new name for the file `fh`. */
  link(fh: Buffer, dirFh: Buffer, name: Buffer, ctx: OpContext): Promise<Fattr3 | undefined> {
    return this.proc(PROC.LINK, 'LINK', ctx, (w) => w.opaque(fh, NFS3_FHSIZE).opaque(dirFh, NFS3_FHSIZE).opaque(name), (r) => {
      const attributes = decodePostOpAttr(r);
      skipWcc(r);
      return attributes;
    });
  }
}


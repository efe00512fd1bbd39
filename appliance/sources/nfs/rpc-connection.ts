// One ONC RPC v2 connection over TCP (RFC 5531): many calls in flight, replies matched by xid.
// Reconnecting and retransmitting is the job of rpc-client.ts; this file only reports a lost
// connection (SOURCE_UNREACHABLE) or a call with no reply in time (TIMEOUT).
import net from 'node:net';
import os from 'node:os';
import { FloeError } from '../../errors.js';
import { RecordAssembler, markLastFragment } from './record-marking.js';
import { XdrReader, XdrWriter } from './xdr.js';

// RFC 5531 §9: msg_type, reply_stat, accept_stat, reject_stat; §8.2: auth_flavor.
const CALL = 0;
const REPLY = 1;
const RPC_VERSION = 2;
const MSG_ACCEPTED = 0;
const MSG_DENIED = 1;
const ACCEPT_STAT_NAMES = ['SUCCESS', 'PROG_UNAVAIL', 'PROG_MISMATCH', 'PROC_UNAVAIL', 'GARBAGE_ARGS', 'SYSTEM_ERR'];
const AUTH_STAT_NAMES = ['AUTH_OK', 'AUTH_BADCRED', 'AUTH_REJECTEDCRED', 'AUTH_BADVERF', 'AUTH_REJECTEDVERF', 'AUTH_TOOWEAK', 'AUTH_INVALIDRESP', 'AUTH_FAILED'];
export const AUTH_NONE = 0;
export const AUTH_SYS = 1;

export interface AuthSysParams {
  readonly uid: number;
  readonly gid: number;
  readonly gids?: readonly number[];
  readonly machineName?: string;
}

/** RFC 5531 Appendix A: authsys_parms, wrapped as an opaque_auth of flavor AUTH_SYS. */
export function encodeAuthSys(params: AuthSysParams): Buffer {
  const body = new XdrWriter(64)
    .uint32(Math.floor(Date.now() / 1000))
    .opaque(Buffer.from((params.machineName ?? os.hostname()).slice(0, 255), 'utf8'), 255);
  body.uint32(params.uid).uint32(params.gid);
  const gids = (params.gids ?? []).slice(0, 16);
  body.uint32(gids.length);
  for (const g of gids) body.uint32(g);
  return new XdrWriter(body.length + 8).uint32(AUTH_SYS).opaque(body.finish(), 400).finish();
}

export interface CallTarget {
  readonly program: number;
  readonly version: number;
  readonly procedure: number;
}

export interface CallOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

interface Pending {
  resolve(reply: XdrReader): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  cleanup(): void;
}

const SOCKET_READ_BYTES = 256 * 1024;

let nextXid = (Math.random() * 0x7fffffff) >>> 0;

export class RpcConnection {
  private readonly pending = new Map<number, Pending>();
  private readonly assembler = new RecordAssembler((record) => this.onRecord(record));
  private closedError: FloeError | undefined;
  private corked = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly label: string,
    private readonly credential: Buffer,
  ) {
    socket.on('error', (err) => this.fail(new FloeError('SOURCE_UNREACHABLE', `connection to ${label} failed: ${err.message}`, { cause: err })));
    socket.on('close', () => this.fail(new FloeError('SOURCE_UNREACHABLE', `connection to ${label} closed by the server`)));
  }

  static connect(host: string, port: number, credential: Buffer, options: CallOptions): Promise<RpcConnection> {
    const label = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) return reject(cancelled(label));
      // The socket reads into one reused buffer; the connection's assembler copies each record out
      // of it once. Nothing is read before 'connect', when the connection exists.
      let connection: RpcConnection | undefined;
      const onread = {
        buffer: Buffer.allocUnsafe(SOCKET_READ_BYTES),
        callback: (n: number, buf: Buffer): boolean => {
          connection?.receive(buf.subarray(0, n));
          return true;
        },
      };
      const socket = net.connect({ host, port, noDelay: true, onread });
      const done = (err?: Error): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        socket.off('connect', onConnect);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          connection = new RpcConnection(socket, label, credential);
          resolve(connection);
        }
      };
      const onConnect = (): void => done();
      const onError = (err: Error): void => done(new FloeError('SOURCE_UNREACHABLE', `cannot connect to ${label}: ${err.message}`, { cause: err }));
      const onAbort = (): void => done(cancelled(label));
      const timer = setTimeout(() => done(new FloeError('TIMEOUT', `connecting to ${label} took more than ${options.timeoutMs} ms`)), options.timeoutMs);
      socket.once('connect', onConnect);
      socket.once('error', onError);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Bytes from the socket's read buffer, valid only during this call. */
  private receive(bytes: Buffer): void {
    try {
      this.assembler.push(bytes);
    } catch (err) {
      this.fail(err instanceof FloeError ? err : new FloeError('SOURCE_PROTOCOL', String(err)));
    }
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends one call (RFC 5531 §9 call_body) with this connection's credential and an AUTH_NONE
   * verifier, and resolves with a reader positioned at the procedure's results.
   */
  call(target: CallTarget, encodeArgs: (w: XdrWriter) => void, options: CallOptions): Promise<XdrReader> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (options.signal?.aborted) return Promise.reject(cancelled(this.label));
    const xid = nextXid;
    nextXid = (nextXid + 1) >>> 0;
    const w = new XdrWriter(256, 4);
    w.uint32(xid).uint32(CALL).uint32(RPC_VERSION).uint32(target.program).uint32(target.version).uint32(target.procedure);
    w.fixedOpaque(this.credential, this.credential.length);
    w.uint32(AUTH_NONE).uint32(0);
    encodeArgs(w);
    const message = markLastFragment(w.finish());

    return new Promise<XdrReader>((resolve, reject) => {
      const onAbort = (): void => {
        this.settle(xid)?.reject(cancelled(this.label));
      };
      const timer = setTimeout(() => {
        this.settle(xid)?.reject(new FloeError('TIMEOUT', `no reply from ${this.label} within ${options.timeoutMs} ms (program ${target.program}, procedure ${target.procedure})`));
      }, options.timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(xid, { resolve, reject, timer, cleanup });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.send(message);
    });
  }

  /**
   * Writes one call. Calls made in the same turn of the event loop (the replies of one socket read
   * resolve several reads, which each ask for more) leave in one writev, not a syscall each.
   */
  private send(message: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(message);
  }

  close(): void {
    this.fail(new FloeError('SOURCE_UNREACHABLE', `connection to ${this.label} closed`));
  }

  private settle(xid: number): Pending | undefined {
    const p = this.pending.get(xid);
    if (!p) return undefined;
    this.pending.delete(xid);
    p.cleanup();
    return p;
  }

  private fail(err: FloeError): void {
    if (this.closedError) return;
    this.closedError = err;
    this.socket.destroy();
    for (const xid of [...this.pending.keys()]) this.settle(xid)?.reject(err);
  }

  /** RFC 5531 §9 reply_body. A reply whose xid we no longer wait for (timed out, aborted) is dropped. */
  private onRecord(record: Buffer): void {
    const r = new XdrReader(record);
    const xid = r.uint32();
    const pending = this.pending.get(xid);
    if (!pending) return;
    this.settle(xid);
    try {
      if (r.uint32() !== REPLY) throw new FloeError('SOURCE_PROTOCOL', `RPC message ${xid} from ${this.label} is not a reply`);
      const replyStat = r.uint32();
      if (replyStat === MSG_ACCEPTED) {
        r.uint32(); // verifier flavor
        r.opaque(400); // verifier body
        const acceptStat = r.uint32();
        if (acceptStat === 0) return pending.resolve(r);
        const detail = acceptStat === 2 ? ` (supported versions ${r.uint32()}..${r.uint32()})` : '';
        throw new FloeError('SOURCE_PROTOCOL', `RPC call to ${this.label} not accepted: ${ACCEPT_STAT_NAMES[acceptStat] ?? acceptStat}${detail}`);
      }
      if (replyStat === MSG_DENIED) {
        const rejectStat = r.uint32();
        if (rejectStat === 1) {
          const authStat = r.uint32();
          throw new FloeError('SOURCE_ACCESS_DENIED', `RPC call to ${this.label} denied: ${AUTH_STAT_NAMES[authStat] ?? authStat}`);
        }
        throw new FloeError('SOURCE_PROTOCOL', `RPC call to ${this.label} denied: RPC_MISMATCH (server supports ${r.uint32()}..${r.uint32()})`);
      }
      throw new FloeError('SOURCE_PROTOCOL', `RPC reply from ${this.label} has an unknown reply_stat ${replyStat}`);
    } catch (err) {
      pending.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

function cancelled(label: string): FloeError {
  return new FloeError('CANCELLED', `call to ${label} cancelled`);
}

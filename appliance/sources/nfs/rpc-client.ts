// A reconnecting RPC client for one server address. Every procedure floe calls (portmapper
// GETPORT, MOUNT, NFSv3 reads and lookups) is idempotent, so when the connection drops or a call
// gets no reply in time, the call is sent again on a new connection, a bounded number of times
// with exponential backoff (RFC 5531 §3 leaves retransmission to the client; RFC 1813 §3.3
// lists which NFS procedures are idempotent).
import { FloeError, isFloeError } from '../../errors.js';
import { RpcConnection, type CallTarget } from './rpc-connection.js';
import type { XdrReader, XdrWriter } from './xdr.js';

export interface RetryPolicy {
  /** Per-call reply timeout (also the connect timeout). */
  readonly timeoutMs: number;
  /** Retransmissions after the first attempt. */
  readonly retries: number;
  /** First backoff delay; doubles per attempt up to maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { timeoutMs: 30_000, retries: 8, backoffMs: 100, maxBackoffMs: 2_000 };

export class RpcClient {
  private connection: Promise<RpcConnection> | undefined;
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly credential: Buffer,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  get label(): string {
    return `${this.host}:${this.port}`;
  }

  async call<T>(target: CallTarget, encodeArgs: (w: XdrWriter) => void, decode: (r: XdrReader) => T, signal?: AbortSignal): Promise<T> {
    let lastError: FloeError | undefined;
    for (let attempt = 0; attempt <= this.policy.retries; attempt++) {
      if (this.closed) throw new FloeError('CANCELLED', `RPC client for ${this.label} is closed`);
      if (signal?.aborted) throw new FloeError('CANCELLED', `call to ${this.label} cancelled`);
      if (attempt > 0) await sleep(backoff(this.policy, attempt), signal, this.label);
      let connection: RpcConnection | undefined;
      try {
        connection = await this.connect();
        if (signal?.aborted) throw new FloeError('CANCELLED', `call to ${this.label} cancelled`);
        const reply = await connection.call(target, encodeArgs, { timeoutMs: this.policy.timeoutMs, signal });
        return decode(reply);
      } catch (err) {
        if (!isTransportError(err)) throw err;
        lastError = err;
        // A silent server: drop the connection so this and every other call start afresh.
        if (err.code === 'TIMEOUT') connection?.close();
      }
    }
    const attempts = this.policy.retries + 1;
    if (lastError?.code === 'TIMEOUT') {
      throw new FloeError('TIMEOUT', `no reply from ${this.label} after ${attempts} attempts: ${lastError.message}`, { cause: lastError });
    }
    throw new FloeError('SOURCE_UNREACHABLE', `cannot reach ${this.label} after ${attempts} attempts: ${lastError?.message ?? 'unknown error'}`, { cause: lastError });
  }

  close(): void {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    connection?.then((c) => c.close(), () => undefined);
  }

  /** One shared connection; a closed one is replaced by the next caller, once for all callers. */
  private async connect(): Promise<RpcConnection> {
    const current = this.connection;
    if (current) {
      const connection = await current.catch(() => undefined);
      if (connection && !connection.closed) return connection;
      if (this.connection !== current) return this.connect();
    }
    const next = RpcConnection.connect(this.host, this.port, this.credential, { timeoutMs: this.policy.timeoutMs });
    this.connection = next;
    next.catch(() => {
      if (this.connection === next) this.connection = undefined;
    });
    const connection = await next;
    if (this.closed) {
      connection.close();
      throw new FloeError('CANCELLED', `RPC client for ${this.label} is closed`);
    }
    return connection;
  }
}

function isTransportError(err: unknown): err is FloeError {
  return isFloeError(err, 'SOURCE_UNREACHABLE') || isFloeError(err, 'TIMEOUT');
}

export function backoff(policy: Pick<RetryPolicy, 'backoffMs' | 'maxBackoffMs'>, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
}

export function sleep(ms: number, signal: AbortSignal | undefined, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FloeError('CANCELLED', `call to ${label} cancelled`));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new FloeError('CANCELLED', `call to ${label} cancelled`));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Hashing on worker threads. Two cores, one JavaScript thread: a whole-file SHA-256 or a part's
// MD5 computed inline holds the event loop for the whole buffer (MD5 runs at about 700 MiB/s here),
// while the other core waits. A stream is pinned to one worker, so its updates are hashed in order;
// updates are copied (the caller keeps and reuses its buffers) into 1 MiB messages, and the pool
// holds at most 16 MiB of such copies: past that, updates wait for the workers.
//
// Workers are started on first use, never keep the process alive, and are replaced if one dies;
// a stream whose worker died rejects its digest (the caller's file fails, nothing is recorded).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Sha256, md5Base64 } from './hash.js';

/** Below this many bytes a hash is computed inline: the copy and the hop cost more than they save. */
export const POOLED_HASH_MIN_BYTES = 1 << 20;
const QUEUED_BYTES_LIMIT = 16 << 20;
const STAGE_BYTES = 1 << 20;
const WORKERS = Math.max(1, Math.min(2, availableParallelism()));

type Algorithm = 'sha256' | 'md5';

// The worker: one Hash per open stream id. Evaluated source, so the single binary needs no file;
// getBuiltinModule, so it runs whether the parent made eval code CommonJS or a module. Each message's
// buffer goes back with the answer, for the next copy: the pool allocates no garbage per byte.
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash } = process.getBuiltinModule('node:crypto');
const open = new Map();
parentPort.on('message', (m) => {
  if (m.drop) { open.delete(m.id); return; }
  const answer = { id: m.id, bytes: m.bytes, buffer: m.data };
  try {
    let h = open.get(m.id);
    if (h === undefined) { h = createHash(m.alg); open.set(m.id, h); }
    if (m.data !== undefined) h.update(new Uint8Array(m.data, 0, m.bytes));
    if (m.final) {
      open.delete(m.id);
      const d = h.digest();
      answer.digest = d.buffer.slice(d.byteOffset, d.byteOffset + d.length);
    }
  } catch (err) {
    open.delete(m.id);
    answer.error = String(err && err.message || err);
  }
  parentPort.postMessage(answer, m.data === undefined ? [] : [m.data]);
});
`;

interface Reply {
  id: number;
  bytes: number;
  buffer?: ArrayBuffer;
  digest?: ArrayBuffer;
  error?: string;
}

interface StreamState {
  done?: { resolve: (d: Buffer) => void; reject: (e: Error) => void };
  failure?: Error;
}

// Bytes posted to the workers and not yet hashed, all streams together: the copies the pool holds.
let queuedBytes = 0;
const waitingForRoom: Array<() => void> = [];

/** Bytes of copies the pool holds, waiting to be hashed (for tests and metrics). */
export function hashPoolQueuedBytes(): number {
  return queuedBytes;
}

// Message buffers back from the workers, ready for the next copy. About the queue limit's worth.
const spareStages: Array<ArrayBuffer> = [];

function stageBuffer(): Uint8Array<ArrayBuffer> {
  const spare = spareStages.pop();
  return spare === undefined ? new Uint8Array(STAGE_BYTES) : new Uint8Array(spare);
}

function recycle(buffer: ArrayBuffer): void {
  if (buffer.byteLength === STAGE_BYTES && spareStages.length < QUEUED_BYTES_LIMIT / STAGE_BYTES) spareStages.push(buffer);
}

function release(bytes: number): void {
  queuedBytes -= bytes;
  if (queuedBytes < QUEUED_BYTES_LIMIT) for (const wake of waitingForRoom.splice(0)) wake();
}

async function room(): Promise<void> {
  while (queuedBytes >= QUEUED_BYTES_LIMIT) await new Promise<void>((resolve) => waitingForRoom.push(resolve));
}

class HashWorker {
  readonly worker: Worker;
  readonly streams = new Map<number, StreamState>();
  dead = false;
  #awaited = 0;
  #queued = 0;

  constructor(onDeath: (w: HashWorker) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name: 'floe-hash', execArgv: [] });
    this.worker.on('message', (r: Reply) => this.#reply(r));
    const die = (err: Error): void => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      release(this.#queued);
      this.#queued = 0;
      for (const s of this.streams.values()) fail(s, err);
      this.streams.clear();
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`hash worker exited (code ${code})`)));
    // After the listeners: attaching a 'message' listener refs the worker again.
    this.worker.unref();
  }

  /** Posts a message the worker answers; the worker keeps the process alive while answers are due. */
  post(message: { bytes: number } & Record<string, unknown>, transfer: ArrayBuffer[] = []): void {
    if (this.#awaited++ === 0) this.worker.ref();
    this.#queued += message.bytes;
    queuedBytes += message.bytes;
    this.worker.postMessage(message, transfer);
  }

  #reply(r: Reply): void {
    if (--this.#awaited === 0) this.worker.unref();
    if (r.buffer !== undefined) recycle(r.buffer);
    this.#queued -= r.bytes;
    release(r.bytes);
    const s = this.streams.get(r.id);
    if (s === undefined) return;
    if (r.error !== undefined) {
      this.streams.delete(r.id);
      fail(s, new Error(`hashing failed: ${r.error}`));
    } else if (r.digest !== undefined) {
      this.streams.delete(r.id);
      s.done?.resolve(Buffer.from(r.digest));
    }
  }
}

function fail(s: StreamState, err: Error): void {
  s.failure ??= err;
  s.done?.reject(err);
}

const workers: HashWorker[] = [];
let nextStream = 1;
let turn = 0;

function pickWorker(): HashWorker {
  if (workers.length < WORKERS) {
    const w = new HashWorker((dead) => workers.splice(workers.indexOf(dead), 1));
    workers.push(w);
    return w;
  }
  // The worker with the fewest open streams; ties go round the pool.
  turn = (turn + 1) % workers.length;
  let best = workers[turn]!;
  for (const w of workers) if (w.streams.size < best.streams.size) best = w;
  return best;
}

/**
 * A streaming hash computed on a worker thread. `update` copies; await each update before the
 * next (they are posted in order); `digest` may be called once.
 */
export class PooledHash {
  readonly #alg: Algorithm;
  readonly #id = nextStream++;
  readonly #worker: HashWorker;
  readonly #state: StreamState = {};
  #stage: Uint8Array<ArrayBuffer> | null = null;
  #staged = 0;
  #finished = false;

  constructor(alg: Algorithm) {
    this.#alg = alg;
    this.#worker = pickWorker();
    this.#worker.streams.set(this.#id, this.#state);
  }

  /** Adds bytes; waits while the pool already holds 16 MiB of copies not yet hashed. */
  async update(data: Uint8Array): Promise<void> {
    if (this.#finished) throw new Error('digest() was already called');
    // Small pieces (a network read is often 16-64 KiB) are gathered into 1 MiB messages.
    let at = 0;
    while (at < data.length) {
      this.#stage ??= stageBuffer();
      const n = Math.min(data.length - at, STAGE_BYTES - this.#staged);
      this.#stage.set(data.subarray(at, at + n), this.#staged);
      this.#staged += n;
      at += n;
      if (this.#staged === STAGE_BYTES) await this.#flush(false);
    }
  }

  async digest(): Promise<Buffer> {
    if (this.#finished) throw new Error('digest() was already called');
    this.#finished = true;
    const result = new Promise<Buffer>((resolve, reject) => (this.#state.done = { resolve, reject }));
    result.catch(() => undefined);
    await this.#flush(true);
    return result;
  }

  /** Forgets an unfinished stream (the file it hashed failed or was abandoned); a no-op after digest(). */
  dispose(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#stage !== null) recycle(this.#stage.buffer);
    this.#stage = null;
    this.#worker.streams.delete(this.#id);
    if (!this.#worker.dead) this.#worker.worker.postMessage({ id: this.#id, drop: true });
  }

  async #flush(final: boolean): Promise<void> {
    const stage = this.#stage;
    const bytes = this.#staged;
    this.#stage = null;
    this.#staged = 0;
    if (bytes > 0) await room();
    if (this.#state.failure) throw this.#state.failure;
    if (stage === null || bytes === 0) {
      this.#worker.post({ id: this.#id, alg: this.#alg, bytes: 0, final });
      return;
    }
    this.#worker.post({ id: this.#id, alg: this.#alg, bytes, data: stage.buffer, final }, [stage.buffer]);
  }
}

/** Streaming SHA-256, inline or pooled by the expected size; both give the same digest. */
export interface StreamingHash {
  update(data: Uint8Array): Promise<void> | void;
  digest(): Promise<Buffer> | Buffer;
  dispose(): void;
}

/** A SHA-256 stream for content of about `expectedBytes`: on a worker when large, inline when small. */
export function sha256Stream(expectedBytes: number): StreamingHash {
  if (expectedBytes >= POOLED_HASH_MIN_BYTES) return new PooledHash('sha256');
  const h = new Sha256();
  return { update: (data) => void h.update(data), digest: () => h.digest(), dispose: () => undefined };
}

/**
 * The SHA-256 and length of a stream of pieces expected to total about `expectedBytes` (a file read
 * back for verification). `each` runs on every piece before it is hashed (a bandwidth limit).
 */
export async function sha256OfStream(pieces: AsyncIterable<Uint8Array>, expectedBytes: number, each?: (piece: Uint8Array) => Promise<void>): Promise<{ digest: Buffer; size: number }> {
  const hash = sha256Stream(expectedBytes);
  let size = 0;
  try {
    for await (const piece of pieces) {
      if (each) await each(piece);
      await hash.update(piece);
      size += piece.length;
    }
    return { digest: await hash.digest(), size };
  } finally {
    hash.dispose();
  }
}

/** MD5 (Content-MD5 of an upload) off the event loop for large bodies. */
export async function md5Base64Async(data: Uint8Array): Promise<string> {
  if (data.length < POOLED_HASH_MIN_BYTES) return md5Base64(data);
  const h = new PooledHash('md5');
  await h.update(data);
  return (await h.digest()).toString('base64');
}

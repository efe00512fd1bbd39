// Two worker threads for the heavy cryptography: streaming hashes, one piece's SHA-256, and
// AES-256-GCM seal and open of large records. On two cores the event loop must not spend itself
// hashing or copying into WebCrypto: a caller's bytes are copied once into a shared stage (a
// SharedArrayBuffer the worker reads in place, reused once answered), and a result comes back by
// transfer. Bytes already in shared memory (sharedBuffer) are read in place, with no copy at all:
// on this machine a 1 MiB copy costs about 90 us while the workers stream through memory. The
// worker feeds OpenSSL 64 KiB at a time, so it allocates no large buffer per call.
//
// A stream is pinned to one worker, so its pieces are hashed in order; other jobs go to the
// worker with the fewest bytes waiting. Stages posted and not yet answered are bounded to 16 MiB
// all jobs together: past that, posting waits. Workers start on first use, keep the process alive
// only while answers are due, and are replaced if one dies; the jobs and streams of a dead worker
// fail (the caller's file fails, nothing is recorded).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const QUEUED_BYTES_LIMIT = 16 << 20;
/** Below this many bytes a hash or seal runs on the calling thread: the copy and the hop cost more. */
export const WORKER_MIN_BYTES = 64 * 1024;
/** Capacity of a reusable stage: a 1 MiB chunk with its record prefix and tag, with room to spare. */
export const STAGE_BYTES = (1 << 20) + 4096;
const WORKERS = Math.max(1, Math.min(2, availableParallelism()));

// Evaluated source, so the single binary needs no file; getBuiltinModule, so it runs whether the
// parent made eval code CommonJS or a module. A key arrives as a view of shared memory its owner
// zeroes when it drops the key (AeadKey.dispose); the worker keeps no copy.
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash, createCipheriv, createDecipheriv } = process.getBuiltinModule('node:crypto');
const SLICE = 65536;
const streams = new Map();
// A stream's algorithm may name several ('md5+sha256'): each byte is read once for all of them.
function stream(m) {
  let h = streams.get(m.stream);
  if (h === undefined) { h = m.alg.split('+').map((a) => createHash(a)); streams.set(m.stream, h); }
  return h;
}
function feed(hashes, data) { for (const h of hashes) h.update(data); }
function detached(b) { return b.buffer.slice(b.byteOffset, b.byteOffset + b.length); }
// Each update answers a new buffer. Where the runtime can (ArrayBuffer.prototype.transfer, Node 21
// and later), it is given back as soon as it is copied, so the next slice reuses the same memory,
// still in cache; else the allocator hands out fresh pages until a collection frees them all, and
// zeroing and faulting those in took 2.5 times the cipher's own CPU in a profile of an import.
const giveBack = typeof ArrayBuffer.prototype.transfer === 'function'
  ? (u) => { if (u.byteOffset === 0 && u.length === u.buffer.byteLength && u.length >= 4096) u.buffer.transfer(0); }
  : () => {};
function pipe(c, input, out) {
  let at = 0;
  for (let p = 0; p < input.length; p += SLICE) { const u = c.update(input.subarray(p, p + SLICE)); out.set(u, at); at += u.length; giveBack(u); }
  return at;
}
function run(m, data) {
  switch (m.op) {
    case 'update': {
      const h = stream(m);
      if (data !== undefined) feed(h, data);
      if (!m.final) return {};
      streams.delete(m.stream);
      return { digest: detached(Buffer.concat(h.map((x) => x.digest()))) };
    }
    case 'digest':
      if (m.stream !== undefined) feed(stream(m), data);
      return { digest: detached(createHash('sha256').update(data).digest()) };
    case 'seal': {
      const c = createCipheriv('aes-256-gcm', m.key, m.nonce, { authTagLength: 16 });
      c.setAAD(m.ad);
      const out = m.into === undefined ? new Uint8Array(data.length + 16) : new Uint8Array(m.into, m.intoOffset, data.length + 16);
      const at = pipe(c, data, out);
      c.final();
      out.set(c.getAuthTag(), at);
      return m.into === undefined ? { out: out.buffer } : {};
    }
    case 'open': {
      if (data.length < 16) return { unauthenticated: true };
      const body = data.subarray(0, data.length - 16);
      const d = createDecipheriv('aes-256-gcm', m.key, m.nonce, { authTagLength: 16 });
      d.setAAD(m.ad);
      d.setAuthTag(data.subarray(data.length - 16));
      // In place: each slice's plaintext is written over the ciphertext it came from, after it was
      // read. With into, the plaintext from byte intoFrom on goes there instead (an upload's part).
      const split = m.into === undefined ? body.length : Math.min(m.intoFrom, body.length);
      const out = m.inPlace || m.into !== undefined ? body.subarray(0, split) : new Uint8Array(body.length);
      const rest = m.into === undefined ? undefined : new Uint8Array(m.into, m.intoOffset, body.length - split);
      // Plaintext not yet authenticated is never left behind, whatever fails.
      try {
        pipe(d, body.subarray(0, split), out);
        if (rest !== undefined) pipe(d, body.subarray(split), rest);
      } catch (err) { out.fill(0); rest?.fill(0); throw err; }
      try { d.final(); } catch { out.fill(0); rest?.fill(0); return { unauthenticated: true }; }
      let digest;
      if (m.digestFrom !== undefined) {
        const h = createHash('sha256');
        if (m.digestFrom < out.length) h.update(out.subarray(m.digestFrom));
        if (rest !== undefined) h.update(rest.subarray(Math.max(0, m.digestFrom - split)));
        digest = detached(h.digest());
      }
      if (m.inPlace || rest !== undefined) return digest === undefined ? {} : { digest };
      return digest === undefined ? { out: out.buffer } : { out: out.buffer, digest };
    }
  }
  throw new Error('unknown job ' + m.op);
}
parentPort.on('message', (m) => {
  if (m.op === 'drop') { streams.delete(m.stream); return; }
  let answer;
  try {
    answer = run(m, m.stage === undefined ? undefined : new Uint8Array(m.stage, m.offset, m.bytes));
  } catch (err) {
    if (m.stream !== undefined) streams.delete(m.stream);
    answer = { error: String(err && err.message || err) };
  }
  answer.id = m.id;
  parentPort.postMessage(answer, answer.out === undefined ? [] : [answer.out]);
});
`;

/** What a worker answers. */
export interface Answer {
  readonly digest?: ArrayBuffer;
  readonly out?: ArrayBuffer;
  readonly unauthenticated?: boolean;
  readonly error?: string;
}

export type Job =
  | { readonly op: 'update'; readonly stream: number; readonly alg: string; readonly final: boolean }
  | { readonly op: 'digest'; readonly stream?: number; readonly alg?: string }
  | {
      readonly op: 'seal';
      readonly key: Uint8Array;
      readonly nonce: Uint8Array;
      readonly ad: Uint8Array;
      /** Shared memory the sealed bytes are written into, instead of a new buffer sent back. */
      readonly into?: SharedArrayBuffer;
      readonly intoOffset?: number;
    }
  | {
      readonly op: 'open';
      readonly key: Uint8Array;
      readonly nonce: Uint8Array;
      readonly ad: Uint8Array;
      readonly digestFrom?: number;
      /** Write the plaintext over the ciphertext (input in shared memory), instead of a new buffer sent back. */
      readonly inPlace?: boolean;
      /**
       * Shared memory the plaintext from byte `intoFrom` on is written into (the bytes before it go
       * over the ciphertext, which must be in shared memory), instead of a new buffer sent back.
       */
      readonly into?: SharedArrayBuffer;
      readonly intoOffset?: number;
      readonly intoFrom?: number;
    };

/** A SharedArrayBuffer a job's input is copied into; the worker reads it in place. */
export interface Stage {
  readonly view: Uint8Array<SharedArrayBuffer>;
  filled: number;
}

// Bytes posted to the workers and not yet answered, all jobs together.
let queuedBytes = 0;
const waitingForRoom: Array<() => void> = [];
// Shared buffers no one uses, by size: STAGE_BYTES for stages and chunks, larger ones for upload
// parts. `made` tells the pool's buffers from others (ignored when given back); `spare` guards
// against a buffer returned twice, which would hand one buffer to two users.
const SPARE_LIMIT = 32;
const SPARE_LARGE_BYTES = 128 * 1024 * 1024;
const spareBySize = new Map<number, SharedArrayBuffer[]>();
let spareLargeBytes = 0;
const made = new WeakSet<SharedArrayBuffer>();
const spare = new WeakSet<SharedArrayBuffer>();

/** Bytes of copies posted to the workers and not yet answered (for tests and metrics). */
export function cryptoWorkersQueuedBytes(): number {
  return queuedBytes;
}

function acquireShared(bytes: number): SharedArrayBuffer {
  const size = Math.max(bytes, STAGE_BYTES);
  const sab = spareBySize.get(size)?.pop();
  if (sab === undefined) {
    const fresh = new SharedArrayBuffer(size);
    made.add(fresh);
    return fresh;
  }
  spare.delete(sab);
  if (size > STAGE_BYTES) spareLargeBytes -= size;
  return sab;
}

function releaseShared(sab: SharedArrayBuffer): void {
  if (!made.has(sab)) return;
  if (spare.has(sab)) throw new Error('a shared buffer was released twice');
  const size = sab.byteLength;
  if (size > STAGE_BYTES && spareLargeBytes + size > SPARE_LARGE_BYTES) {
    // Spares of other large sizes (a big record, another file's part size) give way to this one.
    for (const [other, list] of spareBySize) {
      if (other === STAGE_BYTES || other === size) continue;
      for (const sab of list) spare.delete(sab);
      spareLargeBytes -= other * list.length;
      spareBySize.delete(other);
    }
  }
  const list = spareBySize.get(size) ?? [];
  if (size === STAGE_BYTES ? list.length >= SPARE_LIMIT : spareLargeBytes + size > SPARE_LARGE_BYTES) return;
  if (size > STAGE_BYTES) spareLargeBytes += size;
  spare.add(sab);
  list.push(sab);
  spareBySize.set(size, list);
}

/** A stage for at least `bytes`: a reused one when it fits, a new one of that size otherwise. */
export function acquireStage(bytes = STAGE_BYTES): Stage {
  return { view: new Uint8Array(acquireShared(bytes)), filled: 0 };
}

/** Returns a stage no job is using any more. */
export function releaseStage(stage: Stage): void {
  releaseShared(stage.view.buffer);
}

/**
 * A Buffer of `size` bytes in shared memory, which the workers read in place: a journal chunk is
 * read into one, hashed and sealed without a copy. Reused buffers come from the pool, by capacity
 * (at least `size`; STAGE_BYTES at least): buffers of one capacity, such as an upload's parts,
 * are reused for one another. Return one with `releaseSharedBuffer` once no job and no reader
 * needs it, or drop it for the collector.
 */
export function sharedBuffer(size: number, capacity = size): Buffer {
  return Buffer.from(acquireShared(Math.max(size, capacity)), 0, size);
}

/** Gives back a buffer from sharedBuffer. It must not be used again. */
export function releaseSharedBuffer(buf: Buffer): void {
  if (buf.buffer instanceof SharedArrayBuffer) releaseShared(buf.buffer);
}

function stageCopy(data: Uint8Array): Stage {
  const stage = acquireStage(data.length);
  stage.view.set(data);
  stage.filled = data.length;
  return stage;
}

function settle(bytes: number): void {
  queuedBytes -= bytes;
  if (queuedBytes < QUEUED_BYTES_LIMIT) for (const wake of waitingForRoom.splice(0)) wake();
}

async function room(): Promise<void> {
  while (queuedBytes >= QUEUED_BYTES_LIMIT) await new Promise<void>((resolve) => waitingForRoom.push(resolve));
}

interface Due {
  readonly bytes: number;
  readonly stage: Stage | undefined;
  readonly resolve: (a: Answer) => void;
  readonly reject: (e: Error) => void;
}

export class CryptoWorker {
  readonly #worker: Worker;
  readonly #due = new Map<number, Due>();
  #nextId = 1;
  #queued = 0;
  /** Streams pinned to this worker. */
  streams = 0;
  dead = false;

  constructor(onDeath: (w: CryptoWorker) => void) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, name: 'floe-crypto', execArgv: [] });
    this.#worker.on('message', (a: Answer & { id: number }) => this.#answer(a));
    const die = (err: Error): void => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      for (const d of this.#due.values()) {
        settle(d.bytes);
        d.reject(err);
      }
      this.#due.clear();
    };
    this.#worker.on('error', die);
    this.#worker.on('exit', (code) => die(new Error(`crypto worker exited (code ${code})`)));
    // After the listeners: attaching a 'message' listener refs the worker again.
    this.#worker.unref();
  }

  get queued(): number {
    return this.#queued;
  }

  /** Runs `job` on `input` (see post) and waits for the answer. */
  async run(job: Job, input?: Stage | Uint8Array): Promise<Answer> {
    return (await this.post(job, input)).answer;
  }

  /**
   * Posts `job` on `input`: a filled stage; bytes in shared memory, read in place; or other bytes,
   * copied into a reused stage once there is room. Either way the bytes must not change until the
   * answer. Waits first while 16 MiB of posted bytes are unanswered; resolves once posted, with the
   * answer to come. A stage is released when the worker answers (or dies). Jobs posted to one
   * worker are answered in order.
   */
  async post(job: Job, input?: Stage | Uint8Array): Promise<{ answer: Promise<Answer> }> {
    const bytes = input === undefined ? 0 : input instanceof Uint8Array ? input.length : input.filled;
    if (bytes > 0) await room();
    let stage: Stage | undefined;
    let shared: { buffer: SharedArrayBuffer; offset: number } | undefined;
    if (input instanceof Uint8Array) {
      if (input.buffer instanceof SharedArrayBuffer) shared = { buffer: input.buffer, offset: input.byteOffset };
      else stage = stageCopy(input);
    } else stage = input;
    if (this.dead) {
      if (stage) releaseStage(stage);
      throw new Error('crypto worker exited');
    }
    const id = this.#nextId++;
    const answer = new Promise<Answer>((resolve, reject) => this.#due.set(id, { bytes, stage, resolve, reject }));
    if (this.#due.size === 1) this.#worker.ref();
    this.#queued += bytes;
    queuedBytes += bytes;
    this.#worker.postMessage({ ...job, id, stage: shared?.buffer ?? stage?.view.buffer, offset: shared?.offset ?? 0, bytes });
    return { answer };
  }

  /** Forgets a stream's state in the worker (its owner gave up on it). */
  drop(stream: number): void {
    if (!this.dead) this.#worker.postMessage({ op: 'drop', stream });
  }

  #answer(a: Answer & { id: number }): void {
    const d = this.#due.get(a.id);
    if (d === undefined) return;
    this.#due.delete(a.id);
    if (this.#due.size === 0) this.#worker.unref();
    this.#queued -= d.bytes;
    settle(d.bytes);
    if (d.stage) releaseStage(d.stage);
    if (a.error !== undefined) d.reject(new Error(a.error));
    else d.resolve(a);
  }
}

const workers: CryptoWorker[] = [];

function spawn(): CryptoWorker {
  const w = new CryptoWorker((dead) => workers.splice(workers.indexOf(dead), 1));
  workers.push(w);
  return w;
}

/** The worker a new stream is pinned to: the one with the fewest open streams. */
export function workerForStream(): CryptoWorker {
  if (workers.length < WORKERS) return spawn();
  return workers.reduce((best, w) => (w.streams < best.streams ? w : best));
}

/** The worker for a one-off job: the one with the fewest bytes waiting. */
export function workerForJob(): CryptoWorker {
  if (workers.length < WORKERS) return spawn();
  return workers.reduce((best, w) => (w.queued < best.queued ? w : best));
}

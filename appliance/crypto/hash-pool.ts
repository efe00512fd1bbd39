// Hashing on the crypto workers (crypto-workers.ts). Two cores, one JavaScript thread: a
// whole-file SHA-256 or a part's MD5 computed inline holds the event loop for the whole buffer (MD5
// runs at about 700 MiB/s here), while the other core waits. A stream is pinned to one worker, so
// its updates are hashed in order; updates are copied (the caller keeps and reuses its buffers) into
// 1 MiB stages, posted without waiting for the answer; a failure surfaces at the next call.
import { Sha256, md5Base64, sha256 } from './hash.js';
import { WORKER_MIN_BYTES, acquireStage, releaseStage, workerForJob, workerForStream, type CryptoWorker, type Job, type Stage } from './crypto-workers.js';

export { cryptoWorkersQueuedBytes as hashPoolQueuedBytes } from './crypto-workers.js';

/** Below this many bytes a stream is hashed inline: the copy and the hop cost more than they save. */
export const POOLED_HASH_MIN_BYTES = 1 << 20;
const STREAM_STAGE_BYTES = 1 << 20;

/** 'md5+sha256' computes both in one pass; its digest is the MD5 followed by the SHA-256. */
type Algorithm = 'sha256' | 'md5' | 'md5+sha256';

let nextStream = 1;

/**
 * A streaming hash computed on a worker thread. `update` copies; await each update before the
 * next (they are posted in order); `digest` may be called once.
 */
export class PooledHash {
  readonly #alg: Algorithm;
  readonly #id = nextStream++;
  readonly #worker: CryptoWorker;
  #stage: Stage | null = null;
  #finished = false;
  #failure: Error | null = null;
  /** The last post: every post waits for the one before, so the worker sees them in call order. */
  #posted: Promise<unknown> = Promise.resolve();

  constructor(alg: Algorithm) {
    this.#alg = alg;
    this.#worker = workerForStream();
    this.#worker.streams++;
  }

  /** Adds bytes; waits while the workers already hold 16 MiB of copies not yet hashed. */
  async update(data: Uint8Array): Promise<void> {
    if (this.#finished) throw new Error('digest() was already called');
    // Small pieces (a network read is often 16-64 KiB) are gathered into 1 MiB messages.
    let at = 0;
    while (at < data.length) {
      const stage = (this.#stage ??= acquireStage());
      const n = Math.min(data.length - at, STREAM_STAGE_BYTES - stage.filled);
      stage.view.set(data.subarray(at, at + n), stage.filled);
      stage.filled += n;
      at += n;
      if (stage.filled === STREAM_STAGE_BYTES) await this.#flush(false);
    }
  }

  async updateShared(data: Uint8Array): Promise<void> {
    if (!(data.buffer instanceof SharedArrayBuffer)) return this.update(data);
    if (this.#finished) throw new Error('digest() was already called');
    this.#throwIfFailed();
    // Not awaited between: the posts keep their order.
    if (this.#stage !== null) void this.#flush(false).catch(() => undefined);
    const { answer } = await this.#post({ op: 'update', stream: this.#id, alg: this.#alg, final: false }, data);
    try {
      await answer;
    } catch (err) {
      this.#failure ??= new Error(`hashing failed: ${(err as Error).message}`);
      throw this.#failure;
    }
  }

  /**
   * Adds `data` to the stream and returns the SHA-256 of `data` alone, in one pass of one copy
   * (a journal chunk: its own id and its part of the whole-file hash). SHA-256 streams only.
   * `data` is copied when there is room, so it must not change until the promise settles.
   */
  async updateAndDigest(data: Uint8Array): Promise<Buffer> {
    if (this.#finished) throw new Error('digest() was already called');
    if (this.#alg !== 'sha256') throw new Error('updateAndDigest needs a SHA-256 stream');
    this.#throwIfFailed();
    // Not awaited between: the posts keep their order.
    if (this.#stage !== null) void this.#flush(false).catch(() => undefined);
    const posted = this.#post({ op: 'digest', stream: this.#id, alg: this.#alg }, data);
    const answer = await (await posted).answer;
    return Buffer.from(answer.digest!);
  }

  async digest(): Promise<Buffer> {
    if (this.#finished) throw new Error('digest() was already called');
    const answer = await this.#flush(true);
    this.#finished = true;
    this.#worker.streams--;
    try {
      return Buffer.from((await answer).digest!);
    } catch (err) {
      throw this.#failure ?? err;
    }
  }

  /** Forgets an unfinished stream (the file it hashed failed or was abandoned); a no-op after digest(). */
  dispose(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#worker.streams--;
    if (this.#stage !== null) releaseStage(this.#stage);
    this.#stage = null;
    // After any post still on its way, so the worker does not open the stream again.
    void this.#posted.then(() => this.#worker.drop(this.#id));
  }

  async #flush(final: boolean): Promise<ReturnType<CryptoWorker['run']>> {
    const stage = this.#stage ?? undefined;
    this.#stage = null;
    this.#throwIfFailed();
    const posted = await this.#post({ op: 'update', stream: this.#id, alg: this.#alg, final }, stage);
    posted.answer.catch((err: Error) => (this.#failure ??= new Error(`hashing failed: ${err.message}`)));
    return posted.answer;
  }

  #post(job: Job, stage?: Stage | Uint8Array): ReturnType<CryptoWorker['post']> {
    const posted = this.#posted.then(() => this.#worker.post(job, stage));
    this.#posted = posted.catch(() => undefined);
    return posted;
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure;
  }
}

/** SHA-256 of a buffer, on a crypto worker when large (inline when small), so it overlaps other work. */
export async function sha256Async(data: Uint8Array): Promise<Buffer> {
  if (data.length < WORKER_MIN_BYTES) return sha256(data);
  const answer = await workerForJob().run({ op: 'digest' }, data);
  return Buffer.from(answer.digest!);
}

/** Streaming SHA-256, inline or pooled by the expected size; both give the same digest. */
export interface StreamingHash {
  update(data: Uint8Array): Promise<void> | void;
  /**
   * update() that reads bytes in shared memory in place instead of copying them: they must not
   * change until it settles, and may be reused after. Other bytes are copied as update() does.
   */
  updateShared(data: Uint8Array): Promise<void> | void;
  /** Adds `data` and returns the SHA-256 of `data` alone. */
  updateAndDigest(data: Uint8Array): Promise<Buffer> | Buffer;
  digest(): Promise<Buffer> | Buffer;
  dispose(): void;
}

/** A SHA-256 stream for content of about `expectedBytes`: on a worker when large, inline when small. */
export function sha256Stream(expectedBytes: number): StreamingHash {
  if (expectedBytes >= POOLED_HASH_MIN_BYTES) return new PooledHash('sha256');
  return new InlineSha256();
}

/**
 * A SHA-256 stream on the calling thread. A file of one chunk is hashed once, not twice: its first
 * piece's digest is the whole digest unless more follows, so that piece is kept (a copy: the
 * caller may reuse its buffer) and hashed into the stream only when more comes.
 */
class InlineSha256 implements StreamingHash {
  readonly #h = new Sha256();
  #first: { data: Buffer; digest: Buffer } | null = null;
  #empty = true;

  update(data: Uint8Array): void {
    this.#spill();
    this.#h.update(data);
    this.#empty = false;
  }

  updateShared(data: Uint8Array): void {
    this.update(data);
  }

  updateAndDigest(data: Uint8Array): Buffer {
    const digest = sha256(data);
    if (this.#empty) this.#first = { data: Buffer.from(data), digest };
    else {
      this.#spill();
      this.#h.update(data);
    }
    this.#empty = false;
    return digest;
  }

  digest(): Buffer {
    if (this.#first !== null) return this.#first.digest;
    return this.#h.digest();
  }

  dispose(): void {
    this.#first = null;
  }

  #spill(): void {
    if (this.#first === null) return;
    this.#h.update(this.#first.data);
    this.#first = null;
  }
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

/**
 * The MD5 and the SHA-256 of an upload's body, read once (Content-MD5, and the payload hash SigV4
 * signs, which the SDK would otherwise compute on the event loop); on a worker when large.
 */
export async function md5AndSha256Async(data: Uint8Array): Promise<{ md5Base64: string; sha256Hex: string }> {
  if (data.length < POOLED_HASH_MIN_BYTES) return { md5Base64: md5Base64(data), sha256Hex: sha256(data).toString('hex') };
  const d = await pooledDigest('md5+sha256', data);
  return { md5Base64: d.subarray(0, 16).toString('base64'), sha256Hex: d.subarray(16).toString('hex') };
}

/** MD5 (Content-MD5 of an upload) off the event loop for large bodies. */
export async function md5Base64Async(data: Uint8Array): Promise<string> {
  if (data.length < POOLED_HASH_MIN_BYTES) return md5Base64(data);
  return (await pooledDigest('md5', data)).toString('base64');
}

async function pooledDigest(alg: Algorithm, data: Uint8Array): Promise<Buffer> {
  const h = new PooledHash(alg);
  await h.update(data);
  return h.digest();
}

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { WORKER_MIN_BYTES, workerForJob, type Answer, type Job } from './crypto-workers.js';
import { UnauthenticatedError } from './errors.js';
import { sha256 } from './hash.js';
import type { SecretKey } from './secret-key.js';

/** AES-256-GCM (NIST SP 800-38D): 96-bit nonces, 128-bit tags appended to the ciphertext. */
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
const ALGORITHM = 'aes-256-gcm';

/**
 * An AEAD key. The synchronous calls run on the calling thread; the async ones run on a crypto
 * worker (crypto-workers.ts) so that encryption overlaps hashing and I/O on a two-core device,
 * except under WORKER_MIN_BYTES, where the hop costs more than it saves.
 * Callers are responsible for nonce uniqueness (docs/journal-format.md, "Nonces").
 */
export class AeadKey {
  readonly #key: SecretKey;
  /**
   * The key in shared memory, for the crypto workers: a message carries a reference to it, not a
   * copy (a copied key would linger in freed message buffers), and dispose() zeroes it for every
   * thread at once.
   */
  #shared: Uint8Array<SharedArrayBuffer> | null = null;
  /** Jobs on the crypto workers that read #shared and are not answered yet. */
  #onWorkers = 0;

  constructor(key: SecretKey) {
    if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
    this.#key = key;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, additionalData: Uint8Array): Buffer {
    checkNonce(nonce);
    const c = createCipheriv(ALGORITHM, this.#key.bytes, nonce, { authTagLength: TAG_LENGTH });
    c.setAAD(additionalData);
    const head = c.update(plaintext);
    const tail = c.final();
    return Buffer.concat([head, tail, c.getAuthTag()]);
  }

  open(nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array): Buffer {
    checkNonce(nonce);
    if (sealed.length < TAG_LENGTH) throw new UnauthenticatedError('ciphertext shorter than its tag');
    const body = sealed.subarray(0, sealed.length - TAG_LENGTH);
    const tag = sealed.subarray(sealed.length - TAG_LENGTH);
    const d = createDecipheriv(ALGORITHM, this.#key.bytes, nonce, { authTagLength: TAG_LENGTH });
    d.setAAD(additionalData);
    d.setAuthTag(tag);
    const head = d.update(body);
    try {
      // GCM is a stream mode: final() only checks the tag and adds no bytes, so head is the
      // whole plaintext (no copy of it into a new buffer).
      const tail = d.final();
      return tail.length === 0 ? head : Buffer.concat([head, tail]);
    } catch {
      head.fill(0);
      throw new UnauthenticatedError();
    }
  }

  /**
   * Seals on a crypto worker. With `into` (shared memory of at least plaintext + tag bytes, see
   * sharedBuffer), the worker writes the sealed bytes there and the result is a view of it: no
   * new buffer per record. Small inputs are sealed inline into a new buffer either way.
   */
  async sealAsync(nonce: Uint8Array, plaintext: Uint8Array, additionalData: Uint8Array, into?: Buffer): Promise<Buffer> {
    if (plaintext.length < WORKER_MIN_BYTES) return this.seal(nonce, plaintext, additionalData);
    checkNonce(nonce);
    const length = plaintext.length + TAG_LENGTH;
    const shared = into !== undefined && into.buffer instanceof SharedArrayBuffer && into.length >= length ? into : undefined;
    const job = { op: 'seal', nonce: exact(nonce), ad: exact(additionalData) } as const;
    if (shared === undefined) return Buffer.from((await this.#onWorker(job, plaintext)).out!);
    await this.#onWorker({ ...job, into: shared.buffer as SharedArrayBuffer, intoOffset: shared.byteOffset }, plaintext);
    return shared.subarray(0, length);
  }

  async openAsync(nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array): Promise<Buffer> {
    return (await this.#openOnWorker(nonce, sealed, additionalData)).plaintext;
  }

  /**
   * Opens `sealed` and returns the SHA-256 of the plaintext from byte `digestFrom` on, computed in
   * the same pass (a journal chunk's check against its id). With `inPlace`, large bytes in shared
   * memory are decrypted over themselves: the plaintext is then a view of `sealed` (no new buffer
   * per record), and a failed open leaves zeros there; other inputs are opened into a new buffer.
   */
  async openAndDigestAsync(nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array, digestFrom: number, inPlace = false): Promise<{ plaintext: Buffer; digest: Buffer }> {
    const opened = await this.#openOnWorker(nonce, sealed, additionalData, digestFrom, inPlace && sealed.buffer instanceof SharedArrayBuffer);
    return { plaintext: opened.plaintext, digest: opened.digest ?? sha256(opened.plaintext.subarray(digestFrom)) };
  }

  /**
   * Opens `sealed` (large, in shared memory) writing its plaintext from byte `from` on into `into`
   * (shared memory of exactly that many bytes: a range of an upload's part) and the bytes before it
   * over `sealed`, with the SHA-256 of the plaintext from `from` on, in one pass on a worker: no
   * copy of the plaintext afterwards. Other inputs are opened as openAndDigestAsync does and copied.
   * A failed open may leave zeros in `into`.
   */
  async openIntoAsync(nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array, from: number, into: Buffer): Promise<{ head: Buffer; digest: Buffer }> {
    const bodyLength = sealed.length - TAG_LENGTH;
    if (bodyLength - from !== into.length) throw new RangeError(`the plaintext after byte ${from} is ${bodyLength - from} bytes, the target ${into.length}`);
    if (sealed.length < WORKER_MIN_BYTES || !(sealed.buffer instanceof SharedArrayBuffer) || !(into.buffer instanceof SharedArrayBuffer)) {
      const { plaintext, digest } = await this.openAndDigestAsync(nonce, sealed, additionalData, from);
      plaintext.copy(into, 0, from);
      return { head: plaintext.subarray(0, from), digest };
    }
    checkNonce(nonce);
    const job = { op: 'open', nonce: exact(nonce), ad: exact(additionalData), digestFrom: from, into: into.buffer as SharedArrayBuffer, intoOffset: into.byteOffset, intoFrom: from } as const;
    const answer = await this.#onWorker(job, sealed);
    if (answer.unauthenticated) throw new UnauthenticatedError();
    return { head: Buffer.from(sealed.buffer, sealed.byteOffset, from), digest: Buffer.from(answer.digest!) };
  }

  async #openOnWorker(nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array, digestFrom?: number, inPlace = false): Promise<{ plaintext: Buffer; digest?: Buffer }> {
    if (sealed.length < WORKER_MIN_BYTES) return { plaintext: this.open(nonce, sealed, additionalData) };
    checkNonce(nonce);
    const answer = await this.#onWorker({ op: 'open', nonce: exact(nonce), ad: exact(additionalData), digestFrom, inPlace }, sealed);
    if (answer.unauthenticated) throw new UnauthenticatedError();
    const plaintext = inPlace ? Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length - TAG_LENGTH) : Buffer.from(answer.out!);
    return { plaintext, digest: answer.digest === undefined ? undefined : Buffer.from(answer.digest) };
  }

  /**
   * Runs a seal or open on a crypto worker with this key. The worker reads the key from shared
   * memory, so it must stay intact until every such job is answered: dispose() zeroes it then.
   */
  async #onWorker(job: DistributiveOmit<KeyedJob, 'key'>, input: Uint8Array): Promise<Answer> {
    if (this.#key.disposed) throw new Error('secret key was disposed');
    if (this.#shared === null) {
      this.#shared = new Uint8Array(new SharedArrayBuffer(this.#key.length));
      this.#shared.set(this.#key.bytes);
    }
    this.#onWorkers++;
    try {
      return await workerForJob().run({ ...job, key: this.#shared } as KeyedJob, input);
    } finally {
      if (--this.#onWorkers === 0 && this.#key.disposed) this.#zeroShared();
    }
  }

  /** Drops the key: the raw bytes are zeroed now, the workers' shared copy once no job uses it. */
  dispose(): void {
    this.#key.dispose();
    if (this.#onWorkers === 0) this.#zeroShared();
  }

  #zeroShared(): void {
    this.#shared?.fill(0);
    this.#shared = null;
  }
}

type KeyedJob = Extract<Job, { op: 'seal' | 'open' }>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/**
 * A view that spans its whole buffer, for a message: posting a view copies its entire buffer, and a
 * small Buffer is often a slice of Node's shared 8 KiB pool.
 */
function exact(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : new Uint8Array(view);
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_LENGTH) throw new RangeError(`AES-GCM nonce must be ${NONCE_LENGTH} bytes`);
}

// How a pool of workers takes the files of one plan class (transfer-engine.ts: the transfer's pools
// and verification's): in order, one pull from the plan at a time, a batch at a time; for a
// transfer, the next batch got ready (Journal.prefetch: chunk locations in one index call, frames
// read in runs) while the workers send the current one. So at most two batches are ahead of the
// workers, however long the class.
import type { FileEntry } from '../journal/file-entry.js';

/**
 * Small files got ready together ahead of their transfer. Everything got ready lives until its
 * file is sent, through a young-generation GC or two: 256 files ahead left a third more for each
 * scavenge to copy than 64 (docs/benchmarks/import.md).
 */
export const PREFETCH_BATCH = 64;

interface Batch<T> {
  readonly items: T[];
  /** Settles when the batch's chunks are got ready (never rejects: the prefetch is only a shortcut). */
  readonly ready: Promise<unknown>;
  next: number;
}

export class PlanFeed<T extends { readonly entry: FileEntry }> {
  readonly #files: AsyncIterator<T>;
  readonly #prefetch: ((entries: FileEntry[]) => Promise<unknown>) | undefined;
  #current: Batch<T> | undefined;
  #ahead: Promise<Batch<T> | undefined> | undefined;
  #exhausted = false;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(files: AsyncIterable<T>, prefetch?: (entries: FileEntry[]) => Promise<unknown>) {
    this.#files = files[Symbol.asyncIterator]();
    this.#prefetch = prefetch;
  }

  /** The next file and the promise of its batch being ready; undefined once the class is done. */
  take(): Promise<{ item: T; ready: Promise<unknown> } | undefined> {
    const taken = this.#chain.then(() => this.#take());
    this.#chain = taken.catch(() => undefined);
    return taken;
  }

  /** Stops reading the plan (after a failure or at the end) and lets a prefetch under way settle. */
  async close(): Promise<void> {
    this.#exhausted = true;
    await this.#chain;
    const ahead = await this.#ahead?.catch(() => undefined);
    await Promise.all([this.#current?.ready, ahead?.ready]);
    await this.#files.return?.();
  }

  async #take(): Promise<{ item: T; ready: Promise<unknown> } | undefined> {
    if (this.#current === undefined || this.#current.next >= this.#current.items.length) {
      const ahead = this.#ahead;
      this.#ahead = undefined;
      this.#current = await (ahead ?? this.#load());
      if (this.#current === undefined) return undefined;
    }
    // The next batch is got ready while this one is sent.
    if (this.#ahead === undefined && !this.#exhausted) {
      this.#ahead = this.#load();
      this.#ahead.catch(() => undefined); // a failure shows when the batch is taken
    }
    const batch = this.#current;
    return { item: batch.items[batch.next++]!, ready: batch.ready };
  }

  async #load(): Promise<Batch<T> | undefined> {
    const items: T[] = [];
    while (!this.#exhausted && items.length < PREFETCH_BATCH) {
      const next = await this.#files.next();
      if (next.done === true) this.#exhausted = true;
      else items.push(next.value);
    }
    if (items.length === 0) return undefined;
    const ready = this.#prefetch === undefined ? Promise.resolve() : this.#prefetch(items.map((i) => i.entry)).catch(() => undefined);
    return { items, ready, next: 0 };
  }
}

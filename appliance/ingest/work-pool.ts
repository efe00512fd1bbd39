// Bounded concurrency for the ingest engine: a pool that runs a function over items with at most
// `limit` in flight, and a counting semaphore (large files take one of a few slots so that many
// deep read pipelines do not pile up in memory).

export class Semaphore {
  #free: number;
  readonly #waiters: Array<() => void> = [];

  constructor(slots: number) {
    this.#free = slots;
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiters.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/**
 * Runs `fn` over `items`, at most `limit` at once, in order of the items. The first error stops
 * new work; it is thrown once the work in flight has settled.
 */
export async function forEachConcurrent<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (failure !== undefined) return;
      const next = iterator.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failure !== undefined) throw failure.error;
}

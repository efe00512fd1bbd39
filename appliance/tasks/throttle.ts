// A token bucket for the BytesPerSecond option, shared by every stream of an execution.
//
// DataSync: "BytesPerSecond ... Limits the bandwidth used by a DataSync task ... Valid Range:
// Minimum value of -1" (-1: no limit), and UpdateTaskExecution changes it on a running execution.
// floe applies a new rate to the very next bytes: a taker already waiting is re-planned at once.
//
// Semantics:
// - The bucket holds at most `burstBytes` (default: one second at the current rate) while nobody
//   waits; a take that fits is granted at once.
// - Takers are served first come, first served. The taker at the head absorbs tokens as they
//   arrive, so a take larger than the bucket still completes, at exactly the rate, and a stream
//   that takes chunk after chunk goes back to the end of the line each time: concurrent streams
//   interleave chunk by chunk.
// - Token arithmetic is integral (milli-bytes: bytes x 1000, refilled at `rate` per millisecond),
//   so waits under a ManualClock are exact.

import { FloeError } from '../errors.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { parseBytesPerSecond, UNLIMITED_BYTES_PER_SECOND } from './options.js';

export interface ThrottleOptions {
  /** -1 for no limit, else bytes per second. */
  readonly bytesPerSecond: number;
  /** Bucket size in bytes; default one second's worth at the current rate. */
  readonly burstBytes?: number;
  readonly clock?: Clock;
}

interface Waiter {
  remainingMilli: number;
  absorbedMilli: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly detach: () => void;
}

export class Throttle {
  private rateValue: number;
  private readonly burstBytes: number | undefined;
  private readonly clock: Clock;
  private tokensMilli: number;
  private lastRefill: number;
  private readonly queue: Waiter[] = [];
  private timer: TimerHandle | undefined;

  constructor(options: ThrottleOptions) {
    this.rateValue = parseBytesPerSecond(options.bytesPerSecond);
    if (options.burstBytes !== undefined && (!Number.isSafeInteger(options.burstBytes) || options.burstBytes < 1)) {
      throw new FloeError('INVALID_ARGUMENT', `burstBytes must be a positive whole number; got ${options.burstBytes}`, {
        details: { field: 'burstBytes' },
      });
    }
    this.burstBytes = options.burstBytes;
    this.clock = options.clock ?? systemClock;
    this.lastRefill = this.clock.now();
    this.tokensMilli = this.capacityMilli();
  }

  /** The current limit: -1 (none) or bytes per second. */
  get bytesPerSecond(): number {
    return this.rateValue;
  }

  /** How many takers are waiting. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Changes the limit; the next bytes granted, including those of current waiters, use it. */
  setRate(bytesPerSecond: number): void {
    const rate = parseBytesPerSecond(bytesPerSecond);
    const wasUnlimited = this.rateValue === UNLIMITED_BYTES_PER_SECOND;
    this.refill();
    this.rateValue = rate;
    if (wasUnlimited) this.tokensMilli = this.capacityMilli();
    else this.tokensMilli = Math.min(this.tokensMilli, this.queue.length > 0 ? Infinity : this.capacityMilli());
    this.pump();
  }

  /**
   * Waits until `bytes` may be sent. Rejects with CANCELLED if `signal` aborts first; bytes the
   * cancelled taker had absorbed go back to the bucket.
   */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      return Promise.reject(new FloeError('INVALID_ARGUMENT', `take() needs a whole number of bytes >= 0; got ${bytes}`, { details: { field: 'bytes' } }));
    }
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    if (bytes === 0 || this.rateValue === UNLIMITED_BYTES_PER_SECOND) return Promise.resolve();
    this.refill();
    const needMilli = bytes * 1000;
    if (this.queue.length === 0 && this.tokensMilli >= needMilli) {
      this.tokensMilli -= needMilli;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => this.abandon(waiter, signal as AbortSignal);
      const waiter: Waiter = {
        remainingMilli: needMilli,
        absorbedMilli: 0,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      if (this.queue.length === 1) this.pump();
    });
  }

  private capacityMilli(): number {
    return (this.burstBytes ?? Math.max(1, this.rateValue)) * 1000;
  }

  /** Adds the tokens earned since the last refill; the cap applies only while nobody waits. */
  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.lastRefill);
    this.lastRefill = now;
    if (this.rateValue === UNLIMITED_BYTES_PER_SECOND) return;
    this.tokensMilli += elapsed * this.rateValue;
    if (this.queue.length === 0) this.tokensMilli = Math.min(this.tokensMilli, this.capacityMilli());
  }

  /** Serves the head of the line with what the bucket holds, then sleeps until it can finish. */
  private pump(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (;;) {
      const head = this.queue[0];
      if (head === undefined) return;
      if (this.rateValue === UNLIMITED_BYTES_PER_SECOND) {
        head.remainingMilli = 0;
      } else {
        const grant = Math.min(this.tokensMilli, head.remainingMilli);
        head.remainingMilli -= grant;
        head.absorbedMilli += grant;
        this.tokensMilli -= grant;
      }
      if (head.remainingMilli > 0) {
        const waitMs = Math.ceil(head.remainingMilli / this.rateValue);
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.refill();
          this.pump();
        }, waitMs);
        return;
      }
      this.queue.shift();
      head.detach();
      head.resolve();
    }
  }

  private abandon(waiter: Waiter, signal: AbortSignal): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.refill();
    this.queue.splice(index, 1);
    this.tokensMilli += waiter.absorbedMilli;
    waiter.detach();
    waiter.reject(cancelled(signal));
    if (index === 0) this.pump();
    if (this.queue.length === 0) this.tokensMilli = Math.min(this.tokensMilli, this.capacityMilli());
  }
}

function cancelled(signal: AbortSignal): FloeError {
  return new FloeError('CANCELLED', 'Throttled transfer was cancelled', { cause: signal.reason });
}

/** Passes chunks through, each one after the throttle grants its bytes. */
export async function* throttledStream<T extends Uint8Array>(source: AsyncIterable<T> | Iterable<T>, throttle: Throttle, signal?: AbortSignal): AsyncGenerator<T> {
  for await (const chunk of source) {
    await throttle.take(chunk.byteLength, signal);
    yield chunk;
  }
}

/**
 * The throttle of one execution: a bucket of one second's worth, as usual, but starting empty. A
 * full bucket at the start would let a 50 MiB/s execution begin with a 50 MiB burst (5% over on a
 * 1 GiB file); an empty one with room for a second still lets a stall (GC, a busy CPU) of up to a
 * second be made up, so the average lands on the limit.
 */
export function executionThrottle(bytesPerSecond: number, clock?: Clock): Throttle {
  const throttle = new Throttle({ bytesPerSecond, ...(clock ? { clock } : {}) });
  if (throttle.bytesPerSecond !== UNLIMITED_BYTES_PER_SECOND) void throttle.take(throttle.bytesPerSecond);
  return throttle;
}

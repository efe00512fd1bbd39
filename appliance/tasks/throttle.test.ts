import { describe, expect, it } from 'vitest';
import { FloeError } from '../errors.js';
import { ManualClock } from './clock.js';
import { Throttle, throttledStream } from './throttle.js';

/** Lets resolved promises run their continuations (no real time passes). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tracks when a promise settles, in ManualClock time. */
function watch(promise: Promise<unknown>, clock: ManualClock): { done: () => boolean; at: () => number | undefined; error: () => unknown } {
  let settledAt: number | undefined;
  let failure: unknown;
  promise.then(
    () => (settledAt = clock.now()),
    (err: unknown) => {
      settledAt = clock.now();
      failure = err;
    },
  );
  return { done: () => settledAt !== undefined, at: () => settledAt, error: () => failure };
}

async function advance(clock: ManualClock, ms: number): Promise<void> {
  clock.advance(ms);
  await flush();
}

describe('Throttle', () => {
  it('grants what the bucket holds at once, then waits exactly for the rest', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 1000, clock });
    const first = watch(t.take(1000), clock);
    await flush();
    expect(first.at()).toBe(0);
    const second = watch(t.take(500), clock);
    await advance(clock, 499);
    expect(second.done()).toBe(false);
    await advance(clock, 1);
    expect(second.at()).toBe(500);
  });

  it('completes a take larger than the bucket at exactly the rate', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 1000, clock });
    const big = watch(t.take(3500), clock);
    await advance(clock, 2499);
    expect(big.done()).toBe(false);
    await advance(clock, 1);
    expect(big.at()).toBe(2500); // 1000 from the full bucket, 2500 more at 1000 B/s
  });

  it('caps what an idle bucket saves to burstBytes', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 1000, burstBytes: 200, clock });
    await t.take(200);
    await advance(clock, 10_000);
    const p = watch(t.take(1200), clock);
    await advance(clock, 999);
    expect(p.done()).toBe(false);
    await advance(clock, 1);
    expect(p.at()).toBe(11_000);
  });

  it('shares one budget fairly: concurrent streams interleave chunk by chunk', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 100, clock });
    await t.take(100); // empty the bucket
    const received: Array<[string, number]> = [];
    const consume = async (name: string): Promise<void> => {
      const chunks = [Buffer.alloc(100, 1), Buffer.alloc(100, 2), Buffer.alloc(100, 3)];
      for await (const _chunk of throttledStream(chunks, t)) received.push([name, clock.now()]);
    };
    const a = consume('A');
    const b = consume('B');
    for (let i = 0; i < 6; i++) await advance(clock, 1000);
    await Promise.all([a, b]);
    expect(received).toEqual([
      ['A', 1000],
      ['B', 2000],
      ['A', 3000],
      ['B', 4000],
      ['A', 5000],
      ['B', 6000],
    ]);
  });

  it('applies a new rate to the bytes a waiting taker still needs', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 100, clock });
    await t.take(100);
    const p = watch(t.take(1000), clock); // 10 s at 100 B/s
    await advance(clock, 2000); // 200 bytes earned at the old rate
    t.setRate(1000); // the remaining 800 bytes at 1000 B/s: 800 ms
    expect(t.bytesPerSecond).toBe(1000);
    await advance(clock, 799);
    expect(p.done()).toBe(false);
    await advance(clock, 1);
    expect(p.at()).toBe(2800);
    expect(clock.pendingTimers).toBe(0);
  });

  it('slows a waiting taker down when the rate drops', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 1000, clock });
    await t.take(1000);
    const p = watch(t.take(1000), clock);
    await advance(clock, 500); // 500 bytes earned
    t.setRate(100); // 500 more at 100 B/s: 5 s
    await advance(clock, 4999);
    expect(p.done()).toBe(false);
    await advance(clock, 1);
    expect(p.at()).toBe(5500);
  });

  it('releases every waiter when the limit is lifted, and refills fully when one is set again', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 10, clock });
    await t.take(10);
    const p1 = watch(t.take(1_000_000), clock);
    const p2 = watch(t.take(5), clock);
    await advance(clock, 100);
    t.setRate(-1);
    await flush();
    expect([p1.at(), p2.at()]).toEqual([100, 100]);
    expect(t.waiting).toBe(0);
    await t.take(Number.MAX_SAFE_INTEGER);
    t.setRate(50);
    const p3 = watch(t.take(50), clock); // a full bucket of 50
    await flush();
    expect(p3.at()).toBe(100);
  });

  it('on abort rejects with CANCELLED and gives the time to the next taker', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 1000, clock });
    await t.take(1000);
    const controller = new AbortController();
    const a = watch(t.take(1000, controller.signal), clock);
    const b = watch(t.take(500), clock);
    await advance(clock, 300);
    controller.abort(new Error('operator stop'));
    await flush();
    expect(a.at()).toBe(300);
    expect(a.error()).toBeInstanceOf(FloeError);
    expect((a.error() as FloeError).code).toBe('CANCELLED');
    expect(((a.error() as FloeError).cause as Error).message).toBe('operator stop');
    await advance(clock, 199);
    expect(b.done()).toBe(false);
    await advance(clock, 1);
    expect(b.at()).toBe(500); // 300 bytes earned while A waited, 200 more
  });

  it('refuses an already aborted signal, bad byte counts and bad rates', async () => {
    const t = new Throttle({ bytesPerSecond: 1000, clock: new ManualClock() });
    await expect(t.take(1, AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(t.take(-1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.take(1.5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => t.setRate(0)).toThrow(
      'Option BytesPerSecond must be -1 (no limit) or a positive rate: whole bytes per second, or with a binary unit as 800K, 50M, 1.5G; got 0',
    );
    expect(() => new Throttle({ bytesPerSecond: 1000, burstBytes: 0 })).toThrow('burstBytes must be a positive whole number; got 0');
  });

  it('never waits without a limit', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: -1, clock });
    await t.take(Number.MAX_SAFE_INTEGER);
    await t.take(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('throttledStream', () => {
  it('passes every chunk through unchanged, in order', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 1000, clock });
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('abc');
      yield Buffer.from('');
      yield Buffer.from('def');
    }
    const out: Buffer[] = [];
    for await (const chunk of throttledStream(source(), t)) out.push(chunk);
    expect(Buffer.concat(out).toString()).toBe('abcdef');
    expect(out).toHaveLength(3);
  });

  it('stops with CANCELLED when the signal aborts mid-stream', async () => {
    const clock = new ManualClock();
    const t = new Throttle({ bytesPerSecond: 10, clock });
    const controller = new AbortController();
    const chunks = [Buffer.alloc(10), Buffer.alloc(10)];
    const seen: number[] = [];
    const run = (async () => {
      for await (const chunk of throttledStream(chunks, t, controller.signal)) seen.push(chunk.length);
    })();
    await flush();
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toEqual([10]);
  });
});

describe('Throttle in real time', () => {
  it('holds roughly to the rate (generous bounds)', async () => {
    const t = new Throttle({ bytesPerSecond: 1_000_000, burstBytes: 100_000 });
    const started = performance.now();
    await t.take(100_000); // from the full bucket
    await t.take(200_000); // ~200 ms
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(5000);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { executionThrottle } from './throttle.js';

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('executionThrottle', () => {
  it('starts with an empty bucket: the first second of bytes waits a second', async () => {
    const clock = new ManualClock();
    const throttle = executionThrottle(1000, clock);
    const first = throttle.take(1000);
    expect(await settled(first)).toBe(false);
    clock.advance(999);
    expect(await settled(first)).toBe(false);
    clock.advance(1);
    expect(await settled(first)).toBe(true);
  });

  it('makes up a stall of up to a second, so the average lands on the limit', async () => {
    const clock = new ManualClock();
    const throttle = executionThrottle(1000, clock);
    const first = throttle.take(1000);
    clock.advance(1000);
    await first;
    clock.advance(500); // the consumer stalled for half a second
    const second = throttle.take(1500);
    clock.advance(999);
    expect(await settled(second)).toBe(false);
    clock.advance(1);
    expect(await settled(second)).toBe(true); // 2,500 bytes in 2,500 ms
  });

  it('leaves an unlimited execution unlimited', async () => {
    const throttle = executionThrottle(-1, new ManualClock());
    expect(await settled(throttle.take(1 << 30))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { FUTURE_SLACK_NS, futureTimes } from './time-range.js';

const started = 1_796_000_000_000_000_000n; // 2026-11-30
describe('futureTimes', () => {
  it('lets times up to a day past the start through and notes later ones, naming each', () => {
    expect(futureTimes({ mtimeNs: started + FUTURE_SLACK_NS, atimeNs: -86_400n * 1_000_000_000n }, started)).toBeUndefined();
    const wrapped = (2n ** 32n - 86_400n) * 1_000_000_000n; // -86400 s sent as unsigned 32-bit seconds
    expect(futureTimes({ mtimeNs: wrapped, atimeNs: started }, started)).toEqual({
      code: 'SOURCE_TIME_OUT_OF_RANGE',
      message:
        'mtime 2106-02-06T06:28:16.000000000Z is later than the ingest started (2026-11-30T00:53:20.000000000Z): kept as the source reported it; over NFSv3 a time before 1970 on the server arrives as one after 2038, one from 2106 on as its seconds modulo 2^32 (seconds are unsigned 32-bit)',
    });
    expect(futureTimes({ mtimeNs: wrapped, atimeNs: wrapped + 1n }, started)?.message).toMatch(/^mtime 2106-02-06T06:28:16\.000000000Z, atime 2106-02-06T06:28:16\.000000001Z is later/u);
  });
});

import { describe, expect, it } from 'vitest';
import { parseStatsInterval, ProgressPrinter, statsIntervalOf, type ProgressSample } from './progress-printer.js';

const MIB = 1048576;

function fake(isTTY: boolean) {
  let t = 0;
  const out: string[] = [];
  const stream = { isTTY, write: (s: string) => out.push(s) };
  return { out, stream, now: () => t, advance: (ms: number) => (t += ms) };
}

const sample = (phase: string, mib: number, files = 0): ProgressSample => ({ phase, filesDone: files, filesTotal: 10, bytesDone: mib * MIB, bytesTotal: 100 * MIB, failed: 0 });

describe('ProgressPrinter', () => {
  it('without a TTY prints a full line every interval and at each phase change, with rate, percent and ETA', () => {
    const f = fake(false);
    const p = new ProgressPrinter({ stream: f.stream, statsIntervalMs: 2000, now: f.now });
    p.update(sample('TRANSFERRING', 0));
    f.advance(1000);
    p.update(sample('TRANSFERRING', 2, 1));
    f.advance(1000);
    p.update(sample('TRANSFERRING', 4, 2));
    f.advance(500);
    p.update({ phase: 'VERIFYING', filesDone: 3, filesTotal: 10, bytesDone: 0, bytesTotal: 0, failed: 1 });
    f.advance(500);
    p.finish({ phase: 'SUCCESS', filesDone: 10, filesTotal: 10, bytesDone: 100 * MIB, bytesTotal: 100 * MIB, failed: 1 });
    expect(f.out).toEqual([
      'TRANSFERRING  0 B / 100 MiB, 0%, -/s, ETA -; files 0/10, failed 0; elapsed 0s\n',
      'TRANSFERRING  4.00 MiB / 100 MiB, 4%, 2.00 MiB/s, ETA 48s; files 2/10, failed 0; elapsed 2s\n',
      'VERIFYING  0 B / 0 B, 30%, -/s, ETA -; files 3/10, failed 1; elapsed 3s\n',
      'SUCCESS  100 MiB / 100 MiB, 100%, -/s, ETA 0s; files 10/10, failed 1; elapsed 3s\n',
    ]);
  });

  it('measures the rate over the window, not since the start', () => {
    const f = fake(false);
    const p = new ProgressPrinter({ stream: f.stream, statsIntervalMs: 1000, windowMs: 3000, now: f.now });
    for (let s = 0; s <= 10; s++) {
      // 10 MiB/s for five seconds, then 1 MiB/s
      p.update(sample('TRANSFERRING', s <= 5 ? s * 10 : 50 + (s - 5)));
      f.advance(1000);
    }
    expect(f.out.at(-1)).toBe('TRANSFERRING  55.0 MiB / 100 MiB, 55%, 1.00 MiB/s, ETA 45s; files 0/10, failed 0; elapsed 10s\n');
  });

  it('in a TTY redraws one line in place and puts the summary on its own line', () => {
    const f = fake(true);
    const p = new ProgressPrinter({ stream: f.stream, now: f.now });
    p.update(sample('TRANSFERRING', 0));
    f.advance(1000);
    p.update(sample('TRANSFERRING', 10));
    f.advance(1000);
    p.finish(sample('SUCCESS', 100, 10));
    expect(f.out).toEqual([
      '\rTRANSFERRING  0 B / 100 MiB, 0%, -/s, ETA -; files 0/10, failed 0; elapsed 0s\x1b[K',
      '\rTRANSFERRING  10.0 MiB / 100 MiB, 10%, 10.0 MiB/s, ETA 9s; files 0/10, failed 0; elapsed 1s\x1b[K',
      '\r\x1b[K',
      'SUCCESS  100 MiB / 100 MiB, 100%, -/s, ETA 0s; files 10/10, failed 0; elapsed 2s\n',
    ]);
    expect(f.out.join('').endsWith('\n')).toBe(true);
  });

  it('with --json writes one object per line, the final figures last', () => {
    const f = fake(true);
    const p = new ProgressPrinter({ stream: f.stream, json: true, statsIntervalMs: 1000, now: f.now });
    p.update(sample('TRANSFERRING', 0));
    f.advance(1000);
    p.update(sample('TRANSFERRING', 25));
    p.finish(sample('SUCCESS', 100, 10));
    const lines = f.out.join('').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toEqual({ type: 'progress', phase: 'TRANSFERRING', filesDone: 0, filesTotal: 10, bytesDone: 25 * MIB, bytesTotal: 100 * MIB, filesFailed: 0, bytesPerSecond: 25 * MIB, percent: 25, etaSeconds: 3, elapsedSeconds: 1 });
    expect(lines[2]).toMatchObject({ phase: 'SUCCESS', percent: 100, etaSeconds: 0 });
  });

  it('reads --stats durations', () => {
    expect([parseStatsInterval('200ms'), parseStatsInterval('5s'), parseStatsInterval('1m'), parseStatsInterval('750'), parseStatsInterval('x'), parseStatsInterval('0s')]).toEqual([200, 5000, 60000, 750, undefined, undefined]);
  });

  it('refuses a --stats value that is no duration instead of falling back to the default', () => {
    expect(statsIntervalOf(undefined)).toBe(5000);
    expect(statsIntervalOf('2s')).toBe(2000);
    expect(() => statsIntervalOf('5 sec')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: '--stats takes a duration such as 200ms, 5s or 1m, not "5 sec"' }));
  });
});

import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatLimit, formatNsTime, parseBandwidth } from './units.js';

describe('units', () => {
  it('prints bytes, rates, limits and durations as a person reads them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(50 * 1024 ** 2)).toBe('50.0 MiB');
    expect(formatBytes(300 * 1024 ** 3)).toBe('300 GiB');
    expect(formatLimit(-1)).toBe('unlimited');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(3599)).toBe('59m59s');
    expect(formatDuration(7322)).toBe('2h02m');
  });

  it('reads bandwidths typed with binary units, and off', () => {
    expect(parseBandwidth('50M')).toBe(50 * 1024 ** 2);
    expect(parseBandwidth('50MiB/s')).toBe(50 * 1024 ** 2);
    expect(parseBandwidth('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseBandwidth('800k')).toBe(800 * 1024);
    expect(parseBandwidth('1048576')).toBe(1048576);
    expect(parseBandwidth('off')).toBe(-1);
    expect(parseBandwidth('-1')).toBe(-1);
    expect(parseBandwidth('fast')).toBeUndefined();
    expect(parseBandwidth('0')).toBeUndefined();
  });

  it('formats nanosecond times with all nine digits, before 1970 and after 2106 too', () => {
    expect(formatNsTime(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(formatNsTime(4_294_967_296_123_456_789n)).toBe('2106-02-07T06:28:16.123456789Z');
    expect(formatNsTime(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatNsTime(-86_400_500_000_000n)).toBe('1969-12-30T23:59:59.500000000Z');
    expect(formatNsTime(7_258_118_400_000_000_001n)).toBe('2200-01-01T00:00:00.000000001Z');
  });
});

import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatLimit, parseBandwidth } from './units.js';

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
});

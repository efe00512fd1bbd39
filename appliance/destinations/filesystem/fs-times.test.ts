import { lstat, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sameTime, truncateTime } from '../time-precision.js';
import { probeTimePrecision, setTimes, setTimesWithoutHelper } from './fs-times.js';
import { stopSyscallHelper, timespec, utimensat } from '../../os/syscall-helper.js';

const dir = await mkdtemp(join(tmpdir(), 'floe-fs-times-unit-'));
afterAll(async () => {
  stopSyscallHelper();
  await rm(dir, { recursive: true, force: true });
});

async function timesOf(path: string): Promise<[bigint, bigint]> {
  const st = await lstat(path, { bigint: true });
  return [st.atimeNs, st.mtimeNs];
}

describe('times', () => {
  it('timespec keeps tv_nsec in [0, 1e9) before 1970', () => {
    expect(timespec(1_700_000_000_123_456_789n)).toEqual([1_700_000_000n, 123_456_789n]);
    expect(timespec(-1n)).toEqual([-1n, 999_999_999n]);
    expect(timespec(-1_000_000_000n)).toEqual([-1n, 0n]);
  });

  it('truncateTime floors, also before 1970; sameTime compares at a unit', () => {
    expect(truncateTime(1_234_567n, 1000n)).toBe(1_234_000n);
    expect(truncateTime(-1n, 1000n)).toBe(-1000n);
    expect(truncateTime(-1000n, 1000n)).toBe(-1000n);
    expect(sameTime(1_234_000n, 1_234_567n, 1000n)).toBe(true);
    expect(sameTime(1_235_000n, 1_234_567n, 1000n)).toBe(false);
    expect(sameTime(1_234_568n, 1_234_567n, 1n)).toBe(false);
  });

  it('setTimes sets both times to the nanosecond; utimensat reports errno as a Node error', async () => {
    const path = join(dir, 'ns');
    await writeFile(path, 'x');
    await setTimes(Buffer.from(path), 4_294_967_296_999_999_999n, -86_400_000_000_001n);
    expect(await timesOf(path)).toEqual([4_294_967_296_999_999_999n, -86_400_000_000_001n]);
    await expect(utimensat(Buffer.from(join(dir, 'missing')), 1n, 1n)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'utimensat' });
  });

  it('without the helper: microseconds through libuv, before 1970 through touch', async () => {
    const path = join(dir, 'us');
    await writeFile(path, 'x');
    await setTimesWithoutHelper(Buffer.from(path), 1_600_000_000_123_456_789n, 1_700_000_000_987_654_321n);
    expect(await timesOf(path)).toEqual([1_600_000_000_123_456_000n, 1_700_000_000_987_654_000n]);
    await setTimesWithoutHelper(Buffer.from(path), -5n, -86_400_000_000_001n);
    expect(await timesOf(path)).toEqual([-5n, -86_400_000_000_001n]);
  });

  it('probes 1 ns on this file system and leaves no probe file', async () => {
    const probe = Buffer.from(join(dir, '.floe-part-time-probe-x'));
    expect(await probeTimePrecision(probe)).toBe(1n);
    await expect(lstat(probe)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

// How full a disk is, the same way on every screen and as `df` counts it (its Use% column):
// used / (used + available). "used" is what the files take (blocks - bfree), "available" what an
// unprivileged writer may still take (bavail); the blocks reserved for root count in neither, so a
// 100 GiB disk with 5 GiB reserved, 20 GiB used and 75 GiB available is 21% used, not 20% or 25%.
import { formatBytes } from './format.js';

export interface DiskUsage {
  readonly sizeBytes: number;
  readonly usedBytes: number;
  readonly availableBytes: number;
}

/**
 * A disk from what the daemon or statfs reports. Without a used figure (the daemon's dataDisk
 * gives only capacity and available) used is size - available: the reserved blocks then count
 * as used, which is df's figure whenever nothing is reserved.
 */
export function diskUsage(d: { readonly sizeBytes: number; readonly availableBytes?: number; readonly usedBytes?: number }): DiskUsage {
  const used = d.usedBytes ?? Math.max(0, d.sizeBytes - (d.availableBytes ?? 0));
  const available = d.availableBytes ?? Math.max(0, d.sizeBytes - used);
  return { sizeBytes: d.sizeBytes, usedBytes: used, availableBytes: available };
}

/** The part and the whole of df's Use%: used of used + available. */
export function dfShare(u: DiskUsage): { readonly used: number; readonly total: number } {
  return { used: u.usedBytes, total: u.usedBytes + u.availableBytes };
}

/** "2.00 TiB used, 12.0 TiB available of 14.0 TiB". */
export function diskUsageText(u: DiskUsage): string {
  return `${formatBytes(u.usedBytes)} used, ${formatBytes(u.availableBytes)} available of ${formatBytes(u.sizeBytes)}`;
}

/** The note that says how the percentage is counted. */
export const DF_NOTE = 'Use% as df counts it: used / (used + available)';

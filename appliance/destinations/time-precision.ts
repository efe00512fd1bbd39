// Times compared at the precision a destination keeps (DestinationCapabilities.timePrecisionNs).
/** floor(ns / unit) * unit: a time cut to a unit, also before 1970. */
export function truncateTime(ns: bigint, unit: bigint): bigint {
  const q = ns / unit;
  return (ns % unit < 0n ? q - 1n : q) * unit;
}

/** Whether a time the file system reports is the journal's time as a file system keeping `unitNs` stores it. */
export function sameTime(held: bigint, journal: bigint, unitNs: bigint): boolean {
  return held === journal || truncateTime(held, unitNs) === truncateTime(journal, unitNs);
}

/** A time as a destination that holds only `range` (seconds) stores it: the nearest end when outside. */
export function heldTime(ns: bigint, range: readonly [number, number] | undefined): bigint {
  if (range === undefined) return ns;
  const low = BigInt(range[0]) * 1_000_000_000n;
  const high = BigInt(range[1]) * 1_000_000_000n + 999_999_999n;
  return ns < low ? low : ns > high ? high : ns;
}

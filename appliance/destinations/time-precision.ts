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

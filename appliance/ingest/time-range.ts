// Times a source reports that cannot be what the file really holds: later than the ingest's own
// clock. NFSv3 carries seconds as an unsigned 32-bit number (RFC 1813 §2.5, nfstime3), so a time
// before 1970 on the server arrives as one between 2038 and 2106, and one from 2106 on as its
// seconds modulo 2^32 (nfs-ganesha: 2200 as 2063, noted here; 2^32 s as 1970, which nothing can
// tell from a real time, docs/ingest.md); a local file system reports such times exactly, so there
// only a clock set wrong (or a file stamped so on purpose) gets here. floe keeps the value as the
// source gave it (it cannot know the real one) and notes the file, so the report names what may be
// wrong.
import { formatNsTime } from '../format/units.js';

/** How far past the ingest's start a time may be before it is noted (clocks of servers drift). */
export const FUTURE_SLACK_NS = 24n * 3600n * 1_000_000_000n;

export interface TimeRangeNote {
  readonly code: 'SOURCE_TIME_OUT_OF_RANGE';
  readonly message: string;
}

/** A note for each of mtime and atime later than `startedNs` + a day; undefined when both are plausible. */
export function futureTimes(entry: { readonly mtimeNs: bigint; readonly atimeNs: bigint }, startedNs: bigint): TimeRangeNote | undefined {
  const late = (['mtime', 'atime'] as const).filter((k) => entry[`${k}Ns`] > startedNs + FUTURE_SLACK_NS);
  if (late.length === 0) return undefined;
  const which = late.map((k) => `${k} ${formatNsTime(entry[`${k}Ns`])}`).join(', ');
  return {
    code: 'SOURCE_TIME_OUT_OF_RANGE',
    message: `${which} is later than the ingest started (${formatNsTime(startedNs)}): kept as the source reported it; over NFSv3 a time before 1970 on the server arrives as one after 2038, one from 2106 on as its seconds modulo 2^32 (seconds are unsigned 32-bit)`,
  };
}

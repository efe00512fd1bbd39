// The screen's number formats are floe's one set (appliance/format/units.ts), so the UI, the CLI
// and the reports print the same value the same way.
import { formatCount, formatRate } from '../../appliance/format/units.js';
import type { ThroughputView } from './snapshot.js';

export { formatBytes, formatCount, formatDuration, formatLimit, formatPercent, formatRate } from '../../appliance/format/units.js';

/** A meter's rate in its unit (ui/data/throughput.ts): bytes/s, or files/s while verifying. */
export function formatThroughput(t: Pick<ThroughputView, 'current' | 'unit'>): string {
  if (t.unit !== 'files') return formatRate(t.current);
  return t.current === undefined ? '-' : `${formatCount(t.current)} files/s`;
}

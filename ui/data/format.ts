// The screen's number formats are floe's one set (appliance/format/units.ts), so the UI, the CLI
// and the reports print the same value the same way.
export { formatBytes, formatCount, formatDuration, formatLimit, formatPercent, formatRate, parseBandwidth } from '../../appliance/format/units.js';

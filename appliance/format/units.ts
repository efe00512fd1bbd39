// Numbers as a person reads them, on the device's screen, in the CLI and in reports: binary units,
// short durations, ratios; and the bandwidth a person types. One formatter for every surface.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return '-';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A bandwidth limit: -1 (DataSync's "no limit") reads as "unlimited". */
export function formatLimit(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined) return '-';
  return bytesPerSecond < 0 ? 'unlimited' : formatRate(bytesPerSecond);
}

export function formatCount(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(s / 3600);
  return `${h}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Nanoseconds since 1970 as ISO 8601 UTC with all nine digits: `2106-02-06T06:28:16.250000000Z`. */
export function formatNsTime(ns: bigint): string {
  const second = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  const fraction = ns - second * 1_000_000_000n;
  return `${new Date(Number(second) * 1000).toISOString().slice(0, -5)}.${fraction.toString().padStart(9, '0')}Z`;
}

export function formatPercent(done: number, total: number): string {
  if (total <= 0) return done > 0 ? '100%' : '0%';
  return `${Math.min(100, Math.floor((done / total) * 100))}%`;
}

const SIZE = /^\s*(-?\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)?(?:\/s)?\s*$/i;

/**
 * Parses a bandwidth typed by a person: `50M`, `50MiB`, `1.5g`, `800k`, `1048576`; `-1`, `off`,
 * `none` and `unlimited` mean no limit. Units are binary (M = MiB). undefined when unreadable.
 */
export function parseBandwidth(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'none' || t === 'unlimited' || t === '-1') return -1;
  const m = SIZE.exec(t);
  if (m === null) return undefined;
  const value = Number(m[1]);
  if (value <= 0) return undefined;
  const power = ['', 'k', 'm', 'g', 't'].indexOf((m[2] ?? '').toLowerCase());
  return Math.round(value * 1024 ** power);
}

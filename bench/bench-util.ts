// Small helpers shared by the benchmarks: timing external commands, peak RSS, formatting.
import { spawnSync } from 'node:child_process';

export interface Timed {
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly stdout: string;
}

/** Runs a command under GNU time (apt: time) and returns wall seconds and its peak RSS. */
export function runTimed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'FLOE_BENCH_RSS_KB=%M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  const kb = Number(/FLOE_BENCH_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? '0');
  return { seconds, peakRssMiB: kb / 1024, stdout: r.stdout };
}

export function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

export function ratio(a: number, b: number): string {
  return b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

/** `openssl speed` for one EVP algorithm at 1 MiB blocks, in bytes per second. */
export function opensslSpeed(evp: string): number {
  const r = spawnSync('openssl', ['speed', '-seconds', '2', '-bytes', '1048576', '-evp', evp], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const m = /([\d.]+)k\s*$/.exec(line);
  if (!m) throw new Error(`cannot read openssl speed output: ${line}`);
  return Number(m[1]) * 1000;
}

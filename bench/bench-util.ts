// Small helpers shared by the benchmarks: timing external commands, peak RSS, formatting.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Timed {
  readonly seconds: number;
  /** User + system CPU seconds of the command and its children. */
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  /** CPU seconds the rest of the machine (a server, mostly) spent while the command ran. */
  readonly otherCpuSeconds: number;
  readonly stdout: string;
}

/** Runs a command under GNU time (apt: time): wall seconds, its CPU and peak RSS, and the machine's other CPU meanwhile. */
export function runTimed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const busyBefore = machineCpuTicks();
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'FLOE_BENCH_TIME %U %S %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const busyAfter = machineCpuTicks();
  const m = /FLOE_BENCH_TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const cpuSeconds = Number(m[1]) + Number(m[2]);
  // Steal is time the host gave to someone else, not this machine's work.
  const otherTicks = busyAfter.busy - busyAfter.steal - (busyBefore.busy - busyBefore.steal);
  return { seconds, cpuSeconds, peakRssMiB: Number(m[3]) / 1024, otherCpuSeconds: Math.max(0, otherTicks / USER_HZ - cpuSeconds), stdout: r.stdout };
}

/** /proc/stat's ticks per second (USER_HZ). */
const USER_HZ = 100;

/** All cores' CPU time since boot, in ticks (/proc/stat): busy (all but idle and iowait, steal included), steal, total. */
export function machineCpuTicks(): { busy: number; steal: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, steal: fields[7] ?? 0, total };
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

/**
 * The SMALL dataset of the ingest and restore benchmarks: `files` files of 1-64 KiB of seeded
 * pseudo-random bytes, 200 to a folder (d000, d001, ...). Returns their total bytes.
 */
export function writeSmallDataset(root: string, files: number): number {
  let x = 4242;
  const rand = (): number => ((x = (x * 1103515245 + 12345) >>> 0), x);
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${String(Math.floor(i / 200)).padStart(3, '0')}`);
    if (i % 200 === 0) mkdirSync(dir, { recursive: true });
    const size = 1024 + (rand() % (63 * 1024 + 1));
    const data = Buffer.allocUnsafe(size);
    for (let j = 0; j + 4 <= size; j += 4) data.writeUInt32LE(rand(), j);
    writeFileSync(join(dir, `f${i}.dat`), data);
    bytes += size;
  }
  return bytes;
}

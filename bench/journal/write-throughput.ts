// Benchmark: write throughput of incompressible data into the journal, beside the CPU limit
// measured in the same run (openssl speed AES-256-GCM and SHA-256) and beside `restic backup` of
// the same data. Each tool writes once to the disk and once to tmpfs (/dev/shm, where fsync is
// free): the disk run is what a device sees; the tmpfs run compares CPU efficiency alone. Each
// tool runs twice per target, alternating, and its best round counts; every round is printed.
// Usage: tsx bench/journal/write-throughput.ts [GiB=2]
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mib, opensslSpeed, ratio, runTimed, table } from '../bench-util.js';
import { childArgs } from '../bundled-child.js';

const gib = Number(process.argv[2] ?? '2');
const total = Math.round(gib * 1024 * 1024 * 1024);
const fileSize = 256 * 1024 * 1024;
const ROUNDS = 2;
// The child runs bundled, as the binary runs floe (bench/bundled-child.ts); FLOE_BENCH_TSX=1 runs it as written.
const CHILD = await childArgs(join(import.meta.dirname, 'write-child.ts'), process.env.FLOE_BENCH_TSX === '1');
const work = await mkdtemp(join(tmpdir(), 'floe-bench-write-'));
try {
  const src = join(work, 'data');
  await mkdir(src);
  const block = Buffer.allocUnsafe(fileSize);
  for (let i = 0; i * fileSize < total; i++) {
    randomFillSync(block);
    await writeFile(join(src, `file-${String(i).padStart(3, '0')}.bin`), block.subarray(0, Math.min(fileSize, total - i * fileSize)));
  }
  spawnSync('sync');

  const gcm = opensslSpeed('aes-256-gcm');
  const sha = opensslSpeed('sha256');
  // floe encrypts once and hashes twice per byte (whole-file and per-chunk SHA-256).
  const perCoreFloe = 1 / (1 / gcm + 2 / sha);
  const perCorePlain = 1 / (1 / gcm + 1 / sha);

  const rows: Array<Record<string, string | number>> = [
    { target: '-', what: 'openssl AES-256-GCM, 1 core', 'MiB/s': mib(gcm), note: '' },
    { target: '-', what: 'openssl SHA-256, 1 core', 'MiB/s': mib(sha), note: '' },
    { target: '-', what: 'CPU limit, 2 cores, encrypt + hash once', 'MiB/s': mib(2 * perCorePlain), note: '' },
    { target: '-', what: 'CPU limit, 2 cores, floe work (encrypt + hash twice)', 'MiB/s': mib(2 * perCoreFloe), note: '' },
  ];
  const resticVersion = spawnSync('restic', ['version'], { encoding: 'utf8' }).stdout.trim().split(' ').slice(0, 2).join(' ');
  const summary: string[] = [];
  for (const [target, base] of [['disk', work], ['tmpfs', '/dev/shm']] as const) {
    const out = await mkdtemp(join(base, 'floe-bench-out-'));
    try {
      // Two rounds, floe and restic alternating, so that neither alone meets the disk still busy
      // with the data just generated (or with the other's writes); each tool's best round counts.
      const floeRuns: Array<{ rate: number; peakRssMiB: number }> = [];
      const resticRuns: Array<{ rate: number; peakRssMiB: number }> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const floe = JSON.parse(
          spawnSync(process.execPath, [...CHILD, src, join(out, 'journal')], { encoding: 'utf8' }).stdout,
        ) as { seconds: number; bytes: number; peakRssMiB: number };
        await rm(join(out, 'journal'), { recursive: true, force: true });
        floeRuns.push({ rate: floe.bytes / floe.seconds, peakRssMiB: floe.peakRssMiB });
        const env = { ...process.env, RESTIC_PASSWORD: 'bench-only-not-a-secret', RESTIC_REPOSITORY: join(out, 'restic'), RESTIC_CACHE_DIR: join(out, 'restic-cache') };
        runTimed('restic', ['init', '--quiet'], env);
        const restic = runTimed('restic', ['backup', '--quiet', src], env);
        await rm(join(out, 'restic'), { recursive: true, force: true });
        await rm(join(out, 'restic-cache'), { recursive: true, force: true });
        resticRuns.push({ rate: total / restic.seconds, peakRssMiB: restic.peakRssMiB });
      }
      const best = (runs: typeof floeRuns): number => Math.max(...runs.map((r) => r.rate));
      const each = (runs: typeof floeRuns): string => `rounds ${runs.map((r) => mib(r.rate)).join(', ')}; peak RSS ${Math.max(...runs.map((r) => r.peakRssMiB)).toFixed(0)} MiB`;
      const floeRate = best(floeRuns);
      const resticRate = best(resticRuns);
      rows.push({ target, what: 'floe journal write (best round)', 'MiB/s': mib(floeRate), note: each(floeRuns) });
      rows.push({ target, what: `${resticVersion} backup (best round)`, 'MiB/s': mib(resticRate), note: each(resticRuns) });
      summary.push(`${target}: floe / restic ${ratio(floeRate, resticRate)} (goal >= 1.5x); floe / CPU limit (encrypt + hash once) ${ratio(floeRate, 2 * perCorePlain)} (goal >= 0.5x); floe / its own CPU work ${ratio(floeRate, 2 * perCoreFloe)}`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
  console.log(`journal write: ${mib(total)} MiB of incompressible data in ${Math.ceil(total / fileSize)} files, 2 cores`);
  console.log(table(rows));
  for (const line of summary) console.log(line);
} finally {
  await rm(work, { recursive: true, force: true });
}

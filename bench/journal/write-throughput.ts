// Benchmark: write throughput of incompressible data into the journal, beside the CPU limit
// measured in the same run (openssl speed AES-256-GCM and SHA-256) and beside `restic backup` of
// the same data. Usage: tsx bench/journal/write-throughput.ts [GiB=2]
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mib, opensslSpeed, ratio, runTimed, table } from '../bench-util.js';

const gib = Number(process.argv[2] ?? '2');
const total = Math.round(gib * 1024 * 1024 * 1024);
const fileSize = 256 * 1024 * 1024;
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

  const floe = JSON.parse(
    spawnSync(process.execPath, ['--import', 'tsx', 'bench/journal/write-child.ts', src, join(work, 'journal')], { encoding: 'utf8' }).stdout,
  ) as { seconds: number; bytes: number; peakRssMiB: number };
  await rm(join(work, 'journal'), { recursive: true, force: true });

  const env = { ...process.env, RESTIC_PASSWORD: 'bench-only-not-a-secret', RESTIC_REPOSITORY: join(work, 'restic'), RESTIC_CACHE_DIR: join(work, 'restic-cache') };
  runTimed('restic', ['init', '--quiet'], env);
  const restic = runTimed('restic', ['backup', '--quiet', src], env);
  const resticRss = restic.peakRssMiB;
  const resticVersion = spawnSync('restic', ['version'], { encoding: 'utf8' }).stdout.trim();

  const floeRate = floe.bytes / floe.seconds;
  const resticRate = total / restic.seconds;
  console.log(`journal write: ${mib(total)} MiB of incompressible data in ${Math.ceil(total / fileSize)} files, 2 cores`);
  console.log(table([
    { what: 'openssl AES-256-GCM, 1 core', 'MiB/s': mib(gcm), note: '' },
    { what: 'openssl SHA-256, 1 core', 'MiB/s': mib(sha), note: '' },
    { what: 'CPU limit, 2 cores, encrypt + hash once', 'MiB/s': mib(2 * perCorePlain), note: '' },
    { what: 'CPU limit, 2 cores, floe work (encrypt + hash twice)', 'MiB/s': mib(2 * perCoreFloe), note: '' },
    { what: 'floe journal write', 'MiB/s': mib(floeRate), note: `peak RSS ${floe.peakRssMiB.toFixed(0)} MiB` },
    { what: resticVersion.split(' ').slice(0, 2).join(' ') + ' backup', 'MiB/s': mib(resticRate), note: `peak RSS ${resticRss.toFixed(0)} MiB` },
  ]));
  console.log(`floe / restic: ${ratio(floeRate, resticRate)} (goal >= 1.5x)`);
  console.log(`floe / CPU limit (encrypt + hash once, 2 cores): ${ratio(floeRate, 2 * perCorePlain)} (goal >= 0.5x)`);
  console.log(`floe / CPU limit (floe's own work, 2 cores): ${ratio(floeRate, 2 * perCoreFloe)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}

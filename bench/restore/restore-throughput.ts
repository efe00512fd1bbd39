// Restore throughput (issue 23, "Benchmarks"): LARGE (4 files of 512 MiB) and SMALL (20,000 files
// of 1-64 KiB) ingested by floe into a new journal and backed up by restic into a local
// repository; then each restored into an empty folder on the same disk by floe (the latest
// recovery point, VerifyMode NONE: every chunk's tag and SHA-256 still checked as it is read),
// `restic restore latest`, and `cp -a` from the plain folder. Caches dropped before each timed run
// (root), so each reads its own copy from the disk. One run, ratios printed, peak RSS of each.
// With --nfs (root, nfs-ganesha), floe also restores into a ganesha export on the same disk through
// its own NFS client; restic and cp -a cannot write there without a kernel NFS mount, so their
// rows stay the folder's, and the NFS row is compared with them and with floe into the folder.
//
//   node_modules/.bin/tsx bench/restore/restore-throughput.ts [--small-files 20000] [--large-mib 512] [--tsx] [--small-only] [--nfs]
//
// Goals: floe >= 1.5x restic restore; into a folder >= 0.5x cp -a. Needs restic and /usr/bin/time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mib, ratio, runTimed, table, writeSmallDataset } from '../bench-util.js';
import { childArgs, shippedNode } from '../bundled-child.js';
import { writeSeededFile } from '../../test/ingest/ingest-fixtures.js';
import { startGanesha } from '../../test/harness/ganesha.js';

const { values } = parseArgs({
  options: {
    'small-files': { type: 'string', default: '20000' },
    'large-mib': { type: 'string', default: '512' },
    tsx: { type: 'boolean', default: false },
    'small-only': { type: 'boolean', default: false },
    nfs: { type: 'boolean', default: false },
  },
});
const MIB = 1 << 20;
const SMALL_FILES = Number(values['small-files']);
const LARGE_BYTES = Number(values['large-mib']) * MIB;
const CHILD = await childArgs(path.join(import.meta.dirname, 'restore-child.ts'), values.tsx);
const NODE = values.tsx ? process.execPath : shippedNode();

function dropCaches(): void {
  spawnSync('sync');
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    // not root: the runs read from the page cache alike
  }
}

function floe(mode: 'ingest' | 'restore', ...args: string[]): { seconds: number; peakRssMiB: number; cpuSeconds: number; files: number } {
  dropCaches();
  const t = runTimed(NODE, [...CHILD, mode, ...args]);
  const r = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { files: number; error: unknown };
  if (r.error) throw new Error(`floe ${mode} failed: ${JSON.stringify(r.error)}`);
  return { seconds: t.seconds, peakRssMiB: t.peakRssMiB, cpuSeconds: t.cpuSeconds, files: r.files };
}

const resticEnv = (repo: string) => ({ ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench-only', RESTIC_CACHE_DIR: `${repo}-cache` });

function timedCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  dropCaches();
  return runTimed(cmd, args, env);
}

/** Every file's bytes and mode equal under two roots (the restore is checked, not only timed). */
function sameTree(a: string, b: string): void {
  const r = spawnSync('diff', ['-r', '--no-dereference', a, b], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`restored tree differs from ${a}: ${r.stdout.slice(0, 2000)}`);
}

async function runSet(name: string, folder: string, files: number, bytes: number, tmp: string, rows: Array<Record<string, string>>): Promise<void> {
  const journal = path.join(tmp, `journal-${name}`);
  const key = path.join(tmp, `key-${name}`);
  floe('ingest', folder, journal, key);
  const repo = path.join(tmp, `restic-${name}`);
  runTimed('restic', ['init', '--quiet'], resticEnv(repo));
  runTimed('restic', ['backup', '--quiet', folder], resticEnv(repo));

  const target = (tool: string) => {
    const t = path.join(tmp, `target-${name}-${tool}`);
    fs.mkdirSync(t);
    return t;
  };
  const row = (what: string, seconds: number, rss: number, cpu: number) => ({
    what,
    'MiB/s': (bytes / MIB / seconds).toFixed(0),
    'files/s': (files / seconds).toFixed(0),
    seconds: seconds.toFixed(1),
    'CPU s': cpu.toFixed(1),
    'peak RSS MiB': rss.toFixed(0),
  });
  const tf = target('floe');
  const f = floe('restore', journal, key, tf);
  sameTree(folder, tf);
  fs.rmSync(tf, { recursive: true, force: true });
  const tr = target('restic');
  const r = timedCommand('restic', ['restore', 'latest', '--quiet', '--target', tr], resticEnv(repo));
  sameTree(folder, path.join(tr, folder));
  fs.rmSync(tr, { recursive: true, force: true });
  const tc = target('cp');
  const c = timedCommand('cp', ['-a', `${folder}/.`, tc]);
  sameTree(folder, tc);
  fs.rmSync(tc, { recursive: true, force: true });
  rows.push(row(`floe restore ${name} (file://)`, f.seconds, f.peakRssMiB, f.cpuSeconds), row(`restic restore ${name}`, r.seconds, r.peakRssMiB, r.cpuSeconds), row(`cp -a ${name}`, c.seconds, c.peakRssMiB, c.cpuSeconds));
  console.log(`floe ${name} / restic restore: ${ratio(r.seconds, f.seconds)} (goal >= 1.5x); floe ${name} / cp -a: ${ratio(c.seconds, f.seconds)} (goal >= 0.5x)`);
  if (values.nfs) {
    const exportDir = target('export');
    const ganesha = await startGanesha({ exportDir });
    try {
      const n = floe('restore', journal, key, ganesha.uri());
      sameTree(folder, exportDir);
      rows.push(row(`floe restore ${name} (nfs://, ganesha)`, n.seconds, n.peakRssMiB, n.cpuSeconds));
      console.log(`floe ${name} into NFS / restic restore: ${ratio(r.seconds, n.seconds)} (goal >= 1.5x); / floe into a folder: ${ratio(f.seconds, n.seconds)}`);
    } finally {
      await ganesha.stop();
      fs.rmSync(exportDir, { recursive: true, force: true });
    }
  }
  fs.rmSync(journal, { recursive: true, force: true });
  fs.rmSync(repo, { recursive: true, force: true });
  fs.rmSync(`${repo}-cache`, { recursive: true, force: true });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-restore-'));
try {
  const rows: Array<Record<string, string>> = [];
  if (!values['small-only']) {
    const large = path.join(tmp, 'large');
    fs.mkdirSync(large);
    for (let i = 0; i < 4; i++) writeSeededFile(path.join(large, `large-${i}.bin`), LARGE_BYTES, 1000 + i);
    await runSet('LARGE', large, 4, 4 * LARGE_BYTES, tmp, rows);
    fs.rmSync(large, { recursive: true, force: true });
  }
  const small = path.join(tmp, 'small');
  const smallBytes = writeSmallDataset(small, SMALL_FILES);
  console.log(`data: LARGE 4 x ${mib(LARGE_BYTES)} MiB, SMALL ${SMALL_FILES} files (${mib(smallBytes)} MiB)`);
  await runSet('SMALL', small, SMALL_FILES, smallBytes, tmp, rows);
  console.log(table(rows));
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

// A TransferMode CHANGED re-run over unchanged files (issue 24): N tiny files (0-200 bytes, 1,000
// to a folder) in a folder on disk, ingested once by floe into a new journal (file://, VerifyMode
// NONE), backed up once by restic into a local repository and copied once by `rclone sync` into a
// folder; then each again with nothing to do, timed: floe with TransferMode CHANGED into the same
// journal (0 files transferred, N skipped), `restic backup` (its parent snapshot: 0 new files) and
// `rclone sync --dry-run` (0 transfers, N checks). Wall and CPU seconds and peak RSS of each, and
// floe's speed beside each peer (peer seconds / floe seconds; goal: above 1 for both).
//
//   node_modules/.bin/tsx bench/ingest/changed-rerun.ts [--files 1000000] [--tsx]
//
// FLOE_BENCH_PROFILE=DIR writes a CPU profile of floe's re-run there. Needs restic, rclone and
// /usr/bin/time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ratio, runTimed, table, type Timed } from '../bench-util.js';
import { childArgs } from '../bundled-child.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '1000000' },
    tsx: { type: 'boolean', default: false },
  },
});
const FILES = Number(values.files);
const PER_FOLDER = 1000;
// floe runs bundled, as the binary runs it (bench/bundled-child.ts); --tsx runs it as written.
const CHILD = await childArgs(path.join(import.meta.dirname, 'ingest-child.ts'), values.tsx);

interface ChildResult {
  seconds: number;
  files: number;
  skipped: number;
  listed: number;
  error: unknown;
}

/** FILES files of 0-200 seeded bytes, PER_FOLDER to a folder (d000/f000000, ...); returns their bytes. */
function writeTinyDataset(root: string): number {
  let x = 2424;
  const rand = (): number => ((x = (x * 1103515245 + 12345) >>> 0), x);
  const pool = Buffer.alloc(201);
  for (let i = 0; i < pool.length; i++) pool[i] = rand() & 0xff;
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(root, `d${String(Math.floor(i / PER_FOLDER)).padStart(4, '0')}`);
    if (i % PER_FOLDER === 0) fs.mkdirSync(dir, { recursive: true });
    const size = rand() % 201;
    const start = rand() % (201 - size);
    fs.writeFileSync(path.join(dir, `f${String(i).padStart(7, '0')}`), pool.subarray(start, start + size));
    bytes += size;
  }
  return bytes;
}

/** Runs a set-up command to its end (not timed closely: the three set-ups run side by side). */
function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; stdout: string }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ seconds: (Date.now() - start) / 1000, stdout: Buffer.concat(out).toString('utf8') });
      else reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed (${code}): ${Buffer.concat(err).toString('utf8').slice(-2000)}`));
    });
  });
}

function childResult(stdout: string): ChildResult {
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
  if (r.error) throw new Error(`floe ingest ended in error: ${JSON.stringify(r.error)}`);
  return r;
}

/** restic's --json summary line: files_new, files_changed, files_unmodified. */
function resticSummary(stdout: string): { files_new: number; files_changed: number; files_unmodified: number } {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.includes('"message_type":"summary"'));
  if (line === undefined) throw new Error(`restic printed no summary: ${stdout.slice(-500)}`);
  return JSON.parse(line) as { files_new: number; files_changed: number; files_unmodified: number };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-rerun-'));
try {
  const src = path.join(tmp, 'src');
  const journalDir = path.join(tmp, 'journal');
  const keyFile = path.join(tmp, 'journal.key');
  const rcloneDst = path.join(tmp, 'rclone-dst');
  const rcloneLog = path.join(tmp, 'rclone.log');
  // A throwaway password for a throwaway repository.
  const resticEnv = { ...process.env, RESTIC_PASSWORD: 'floe-bench', RESTIC_REPOSITORY: path.join(tmp, 'restic-repo'), RESTIC_CACHE_DIR: path.join(tmp, 'restic-cache') };
  const uri = `file://${src}`;
  const floeArgs = (options: Record<string, unknown>, profile: string[] = []): string[] => [...profile, ...CHILD, uri, journalDir, JSON.stringify(options), keyFile];

  let t0 = Date.now();
  const bytes = writeTinyDataset(src);
  console.log(`data: ${FILES} files of 0-200 bytes (${bytes} bytes), ${PER_FOLDER} to a folder, made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // The first runs, side by side: each tool copies everything once.
  t0 = Date.now();
  await runToEnd('restic', ['init', '--quiet'], resticEnv);
  const [floeFirst, resticFirst, rcloneFirst] = await Promise.all([
    runToEnd(process.execPath, floeArgs({ VerifyMode: 'NONE', TransferMode: 'ALL' }), process.env),
    runToEnd('restic', ['backup', '--json', src], resticEnv),
    runToEnd('rclone', ['sync', '--config', '/dev/null', src, rcloneDst], process.env),
  ]);
  const floeFirstResult = childResult(floeFirst.stdout);
  if (floeFirstResult.files !== FILES) throw new Error(`floe's first ingest took ${floeFirstResult.files} files of ${FILES}`);
  if (resticSummary(resticFirst.stdout).files_new !== FILES) throw new Error(`restic's first backup did not add ${FILES} files`);
  console.log(
    `first runs, side by side: ${((Date.now() - t0) / 1000).toFixed(0)} s (floe ${floeFirst.seconds.toFixed(0)} s, restic ${resticFirst.seconds.toFixed(0)} s, rclone ${rcloneFirst.seconds.toFixed(0)} s)`,
  );

  // The re-runs, one after another: nothing to copy.
  const profile = process.env.FLOE_BENCH_PROFILE === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', process.env.FLOE_BENCH_PROFILE];
  const floe = runTimed(process.execPath, floeArgs({ VerifyMode: 'NONE', TransferMode: 'CHANGED' }, profile));
  const floeResult = childResult(floe.stdout);
  if (floeResult.files !== 0 || floeResult.skipped !== FILES || floeResult.listed !== FILES) {
    throw new Error(`floe's re-run transferred ${floeResult.files}, skipped ${floeResult.skipped}, listed ${floeResult.listed} of ${FILES} (expected 0, ${FILES}, ${FILES})`);
  }
  const restic = runTimed('restic', ['backup', '--json', src], resticEnv);
  const summary = resticSummary(restic.stdout);
  if (summary.files_new !== 0 || summary.files_changed !== 0 || summary.files_unmodified !== FILES) {
    throw new Error(`restic's re-run: ${summary.files_new} new, ${summary.files_changed} changed, ${summary.files_unmodified} unmodified of ${FILES}`);
  }
  fs.rmSync(rcloneLog, { force: true });
  const rclone = runTimed('rclone', ['sync', '--dry-run', '--config', '/dev/null', '-v', '--log-file', rcloneLog, src, rcloneDst]);
  const log = fs.readFileSync(rcloneLog, 'utf8');
  const checks = /Checks:\s+(\d+) \/ (\d+)/.exec(log);
  if (!log.includes('There was nothing to transfer') || checks === null || Number(checks[1]) !== FILES) {
    throw new Error(`rclone's dry run found something to do or did not check ${FILES} files: ${log.slice(-1000)}`);
  }

  const row = (what: string, t: Timed) => ({
    what,
    'wall s': t.seconds.toFixed(1),
    'CPU s': t.cpuSeconds.toFixed(1),
    'files/s': (FILES / t.seconds).toFixed(0),
    'peak RSS MiB': t.peakRssMiB.toFixed(0),
  });
  console.log(
    table([
      row('floe ingest, TransferMode CHANGED, same journal (0 transferred)', floe),
      row('restic backup, parent snapshot (0 new files)', restic),
      row('rclone sync --dry-run (nothing to transfer)', rclone),
    ]),
  );
  console.log(`floe's engine alone (from the journal's open to its close): ${floeResult.seconds.toFixed(1)} s of ${floe.seconds.toFixed(1)} s wall`);
  console.log(`floe / restic (speed, restic s / floe s): ${ratio(restic.seconds, floe.seconds)} (goal > 1.00x)`);
  console.log(`floe / rclone (speed, rclone s / floe s): ${ratio(rclone.seconds, floe.seconds)} (goal > 1.00x)`);
} finally {
  const t0 = Date.now();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`clean-up: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

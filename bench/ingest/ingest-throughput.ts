// Ingest throughput (issue 4, "Benchmarks"): LARGE (4 files of 512 MiB) and SMALL (20,000 files of
// 1-64 KiB), both served by nfs-ganesha on loopback, ingested by floe into a new journal, beside
// nfs-cat reading the same LARGE files and `restic backup` of the same folders into new local
// repositories; then BytesPerSecond = 50 MiB/s on a 1 GiB file. One run, one machine, ratios
// printed; peak RSS of every process.
//
//   node_modules/.bin/tsx bench/ingest/ingest-throughput.ts [--small-files 20000] [--large-mib 512] [--shm] [--tsx] [--small-only]
//
// SMALL also gets the NFS side alone (nfs-walk-child.ts: floe's NFS client walking and reading
// every file, no journal): the ceiling of any ingest through that client from this server here
// (goal: floe >= 0.8x of it), and floe ingesting the same folder as file:// beside restic backing
// it up (the fair peer comparison; goal: floe >= 1.5x restic's files/s). --small-only runs just
// the SMALL rows.
// --shm also runs floe's LARGE ingest with the journal on /dev/shm (fsync is free there), which
// separates the disk from floe's own CPU path. Needs root (ganesha), nfs-cat, restic, /usr/bin/time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mib, ratio, runTimed, table, writeSmallDataset } from '../bench-util.js';
import { childArgs } from '../bundled-child.js';
import { startGanesha, type Ganesha } from '../../test/harness/ganesha.js';
import { writeSeededFile } from '../../test/ingest/ingest-fixtures.js';

const { values } = parseArgs({
  options: {
    'small-files': { type: 'string', default: '20000' },
    'large-mib': { type: 'string', default: '512' },
    'limit-mib': { type: 'string', default: '1024' },
    shm: { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
    'small-only': { type: 'boolean', default: false },
  },
});
const SMALL_ONLY = values['small-only'];
const MIB = 1 << 20;
const SMALL_FILES = Number(values['small-files']);
const LARGE_BYTES = Number(values['large-mib']) * MIB;
// floe runs bundled, as the binary runs it (bench/bundled-child.ts); --tsx runs it as written.
const CHILD = await childArgs(path.join(import.meta.dirname, 'ingest-child.ts'), values.tsx);
const WALK_CHILD = await childArgs(path.join(import.meta.dirname, 'nfs-walk-child.ts'), values.tsx);

interface ChildResult {
  seconds: number;
  transferSeconds: number;
  files: number;
  bytes: number;
  error: unknown;
  peakRssMiB: number;
}

function floeIngest(uri: string, journalDir: string, options: Record<string, unknown>): ChildResult & { wallSeconds: number; timeRssMiB: number } {
  // FLOE_BENCH_PROFILE=DIR writes a CPU profile of each floe run there.
  const profile = process.env.FLOE_BENCH_PROFILE === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', process.env.FLOE_BENCH_PROFILE];
  const t = runTimed(process.execPath, [...profile, ...CHILD, uri, journalDir, JSON.stringify(options)]);
  const r = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as ChildResult;
  if (r.error) throw new Error(`floe ingest ended in error: ${JSON.stringify(r.error)}`);
  fs.rmSync(journalDir, { recursive: true, force: true });
  return { ...r, wallSeconds: t.seconds, timeRssMiB: t.peakRssMiB };
}

/** floe's NFS client alone walking and reading `uri` (nfs-walk-child.ts): the NFS side's ceiling. */
function nfsWalk(uri: string): { seconds: number; files: number; peakRssMiB: number } {
  const t = runTimed(process.execPath, [...WALK_CHILD, uri]);
  const r = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { seconds: number; files: number };
  return { seconds: t.seconds, files: r.files, peakRssMiB: t.peakRssMiB };
}

function restic(folder: string, repo: string): { seconds: number; peakRssMiB: number } {
  const env = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_REPOSITORY: repo, RESTIC_CACHE_DIR: `${repo}-cache` };
  runTimed('restic', ['init', '--quiet'], env);
  const t = runTimed('restic', ['backup', '--quiet', folder], env);
  fs.rmSync(repo, { recursive: true, force: true });
  fs.rmSync(`${repo}-cache`, { recursive: true, force: true });
  return t;
}

/** LARGE beside nfs-cat and restic, and the BytesPerSecond limit: rows added to `rows`, ratios printed. */
function runLarge(
  server: Ganesha,
  large: string,
  one: string,
  noVerify: Record<string, unknown>,
  largeTotal: number,
  rate: (bytes: number, s: number) => number,
  rows: Array<Record<string, string>>,
): void {
  // nfs-cat: the same four files, one after another; a first pass warms the page cache for everyone
  // (all data fits in RAM), so no reader pays for the disk.
  runTimed('sh', ['-c', `for i in 0 1 2 3; do nfs-cat "$0/large-$i.bin?nfsport=${server.nfsPort}&mountport=${server.mountPort}" > /dev/null || exit 1; done`, `nfs://127.0.0.1/export/large`]);
  const nfsCat = runTimed('sh', ['-c', `for i in 0 1 2 3; do nfs-cat "$0/large-$i.bin?nfsport=${server.nfsPort}&mountport=${server.mountPort}" > /dev/null || exit 1; done`, `nfs://127.0.0.1/export/large`]);
  // LARGE: two rounds, floe and restic alternating (neither alone meets a disk still busy with the
  // other's writes); each tool's faster round counts, and every round is printed.
  const largeRounds: Array<{ floe: number; restic: number }> = [];
  let floeLarge: ReturnType<typeof floeIngest> | undefined;
  let resticLarge: ReturnType<typeof restic> | undefined;
  for (let round = 0; round < 2; round++) {
    const f = floeIngest(server.uri('large'), path.join(tmp, 'journal-large'), noVerify);
    const r = restic(large, path.join(tmp, 'restic-large'));
    largeRounds.push({ floe: f.wallSeconds, restic: r.seconds });
    if (floeLarge === undefined || f.wallSeconds < floeLarge.wallSeconds) floeLarge = f;
    if (resticLarge === undefined || r.seconds < resticLarge.seconds) resticLarge = r;
  }
  if (floeLarge === undefined || resticLarge === undefined) throw new Error('no LARGE round ran');
  const floeLargeShm = values.shm ? floeIngest(server.uri('large'), fs.mkdtempSync('/dev/shm/floe-bench-journal-'), noVerify) : undefined;
  const limited = floeIngest(server.uri('one'), path.join(tmp, 'journal-limit'), { ...noVerify, BytesPerSecond: 50 * MIB });
  const largeRow = (what: string, seconds: number, rss: number) => ({ what, 'MiB/s': rate(largeTotal, seconds).toFixed(0), 'files/s': (4 / seconds).toFixed(2), 'peak RSS MiB': rss.toFixed(0) });
  rows.push(
    largeRow('nfs-cat LARGE (4 files in turn)', nfsCat.seconds, nfsCat.peakRssMiB),
    largeRow('floe ingest LARGE (journal on disk, best round)', floeLarge.wallSeconds, floeLarge.timeRssMiB),
    ...(floeLargeShm ? [largeRow('floe ingest LARGE (journal on /dev/shm)', floeLargeShm.wallSeconds, floeLargeShm.timeRssMiB)] : []),
    largeRow('restic backup LARGE (local folder, best round)', resticLarge.seconds, resticLarge.peakRssMiB),
  );
  console.log(`LARGE rounds (MiB/s, floe / restic): ${largeRounds.map((r) => `${rate(largeTotal, r.floe).toFixed(0)} / ${rate(largeTotal, r.restic).toFixed(0)}`).join(', ')}; the faster of each counts`);
  console.log(`floe LARGE / nfs-cat: ${ratio(nfsCat.seconds, floeLarge.wallSeconds)} (goal >= 0.5x)`);
  if (floeLargeShm) console.log(`floe LARGE on /dev/shm / nfs-cat: ${ratio(nfsCat.seconds, floeLargeShm.wallSeconds)}`);
  console.log(`floe LARGE / restic: ${ratio(resticLarge.seconds, floeLarge.wallSeconds)} (goal >= 1.8x)`);
  const limitedRate = rate(limited.bytes, limited.transferSeconds);
  console.log(`BytesPerSecond 50 MiB/s on ${values['limit-mib']} MiB: ${limitedRate.toFixed(1)} MiB/s over the transfer phase (${((limitedRate / 50 - 1) * 100).toFixed(1)}% off; goal within 10%), peak RSS ${limited.timeRssMiB.toFixed(0)} MiB`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-ingest-'));
let server: Ganesha | undefined;
try {
  const exportDir = path.join(tmp, 'export');
  const large = path.join(exportDir, 'large');
  const small = path.join(exportDir, 'small');
  const one = path.join(exportDir, 'one');
  fs.mkdirSync(large, { recursive: true });
  fs.mkdirSync(one, { recursive: true });
  const t0 = Date.now();
  if (!SMALL_ONLY) {
    for (let i = 0; i < 4; i++) writeSeededFile(path.join(large, `large-${i}.bin`), LARGE_BYTES, 1000 + i);
    writeSeededFile(path.join(one, 'one-gib.bin'), Number(values['limit-mib']) * MIB, 77);
  }
  const smallBytes = writeSmallDataset(small, SMALL_FILES);
  console.log(`data: LARGE 4 x ${mib(LARGE_BYTES)} MiB, SMALL ${SMALL_FILES} files (${mib(smallBytes)} MiB), ${values['limit-mib']} MiB for the limit; made in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  server = await startGanesha({ exportDir });
  const largeTotal = 4 * LARGE_BYTES;

  const noVerify = { VerifyMode: 'NONE', TransferMode: 'ALL' };
  const rate = (bytes: number, s: number): number => bytes / MIB / s;
  const rows: Array<Record<string, string>> = [];
  if (!SMALL_ONLY) runLarge(server, large, one, noVerify, largeTotal, rate, rows);
  const floeSmall = floeIngest(server.uri('small'), path.join(tmp, 'journal-small'), noVerify);
  const floeSmallLocal = floeIngest(`file://${small}`, path.join(tmp, 'journal-small-local'), noVerify);
  const resticSmall = restic(small, path.join(tmp, 'restic-small'));
  const walkSmall = nfsWalk(server.uri('small'));
  if (walkSmall.files !== SMALL_FILES) throw new Error(`the NFS walk read ${walkSmall.files} files of ${SMALL_FILES}`);
  if (floeSmallLocal.files !== SMALL_FILES) throw new Error(`the file:// ingest took ${floeSmallLocal.files} files of ${SMALL_FILES}`);
  const smallRow = (what: string, seconds: number, rss: number) => ({ what, 'MiB/s': rate(smallBytes, seconds).toFixed(0), 'files/s': (SMALL_FILES / seconds).toFixed(0), 'peak RSS MiB': rss.toFixed(0) });
  rows.push(
    smallRow('floe ingest SMALL (nfs://, ganesha)', floeSmall.wallSeconds, floeSmall.timeRssMiB),
    smallRow("floe's NFS client alone SMALL (walk and read, no journal)", walkSmall.seconds, walkSmall.peakRssMiB),
    smallRow('floe ingest SMALL (file://, the same folder)', floeSmallLocal.wallSeconds, floeSmallLocal.timeRssMiB),
    smallRow('restic backup SMALL (local folder)', resticSmall.seconds, resticSmall.peakRssMiB),
  );
  console.log(table(rows));
  console.log(`floe SMALL over NFS / its NFS client alone: ${ratio(walkSmall.seconds, floeSmall.wallSeconds)} (goal >= 0.8x)`);
  console.log(`floe SMALL from file:// / restic files/s: ${ratio(resticSmall.seconds, floeSmallLocal.wallSeconds)} (goal >= 1.5x)`);
  console.log(`floe SMALL over NFS / restic files/s: ${ratio(resticSmall.seconds, floeSmall.wallSeconds)}; the NFS client alone / restic files/s: ${ratio(resticSmall.seconds, walkSmall.seconds)}`);
  console.log(`floe SMALL seconds (wall incl. start-up / engine): nfs:// ${floeSmall.wallSeconds.toFixed(1)} / ${floeSmall.seconds.toFixed(1)}, file:// ${floeSmallLocal.wallSeconds.toFixed(1)} / ${floeSmallLocal.seconds.toFixed(1)}`);
} finally {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const d of fs.readdirSync('/dev/shm')) if (d.startsWith('floe-bench-journal-')) fs.rmSync(path.join('/dev/shm', d), { recursive: true, force: true });
}

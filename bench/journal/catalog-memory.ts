// Benchmark: a catalog of 100,000 and of 1,000,000 small files written, iterated and planned for
// import (the engine's PREPARING); peak RSS must not grow with the catalog (goal: at most 300 MiB,
// and the same at 10,000,000 files as at 100,000). Usage: tsx bench/journal/catalog-memory.ts [COUNTS]
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../bench-util.js';
import { childArgs } from '../bundled-child.js';

const counts = (process.argv[2] ?? '100000,1000000').split(',').map(Number);
// A tight V8 heap limit (the daemon's was 192 MiB until it had to hold an import's plan; its unit,
// image/systemd/floe.service, now allows 1 GiB): with 24 GiB free, V8 would otherwise let garbage
// pile up and the peak would measure V8's laziness, not what the catalog keeps alive.
// FLOE_BENCH_HEAP_MIB=0 runs without the limit.
const heapMiB = Number(process.env.FLOE_BENCH_HEAP_MIB ?? 192);
const HEAP = heapMiB > 0 ? [`--max-old-space-size=${heapMiB}`] : [];
// The child runs bundled, as the binary runs floe (bench/bundled-child.ts); FLOE_BENCH_TSX=1 runs it as written.
const CHILD = await childArgs(join(import.meta.dirname, 'catalog-child.ts'), process.env.FLOE_BENCH_TSX === '1');
const rows: Array<Record<string, string | number>> = [];
for (const count of counts) {
  const work = await mkdtemp(join(tmpdir(), 'floe-bench-catalog-'));
  try {
    const r = spawnSync(process.execPath, [...HEAP, ...CHILD, join(work, 'journal'), String(count)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const o = JSON.parse(r.stdout) as {
      count: number; seen: number; prepared: number; read: number; spilledMiB: number;
      writeSeconds: number; iterateSeconds: number; planSeconds: number; readBackSeconds: number;
      rssAfterWriteMiB: number; rssAfterIterateMiB: number; rssAfterPlanMiB: number; peakRssMiB: number;
    };
    if (o.seen !== count) throw new Error(`catalog iterated ${o.seen} of ${count} files`);
    if (o.prepared !== count) throw new Error(`the import plan holds ${o.prepared} of ${count} files`);
    if (o.read !== count) throw new Error(`the plan read back ${o.read} of ${count} files`);
    rows.push({
      files: count.toLocaleString('en-US'),
      'write files/s': Math.round(count / o.writeSeconds),
      'iterate files/s': Math.round(count / o.iterateSeconds),
      'plan files/s': Math.round(count / o.planSeconds),
      'plan + read back files/s': Math.round(count / o.readBackSeconds),
      'plan on disk MiB': o.spilledMiB.toFixed(0),
      'RSS after write MiB': o.rssAfterWriteMiB.toFixed(0),
      'after iterate': o.rssAfterIterateMiB.toFixed(0),
      'after plan': o.rssAfterPlanMiB.toFixed(0),
      'peak RSS MiB': o.peakRssMiB.toFixed(0),
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  // Each count's row as soon as it is known: a run of 10,000,000 files takes over an hour.
  if (count !== counts.at(-1)) console.error(JSON.stringify(rows.at(-1)));
}
console.log('journal catalog: small files written (64 in flight), iterated, planned for import (the engine\'s PREPARING) and planned again and read back whole; RSS of the writer process (peak so far after each step)');
console.log(table(rows));

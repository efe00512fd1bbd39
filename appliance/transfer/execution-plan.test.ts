import { readdir, readFile, readlink } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../crypto/hash.js';
import type { FileEntry } from '../journal/file-entry.js';
import { encodeFileEntry } from '../journal/records.js';
import { dirSortKey, ExecutionPlan, PLAN_CLASSES, PLAN_DIR, PLAN_KEPT, PLAN_LARGE, PLAN_OTHER, type PlanClass } from './execution-plan.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-plan-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'scratch');
}

function entry(i: number, path: string, type: FileEntry['type'] = 'file', chunkCount = 1): FileEntry {
  const chunks = Array.from({ length: chunkCount }, (_, c) => ({ sha256: sha256(Buffer.from(`${i}/${c}`)), size: 100 + c }));
  return {
    path: Buffer.from(path),
    type,
    mode: 0o644,
    uid: i,
    gid: 7,
    size: type === 'file' ? chunks.reduce((n, c) => n + c.size, 0) : 0,
    atimeNs: BigInt(i),
    mtimeNs: -5n,
    ctimeNs: 3n,
    fsId: 1n,
    fileId: BigInt(i),
    nlink: 1,
    rdevMajor: 0,
    rdevMinor: 0,
    sha256: sha256(Buffer.from(`whole ${i}`)),
    chunks: type === 'file' ? chunks : [],
  };
}

/** A catalog in index (random) order: files with distinct seqs in four classes, nested folders. */
function catalog(count: number): Array<{ cls: PlanClass; seq: number; entry: FileEntry }> {
  return Array.from({ length: count }, (_, i) => {
    const seq = ((i * 7919) % count) * 3 + 1;
    const cls = [PLAN_OTHER, PLAN_OTHER, PLAN_DIR, PLAN_KEPT, PLAN_OTHER, PLAN_LARGE][i % 6] as PlanClass;
    const path = cls === PLAN_DIR ? 'd/'.repeat(1 + (i % 5)) + `dir-${i}` : `d${i % 9}/f-${i}-\u00e9.dat`;
    return { cls, seq, entry: entry(i, path, cls === PLAN_DIR ? 'directory' : 'file', cls === PLAN_LARGE ? 40 : 1) };
  });
}

function fill(plan: ExecutionPlan, files: ReturnType<typeof catalog>): Promise<void> {
  return files.reduce(async (prev, f) => {
    await prev;
    const record = encodeFileEntry(f.entry);
    const sortKey = f.cls === PLAN_DIR ? dirSortKey(f.entry.path) : f.cls === PLAN_KEPT ? 0 : f.seq;
    plan.add(f.cls, sortKey, record, sha256(record));
    if (plan.full) await plan.spill();
  }, Promise.resolve());
}

/** What each class should give: large and others by seq, folders deepest first then in catalog order, kept in catalog order. */
function expectedOrder(files: ReturnType<typeof catalog>, cls: PlanClass): number[] {
  const ordinals = files.map((f, i) => ({ ...f, ordinal: i })).filter((f) => f.cls === cls);
  if (cls === PLAN_LARGE || cls === PLAN_OTHER) ordinals.sort((a, b) => a.seq - b.seq);
  if (cls === PLAN_DIR) ordinals.sort((a, b) => dirSortKey(a.entry.path) - dirSortKey(b.entry.path) || a.ordinal - b.ordinal);
  return ordinals.map((f) => f.ordinal);
}

async function readClass(plan: ExecutionPlan, cls: PlanClass) {
  const out = [];
  for await (const f of plan.files(cls)) out.push(f);
  return out;
}

describe('ExecutionPlan', () => {
  it.each([
    ['in memory', undefined],
    ['in runs of about 40 files', 16 * 1024],
    ['a run per file', 1],
  ])('gives every class in plan order, entries and fingerprints intact (%s)', async (_, memoryBytes) => {
    const files = catalog(1200);
    const plan = new ExecutionPlan({ scratchDir: await scratch(), ...(memoryBytes === undefined ? {} : { memoryBytes }) });
    cleanups.push(() => plan.close());
    await fill(plan, files);
    expect(plan.size).toBe(1200);
    if (memoryBytes === undefined) expect(plan.spilledBytes).toBe(0);
    else expect(plan.spilledBytes).toBeGreaterThan(1200 * 250);
    for (const cls of PLAN_CLASSES) {
      const got = await readClass(plan, cls);
      expect(got.map((f) => f.ordinal)).toEqual(expectedOrder(files, cls));
      expect(plan.count(cls)).toBe(got.length);
      for (const f of got) {
        expect(f.entry).toEqual(files[f.ordinal]!.entry);
        expect(f.fingerprint).toBe(sha256(encodeFileEntry(files[f.ordinal]!.entry)).toString('hex'));
      }
    }
    // A class can be read again (verification reads the plan after the transfer).
    expect((await readClass(plan, PLAN_OTHER)).map((f) => f.ordinal)).toEqual(expectedOrder(files, PLAN_OTHER));
  });

  it('keeps an entry larger than a block, and two classes read at once', async () => {
    const plan = new ExecutionPlan({ scratchDir: await scratch(), memoryBytes: 1 });
    cleanups.push(() => plan.close());
    // 30,000 chunks: a record of about 1 MiB, more than a 64 KiB block.
    const huge = entry(1, 'huge.bin', 'file', 30_000);
    const small = Array.from({ length: 300 }, (_, i) => entry(10 + i, `s/${i}`));
    plan.add(PLAN_LARGE, 5, encodeFileEntry(huge), sha256(encodeFileEntry(huge)));
    await plan.spill();
    for (const [i, e] of small.entries()) {
      plan.add(PLAN_OTHER, 1000 - i, encodeFileEntry(e), sha256(encodeFileEntry(e)));
      if (i % 50 === 0) await plan.spill();
    }
    const [large, others] = await Promise.all([readClass(plan, PLAN_LARGE), readClass(plan, PLAN_OTHER)]);
    expect(large).toHaveLength(1);
    expect(encodeFileEntry(large[0]!.entry).equals(encodeFileEntry(huge))).toBe(true);
    expect(others.map((f) => f.entry.path.toString())).toEqual(small.map((e) => e.path.toString()).reverse());
  });

  it('leaves no file in the scratch folder, and its scratch file holds no name or hash in the clear', async () => {
    const dir = await scratch();
    const plan = new ExecutionPlan({ scratchDir: dir, memoryBytes: 4096 });
    cleanups.push(() => plan.close());
    const files = catalog(400);
    await fill(plan, files);
    expect(plan.spilledBytes).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual([]);
    // The open, unlinked file is still reachable through this process's descriptors.
    const fds = await readdir('/proc/self/fd');
    const links = await Promise.all(fds.map(async (fd) => ({ fd, target: await readlink(`/proc/self/fd/${fd}`).catch(() => '') })));
    const spilled = links.filter((l) => l.target.startsWith(join(dir, 'plan-')) && l.target.endsWith('(deleted)'));
    expect(spilled).toHaveLength(1);
    const bytes = await readFile(`/proc/self/fd/${spilled[0]!.fd}`);
    expect(bytes.length).toBe(plan.spilledBytes);
    for (const f of files.slice(0, 50)) {
      expect(bytes.includes(f.entry.path)).toBe(false);
      expect(bytes.includes(f.entry.sha256)).toBe(false);
    }
    await plan.close();
    expect(await readlink(`/proc/self/fd/${spilled[0]!.fd}`).catch(() => '')).not.toBe(spilled[0]!.target);
  });

  it('a reader that stops early closes its runs; the plan reads whole again afterwards', async () => {
    const plan = new ExecutionPlan({ scratchDir: await scratch(), memoryBytes: 2048 });
    cleanups.push(() => plan.close());
    const files = catalog(300);
    await fill(plan, files);
    let n = 0;
    for await (const f of plan.files(PLAN_OTHER)) {
      expect(f.ordinal).toBe(expectedOrder(files, PLAN_OTHER)[n]);
      if (++n === 10) break;
    }
    expect((await readClass(plan, PLAN_OTHER)).map((f) => f.ordinal)).toEqual(expectedOrder(files, PLAN_OTHER));
    // Adding is over once the plan is read.
    expect(() => plan.add(PLAN_OTHER, 1, encodeFileEntry(files[0]!.entry), Buffer.alloc(32))).toThrow('the plan is being read');
  });
});

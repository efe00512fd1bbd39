// What one execution sends and verifies (docs/transfer.md, "The engine" and "A plan on disk"): every
// file of its catalog with its class and its place in its class's order. Up to `memoryBytes` the
// plan is a PlanTable in memory; a larger one writes each full table out as a sorted run
// (plan-spill.ts) and reads its classes back as a merge of the runs, so memory stays flat however
// many files the catalog holds: one table, plus one block per run while a class is read.
import { decodeFileEntry } from '../journal/records.js';
import type { FileEntry } from '../journal/file-entry.js';
import { PlanSpill, type PlanEntry, type SpillRun } from './plan-spill.js';
import { PlanTable } from './plan-table.js';

/** Files sent in parts, in journal order (sort key: the entry's seq). */
export const PLAN_LARGE = 0;
/** Other files, symlinks and special files, in journal order. */
export const PLAN_OTHER = 1;
/** Folders, deepest first (sort key: dirSortKey). */
export const PLAN_DIR = 2;
/** Files not sent (delivered already, or kept by OverwriteMode NEVER): verified only. */
export const PLAN_KEPT = 3;
export const PLAN_CLASSES = [PLAN_LARGE, PLAN_OTHER, PLAN_DIR, PLAN_KEPT] as const;
export type PlanClass = (typeof PLAN_CLASSES)[number];

/**
 * 16 MiB of records in memory: about 55,000 small files before the first run is written; 10,000,000
 * are then about 180 runs, 11 MiB of blocks while a class is merged (docs/benchmarks/journal.md).
 */
export const DEFAULT_PLAN_MEMORY_BYTES = 16 * 1024 * 1024;

export interface PlanFile {
  /** The file's place in the catalog as PREPARING read it (0, 1, ...). */
  readonly ordinal: number;
  readonly entry: FileEntry;
  /** The fingerprint in hex (entryFingerprint, or the copy's own). */
  readonly fingerprint: string;
}

/** A folder's sort key: deeper first, ties in catalog order. */
export function dirSortKey(path: Uint8Array): number {
  let depth = 0;
  for (const b of path) if (b === 0x2f) depth++;
  return -depth;
}

export class ExecutionPlan {
  readonly #scratchDir: string;
  readonly #memoryBytes: number;
  readonly #counts = [0, 0, 0, 0];
  #table = new PlanTable();
  #order: number[] | undefined;
  #spill: PlanSpill | undefined;
  #ordinals = 0;

  constructor(options: { scratchDir: string; memoryBytes?: number }) {
    this.#scratchDir = options.scratchDir;
    this.#memoryBytes = options.memoryBytes ?? DEFAULT_PLAN_MEMORY_BYTES;
  }

  /** Files in the plan. */
  get size(): number {
    return this.#ordinals;
  }

  count(cls: PlanClass): number {
    return this.#counts[cls]!;
  }

  /** Bytes of the plan's scratch file (0 while the plan fits in memory). */
  get spilledBytes(): number {
    return this.#spill?.bytes ?? 0;
  }

  /** Adds a file (its encoded entry record and its fingerprint) and returns its ordinal; call spill() when `full`. */
  add(cls: PlanClass, sortKey: number, record: Uint8Array, fingerprint: Uint8Array): number {
    if (this.#order !== undefined) throw new Error('the plan is being read: no more files can be added');
    const ordinal = this.#ordinals;
    this.#table.add(record, fingerprint, sortKey, cls, ordinal);
    this.#ordinals++;
    this.#counts[cls]!++;
    return ordinal;
  }

  /** Whether the table in memory has reached the budget. */
  get full(): boolean {
    return this.#table.bytes >= this.#memoryBytes;
  }

  /** Writes the table in memory out as a sorted run and starts an empty one. */
  async spill(): Promise<void> {
    const table = this.#table;
    if (table.size === 0) return;
    this.#spill ??= await PlanSpill.create(this.#scratchDir);
    await this.#spill.writeRun(tableEntries(table, table.sorted()));
    this.#table = new PlanTable();
  }

  /**
   * The files of class `cls` in plan order; with `keep`, only those whose ordinal it keeps (the
   * others are not decoded). Adding ends at the first call.
   */
  async *files(cls: PlanClass, keep?: (ordinal: number) => boolean): AsyncGenerator<PlanFile> {
    const table = this.#table;
    this.#order ??= table.sorted();
    const inMemory = memoryEntries(table, this.#order, cls);
    const spill = this.#spill;
    if (spill === undefined) {
      for (const i of inMemory) {
        const ordinal = table.ordinal(i);
        if (keep === undefined || keep(ordinal)) yield { ordinal, entry: table.entry(i), fingerprint: table.fingerprint(i) };
      }
      return;
    }
    const sources: Array<AsyncIterator<PlanEntry> | Iterator<PlanEntry>> = spill.runs.map((run: SpillRun) => spill.entries(run, cls));
    sources.push(tableEntries(table, inMemory));
    for await (const e of merge(sources)) {
      if (keep !== undefined && !keep(e.ordinal)) continue;
      yield { ordinal: e.ordinal, entry: decodeFileEntry(e.record.subarray(1)), fingerprint: e.fingerprint.toString('hex') };
    }
  }

  async close(): Promise<void> {
    await this.#spill?.close();
  }
}

/** The indexes of `order` (the table's plan order) in class `cls`. */
function memoryEntries(table: PlanTable, order: readonly number[], cls: number): number[] {
  return order.filter((i) => table.cls(i) === cls);
}

function* tableEntries(table: PlanTable, indexes: readonly number[]): Generator<PlanEntry> {
  for (const i of indexes) {
    yield { cls: table.cls(i), sortKey: table.sortKey(i), ordinal: table.ordinal(i), fingerprint: table.fingerprintBytes(i), record: table.record(i) };
  }
}

/** The entries of sorted sources, merged by sort key then ordinal (a binary heap of the sources' heads). */
async function* merge(sources: ReadonlyArray<AsyncIterator<PlanEntry> | Iterator<PlanEntry>>): AsyncGenerator<PlanEntry> {
  const heap: Array<{ head: PlanEntry; source: AsyncIterator<PlanEntry> | Iterator<PlanEntry> }> = [];
  const before = (a: PlanEntry, b: PlanEntry) => a.sortKey < b.sortKey || (a.sortKey === b.sortKey && a.ordinal < b.ordinal);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!.head, heap[m]!.head)) m = l;
      if (r < heap.length && before(heap[r]!.head, heap[m]!.head)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  try {
    for (const source of sources) {
      const first = await source.next();
      if (first.done !== true) heap.push({ head: first.value, source });
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    while (heap.length > 0) {
      const top = heap[0]!;
      yield top.head;
      const next = await top.source.next();
      if (next.done === true) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      } else {
        top.head = next.value;
      }
      if (heap.length > 0) down(0);
    }
  } finally {
    // A reader that stops early (a failure, a cancellation) closes the runs it was reading.
    for (const source of sources) await source.return?.();
  }
}

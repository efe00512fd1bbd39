// The journal -> destination engine (ARCHITECTURE.md, "Tasks and executions"; docs/transfer.md).
// One execution into one destination: PREPARING reads the catalog and the delivery ledger and
// decides what to send; TRANSFERRING streams each file's plaintext out of the journal (every chunk
// authenticated and hashed by Journal.readFile) into the destination, several files at once and
// parts in parallel for large ones, with retries, a bandwidth limit and durable delivery records;
// VERIFYING compares what the destination holds with the journal's SHA-256 and metadata.
// An agentless copy (docs/copy.md) runs the same engine with `content` and `catalog` from a
// Source: each file is read from the source and hashed as it is sent, and its delivery record and
// verification use that digest.
import { UNHASHED, type ContentFill, type Destination, type OpenContent } from '../destinations/destination.js';
import { sha256 } from '../crypto/hash.js';
import { asFloeError, FloeError, isFloeError } from '../errors.js';
import { displayPath, type FileEntry } from '../journal/file-entry.js';
import type { Journal } from '../journal/journal.js';
import { encodeFileEntry } from '../journal/records.js';
import { createExecutionCounters, ExecutionStateMachine, type ExecutionCounters, type TaskExecutionResult, type TaskExecutionStatus } from '../tasks/execution-status.js';
import { DEFAULT_TASK_OPTIONS, type TaskOptions } from '../tasks/options.js';
import { Throttle } from '../tasks/throttle.js';
import { DeliveryLedger, entryFingerprint, type FailureRecord, type TransferKind } from './delivery-ledger.js';
import { LinkGroups, NO_LINK } from './link-groups.js';
import { copyHeldAlready, heldAlready, verifyObject, type Mismatch } from './object-check.js';
import { PlanTable } from './plan-table.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.js';
import { isReportKey } from './report-location.js';
import type { ContentAttempt, TransferContent } from './source-content.js';

export interface TransferEngineOptions {
  readonly journal: Journal;
  readonly ledger: DeliveryLedger;
  readonly destination: Destination;
  /** How the ledger names the destination: its URI, plus the endpoint for S3-compatible servers. Default: the URI. */
  readonly destinationId?: string;
  readonly executionId: string;
  readonly transfer: TransferKind;
  readonly options?: Partial<TaskOptions>;
  /** Files in flight at once (default 32: small files spend most of their time waiting on the server). */
  readonly concurrency?: number;
  /** Of those, files large enough for multipart at once (default 2); each has its own parts in flight. */
  readonly largeConcurrency?: number;
  /** Files above this size count as large (default 8 MiB, the S3 destination's part size). */
  readonly largeFileBytes?: number;
  readonly retry?: RetryPolicy;
  /** Shared with other executions when given, so one BytesPerSecond limits them all. */
  readonly throttle?: Throttle;
  readonly signal?: AbortSignal;
  /** Called for each file that fails or succeeds, in the order results are known. */
  readonly onFileResult?: (result: FileOutcome) => void;
  /**
   * What to deliver: default the journal's current catalog; a restore gives a recovery point's
   * (Journal.catalogAt), filtered; a copy a source walk (source-catalog.ts), whose items carry
   * their own fingerprint (32 bytes; default: the SHA-256 of the encoded entry).
   */
  readonly catalog?: () => AsyncIterable<{ entry: FileEntry; seq: bigint; fingerprint?: Buffer }>;
  /**
   * Where the content comes from: default the journal. Given (an agentless copy), the entries'
   * SHA-256 is unknown (UNHASHED) until a put has read the content: the digest the attempt computed
   * is recorded and verified. Such a put never resumes an earlier one (each attempt sends the
   * whole file) and a crashed run's objects are not looked for in place: they are sent again.
   */
  readonly content?: TransferContent;
  /** Counted into this object (a task execution's, whose description shows them live) instead of a fresh one. */
  readonly counters?: ExecutionCounters;
  /** Hears each phase as the engine enters it. */
  readonly onPhase?: (phase: 'PREPARING' | 'TRANSFERRING' | 'VERIFYING') => void;
  /**
   * Resume from the target, not the ledger (a restore: the customer's share may have changed since
   * the last run): with TransferMode CHANGED every file is looked at on the target first, and one
   * that already holds the entry (metadata and content) is skipped.
   */
  readonly checkTarget?: boolean;
}

export interface FileOutcome {
  readonly path: string;
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly outcome: 'transferred' | 'skipped' | 'verified' | 'failed';
  readonly code?: string;
  readonly message?: string;
}

export interface TransferResult {
  readonly executionId: string;
  readonly destination: string;
  readonly status: TaskExecutionStatus;
  readonly counters: ExecutionCounters;
  readonly result: TaskExecutionResult;
  readonly failures: readonly FailureRecord[];
}

interface Planned {
  readonly entry: FileEntry;
  readonly key: string;
  readonly fingerprint: string;
  /** The file's place in the execution's catalog (PlanTable); none for a file that failed to prepare. */
  readonly index?: number;
}

/** What TRANSFERRING sends, as indexes into the catalog, in the order it sends them. */
interface Plan {
  /** Files sent in parts (above largeFileBytes), in journal order. */
  readonly large: number[];
  /** Other files, symlinks and special files, in journal order. */
  readonly others: number[];
  /** Folders, deepest first. */
  readonly dirs: number[];
}

export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_LARGE_CONCURRENCY = 2;
const DEFAULT_LARGE_FILE_BYTES = 8 * 1024 * 1024;
const VERIFY_CONCURRENCY = 8;
const MAX_RECORDS_IN_FLIGHT = 1024;
/**
 * Small files got ready together ahead of their transfer: chunk locations in one index call, frames
 * read in runs. Up to two batches are ahead of the workers. Everything got ready lives until its
 * file is sent, through a young-generation GC or two: 256 files ahead left a third more for each
 * scavenge to copy than 64 (docs/benchmarks/import.md).
 */
const PREFETCH_BATCH = 64;
/** The fingerprint of an object found in the destination listing but not in the journal. */
const LISTED = 'listed';

export class TransferEngine {
  readonly counters: ExecutionCounters;
  readonly machine = new ExecutionStateMachine({ initialStatus: 'LAUNCHING' });
  readonly #o: TransferEngineOptions;
  readonly #options: TaskOptions;
  readonly #throttle: Throttle;
  readonly #failures: FailureRecord[] = [];
  /** The catalog as PREPARING found it, packed; the plan and verification index into it. */
  readonly #catalog = new PlanTable();
  /** Files delivered or found in place by this execution (catalog indexes): what ONLY_FILES_TRANSFERRED verifies. */
  readonly #touched: number[] = [];
  readonly #id: string;
  readonly #recording = new Set<Promise<unknown>>();
  /** Names of hard-linked files, for destinations that keep hard links. */
  readonly #links: LinkGroups | undefined;
  /** A copy's digests computed this run (catalog index -> SHA-256), for verification. */
  readonly #digests = new Map<number, Buffer>();
  #recordFailure: { error: unknown } | undefined;

  constructor(options: TransferEngineOptions) {
    this.#o = options;
    this.counters = options.counters ?? createExecutionCounters();
    this.#options = { ...DEFAULT_TASK_OPTIONS, ...options.options };
    this.#throttle = options.throttle ?? new Throttle({ bytesPerSecond: this.#options.BytesPerSecond });
    this.#id = options.destinationId ?? options.destination.uri;
    this.#links = options.destination.capabilities.hardLinks ? new LinkGroups() : undefined;
  }

  get executionId(): string {
    return this.#o.executionId;
  }

  get status(): TaskExecutionStatus {
    return this.machine.status;
  }

  /** Changes BytesPerSecond while running (-1: no limit). */
  setBytesPerSecond(bytesPerSecond: number): void {
    this.#throttle.setRate(bytesPerSecond);
  }

  async run(): Promise<TransferResult> {
    const { ledger, destination, executionId, transfer } = this.#o;
    const suspect = this.#o.checkTarget === true ? this.#options.TransferMode === 'CHANGED' : ledger.interrupted(this.#id);
    await ledger.recordExecution({ executionId, destination: this.#id, transfer, event: 'start' });
    try {
      this.#enter('PREPARING');
      const plan = await this.#prepare();
      this.#enter('TRANSFERRING');
      try {
        await this.#transferAll(plan, suspect);
      } finally {
        await this.#recordsDurable();
      }
      this.#checkCancelled();
      // Uploads this run or a crashed one left open (AbortMultipartUpload, part files).
      await destination.cleanup?.({ signal: this.#o.signal }).catch(() => undefined);
      this.#enter('VERIFYING');
      await this.#verify();
      this.#checkCancelled();
      const first = this.#failures[0];
      if (first === undefined) this.machine.transition('SUCCESS');
      else this.machine.fail(first.code, `${this.#failures.length} file(s) failed; first: ${first.message}`);
    } catch (err) {
      const cancelled = this.#o.signal?.aborted === true || isFloeError(err, 'CANCELLED');
      if (!this.machine.isFinal) {
        if (cancelled) {
          if (this.machine.status !== 'CANCELLING') this.machine.cancel();
          this.machine.completeCancel();
        } else {
          const e = asFloeError(err);
          this.machine.fail(e.code, e.message);
        }
      }
      if (!cancelled) await this.#end();
      throw err;
    }
    await this.#end();
    return this.result();
  }

  #enter(phase: 'PREPARING' | 'TRANSFERRING' | 'VERIFYING'): void {
    this.machine.transition(phase);
    this.#o.onPhase?.(phase);
  }

  result(): TransferResult {
    return {
      executionId: this.#o.executionId,
      destination: this.#id,
      status: this.machine.status,
      counters: structuredClone(this.counters),
      result: this.machine.result(),
      failures: [...this.#failures],
    };
  }

  async #end(): Promise<void> {
    const r = this.result();
    await this.#o.ledger.recordExecution({
      executionId: r.executionId,
      destination: r.destination,
      transfer: this.#o.transfer,
      event: 'end',
      status: r.status,
      summary: { counters: r.counters, result: r.result },
    });
  }

  async #prepare(): Promise<Plan> {
    const { journal, ledger, destination } = this.#o;
    const largeBytes = this.#o.largeFileBytes ?? DEFAULT_LARGE_FILE_BYTES;
    const plan: Plan = { large: [], others: [], dirs: [] };
    const dirs: Array<{ index: number; depth: number }> = [];
    const catalog: AsyncIterable<{ entry: FileEntry; seq: bigint; fingerprint?: Buffer }> = this.#o.catalog?.() ?? journal.catalog();
    for await (const { entry, seq, fingerprint } of catalog) {
      this.#checkCancelled();
      this.counters.FilesListed.AtSource++;
      let key: string;
      try {
        key = destination.keyFor(entry);
      } catch (err) {
        this.counters.FilesFailed.Prepare++;
        await this.#fail({ entry, key: displayPath(entry.path), fingerprint: entryFingerprint(entry) }, 'prepare', err);
        continue;
      }
      // entryFingerprint, with the encoded record kept for the catalog.
      const record = encodeFileEntry(entry);
      const digest = fingerprint ?? sha256(record);
      const index = this.#catalog.add(record, digest, seq);
      const item: Planned = { entry, key, fingerprint: digest.toString('hex'), index };
      this.counters.FilesPrepared++;
      if (this.#options.TransferMode === 'CHANGED' && this.#o.checkTarget !== true && ledger.delivered(this.#id, key, item.fingerprint) !== undefined) {
        this.counters.FilesSkipped++;
        this.#links?.seed(entry, key);
        continue;
      }
      if (this.#options.OverwriteMode === 'NEVER' && (await this.#exists(key))) {
        this.counters.FilesSkipped++;
        this.#report(item, 'skipped', 'DESTINATION_EXISTS', 'OverwriteMode NEVER: the destination already has this key');
        continue;
      }
      this.counters.EstimatedFilesToTransfer++;
      this.counters.EstimatedBytesToTransfer += entry.type === 'file' ? entry.size : 0;
      if (entry.type === 'directory') dirs.push({ index, depth: entry.path.filter((b) => b === 0x2f).length });
      else (entry.type === 'file' && entry.size > largeBytes ? plan.large : plan.others).push(index);
    }
    // Files in journal order (one pass over the device's disk); directories after their contents,
    // deepest first: writing into a folder changes its mtime.
    const bySeq = (a: number, b: number) => this.#catalog.seq(a) - this.#catalog.seq(b);
    plan.large.sort(bySeq);
    plan.others.sort(bySeq);
    dirs.sort((a, b) => b.depth - a.depth);
    for (const d of dirs) plan.dirs.push(d.index);
    return plan;
  }

  /** A file of the catalog, decoded again, with its key. */
  #planned(index: number): Planned {
    const entry = this.#catalog.entry(index);
    return { entry, key: this.#o.destination.keyFor(entry), fingerprint: this.#catalog.fingerprint(index), index };
  }

  async #exists(key: string): Promise<boolean> {
    return (await withRetry(this.#retry, () => this.#o.destination.stat(key, { signal: this.#o.signal }), { signal: this.#o.signal })) !== null;
  }

  get #retry(): RetryPolicy {
    return this.#o.retry ?? DEFAULT_RETRY_POLICY;
  }

  async #transferAll(plan: Plan, suspect: boolean): Promise<void> {
    const largeSlots = Math.max(1, this.#o.largeConcurrency ?? DEFAULT_LARGE_CONCURRENCY);
    const smallSlots = Math.max(1, (this.#o.concurrency ?? DEFAULT_CONCURRENCY) - Math.min(largeSlots, plan.large.length));
    await Promise.all([this.#pool(plan.large, largeSlots, suspect, false), this.#pool(plan.others, smallSlots, suspect, this.#o.content === undefined)]);
    // Folders last, one depth level at a time, deepest first.
    await this.#pool(plan.dirs, smallSlots, suspect, false);
  }

  /** Transfers the catalog's files `indexes`, `slots` at once; `prefetch`: small files, whose chunks are got ready in batches (Journal.prefetch). */
  async #pool(indexes: readonly number[], slots: number, suspect: boolean, prefetch: boolean): Promise<void> {
    let next = 0;
    let failure: unknown;
    // The next files' chunks (index lookups and frame reads), a batch at a time, ahead of the workers;
    // `ready` holds those files decoded, by position, until a worker takes them. A batch starts
    // while a batch's worth of files is still ahead, and a worker whose file is in the batch being
    // got ready waits for it: a read that ran ahead of its batch would look the chunk up and read
    // the frame again by itself (with 32 files in flight, most did).
    let prefetched = 0;
    let batchStart = 0;
    let prefetching: Promise<void> | undefined;
    const ready = new Map<number, Planned>();
    const lookAhead = (): void => {
      if (!prefetch || failure !== undefined || prefetching !== undefined) return;
      // Files the workers took before their batch (a slow prefetch) are not got ready again.
      prefetched = Math.max(prefetched, next);
      if (prefetched >= indexes.length || prefetched - next > PREFETCH_BATCH) return;
      const batch: FileEntry[] = [];
      batchStart = prefetched;
      for (const end = Math.min(indexes.length, prefetched + PREFETCH_BATCH); prefetched < end; prefetched++) {
        const item = this.#planned(indexes[prefetched]!);
        ready.set(prefetched, item);
        batch.push(item.entry);
      }
      prefetching = this.#o.journal
        .prefetch(batch)
        .catch(() => undefined) // only a shortcut: each read looks its chunks up itself otherwise
        .finally(() => {
          prefetching = undefined;
          lookAhead();
        });
    };
    const worker = async () => {
      while (next < indexes.length && failure === undefined) {
        lookAhead();
        const position = next++;
        const item = ready.get(position) ?? this.#planned(indexes[position]!);
        ready.delete(position);
        try {
          if (prefetching !== undefined && position >= batchStart && position < prefetched) await prefetching;
          await this.#transferOne(item, suspect);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(slots, indexes.length) }, worker));
    await prefetching;
    if (failure !== undefined) throw failure;
  }

  /** Delivers one file; per-file failures are recorded, only cancellation propagates. */
  async #transferOne(item: Planned, suspect: boolean): Promise<void> {
    const { journal, ledger, destination, signal } = this.#o;
    const { entry, key, fingerprint } = item;
    this.#checkCancelled();
    // Transient: the journal opens large chunks in place in memory it reuses (OpenContent).
    const stream = (offset: number, sig?: AbortSignal) => this.#throttled(journal.readFile(entry, { offset, signal: sig ?? signal, transient: true }), sig ?? signal);
    const open: OpenContent = Object.assign(stream, {
      whole: async (sig?: AbortSignal) => {
        await this.#throttle.take(entry.size, sig ?? signal);
        return journal.readWhole(entry, { signal: sig ?? signal });
      },
      fill: (offset: number): ContentFill => {
        const content = journal.fillFile(entry, { offset });
        return {
          fill: async (block: Buffer, sig?: AbortSignal) => {
            await this.#throttle.take(block.length, sig ?? signal);
            await content.fill(block, sig ?? signal);
          },
          get atEnd() {
            return content.atEnd;
          },
          close: () => content.close(),
        };
      },
    });
    let sentThisAttempt = 0;
    const copied = this.#o.content;
    // Another name of a hard-linked file already delivered: this one becomes a link to it.
    const link = this.#links === undefined ? NO_LINK : await this.#links.claim(entry);
    let deliveredKey: string | undefined;
    let changed: FloeError | undefined;
    try {
      await withRetry(
        this.#retry,
        async (attempt) => {
          this.counters.BytesTransferred -= sentThisAttempt;
          sentThisAttempt = 0;
          if (copied !== undefined) {
            try {
              // A crashed copy (or a failed attempt) may have put this file before recording it.
              if ((suspect || attempt > 1) && (await this.#copyHeld(item, copied))) {
                deliveredKey = key;
                this.counters.FilesSkipped++;
                return;
              }
              await this.#copyOne(item, copied, link.linkTo, (bytes) => {
                sentThisAttempt += bytes;
                this.counters.BytesTransferred += bytes;
              });
            } catch (err) {
              // The file is no longer the one the catalog listed: another attempt cannot send that
              // version; it is reported, and the next run copies the new one.
              if (!isFloeError(err, 'SOURCE_CHANGED')) throw err;
              changed = err;
              return;
            }
            deliveredKey = key;
            return;
          }
          const resume = ledger.resumeState(this.#id, key, fingerprint);
          // A folder this run made holds nothing a crashed run put: no need to look (a stat saved a file).
          if (attempt > 1 || (suspect && destination.absentBefore?.(key) !== true)) {
            // A crashed run (or a failed attempt) may have completed this put before recording it.
            const held = await heldAlready(destination, key, entry, (offset, sig) => journal.readFile(entry, { offset, signal: sig ?? signal }), resume, signal);
            if (held !== undefined) {
              await this.#delivered(item, held.etag, entry.sha256);
              deliveredKey = key;
              this.counters.FilesSkipped++;
              return;
            }
          }
          const result = await destination.put(entry, open, {
            signal,
            ...(resume === undefined ? {} : { resume }),
            ...(link.linkTo === undefined ? {} : { linkTo: link.linkTo }),
            onResumeState: (state) => ledger.recordResume(this.#id, key, fingerprint, state),
            onProgress: (bytes) => {
              sentThisAttempt += bytes;
              this.counters.BytesTransferred += bytes;
            },
          });
          await this.#delivered(item, result.etag, entry.sha256);
          deliveredKey = key;
          this.counters.FilesTransferred++;
          this.counters.BytesWritten += entry.type === 'file' ? entry.size : 0;
          this.#report(item, 'transferred');
        },
        { signal },
      );
      if (changed !== undefined) throw changed;
    } catch (err) {
      if (signal?.aborted || isFloeError(err, 'CANCELLED')) throw new FloeError('CANCELLED', 'the execution was cancelled', { cause: err });
      this.counters.FilesFailed.Transfer++;
      await this.#fail(item, 'transfer', err);
    } finally {
      link.settle(deliveredKey);
    }
  }

  /** Whether the destination holds this copy's file already (copyHeldAlready); if so, it is recorded. */
  async #copyHeld(item: Planned, content: TransferContent): Promise<boolean> {
    const { destination, signal } = this.#o;
    const attempt = content.open(item.entry, signal);
    try {
      const held = await withRetry(this.#retry, () => copyHeldAlready(destination, item.key, item.entry, attempt, signal), { signal });
      if (held === undefined) return false;
      if (item.index !== undefined) this.#digests.set(item.index, held.digest);
      await this.#delivered(item, held.object.etag, held.digest);
      return true;
    } finally {
      attempt.close();
    }
  }

  /**
   * One attempt at a copy's file: the put reads the content from the source once, hashed as it
   * goes (source-content.ts); the digest, proven of one version of the file, is recorded.
   */
  async #copyOne(item: Planned, content: TransferContent, linkTo: string | undefined, onProgress: (bytes: number) => void): Promise<void> {
    const { destination, signal } = this.#o;
    const { entry } = item;
    const attempt: ContentAttempt = content.open(entry, signal);
    try {
      const open: OpenContent = (offset: number, sig?: AbortSignal) => this.#throttled(attempt.read(offset, sig ?? signal), sig ?? signal);
      const result = await destination.put(entry, open, {
        ...(signal === undefined ? {} : { signal }),
        ...(linkTo === undefined ? {} : { linkTo }),
        onProgress,
      });
      const digest = await attempt.finish(signal);
      if (item.index !== undefined) this.#digests.set(item.index, digest);
      await this.#delivered(item, result.etag, digest);
    } finally {
      attempt.close();
    }
    this.counters.FilesTransferred++;
    this.counters.BytesWritten += entry.type === 'file' ? entry.size : 0;
    this.#report(item, 'transferred');
  }

  /**
   * Records a delivery without holding the worker: the next file starts while the record becomes
   * durable (group commit). A crash can lose records in flight; the next run is then "suspect" and
   * finds those objects in place (heldAlready) instead of uploading them again.
   */
  async #delivered(item: Planned, etag: string | undefined, digest: Buffer): Promise<void> {
    const { entry, key, fingerprint } = item;
    if (this.#recording.size >= MAX_RECORDS_IN_FLIGHT) await Promise.race(this.#recording);
    const record = this.#o.ledger.recordDelivery({
      destination: this.#id,
      key,
      entry: fingerprint,
      path: displayPath(entry.path),
      sha256: digest.toString('hex'),
      size: entry.size,
      ...(etag === undefined || etag === '' ? {} : { etag }),
      executionId: this.#o.executionId,
      transfer: this.#o.transfer,
    });
    const tracked: Promise<unknown> = record.then(
      () => void this.#recording.delete(tracked),
      (err: unknown) => {
        this.#recording.delete(tracked);
        this.#recordFailure ??= { error: err };
      },
    );
    this.#recording.add(tracked);
    if (item.index !== undefined) this.#touched.push(item.index);
  }

  /** Waits until every delivery record is durable; fails if one could not be written. */
  async #recordsDurable(): Promise<void> {
    this.#o.ledger.flush();
    await Promise.all(this.#recording);
    if (this.#recordFailure !== undefined) throw this.#recordFailure.error;
  }

  async *#throttled(content: AsyncIterable<Buffer>, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    for await (const piece of content) {
      await this.#throttle.take(piece.length, signal);
      yield piece;
    }
  }

  async #verify(): Promise<void> {
    const mode = this.#options.VerifyMode;
    if (mode === 'NONE') return;
    const { destination, ledger } = this.#o;
    let items: number[];
    if (mode === 'ONLY_FILES_TRANSFERRED') {
      items = this.#touched;
    } else {
      // POINT_IN_TIME_CONSISTENT: every file of the catalog that is delivered, and the listing.
      items = [];
      const expected = new Set<string>();
      for (let index = 0; index < this.#catalog.size; index++) {
        const { key, fingerprint } = this.#planned(index);
        expected.add(key);
        if (ledger.delivered(this.#id, key, fingerprint) !== undefined) items.push(index);
      }
      await this.#compareListing(expected);
    }
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        this.#checkCancelled();
        const item = this.#hashed(this.#planned(items[next++]!));
        let mismatch: Mismatch | undefined;
        try {
          mismatch = await withRetry(this.#retry, () => verifyObject(destination, item.key, item.entry, this.#o.signal), { signal: this.#o.signal });
        } catch (err) {
          if (this.#o.signal?.aborted) throw err;
          const e = asFloeError(err);
          mismatch = { code: 'VERIFY_CHECKSUM_FAILURE', message: `${displayPath(item.entry.path)}: could not read it back: ${e.message}` };
        }
        if (mismatch === undefined) {
          this.counters.FilesVerified++;
          this.#report(item, 'verified');
          continue;
        }
        this.counters.FilesFailed.Verify++;
        await ledger.recordInvalid(this.#id, item.key, this.#o.executionId, mismatch.code);
        await this.#fail(item, 'verify', new FloeError(mismatch.code, mismatch.message));
      }
    };
    await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, items.length) }, worker));
  }

  /** A copy's file with the SHA-256 its delivery computed (this run's, else the delivery record's). */
  #hashed(item: Planned): Planned {
    if (this.#o.content === undefined || item.entry.type !== 'file') return item;
    const digest = (item.index === undefined ? undefined : this.#digests.get(item.index)) ?? hexDigest(this.#o.ledger.delivered(this.#id, item.key, item.fingerprint)?.sha256);
    return digest === undefined ? item : { ...item, entry: { ...item.entry, sha256: digest } };
  }

  /** POINT_IN_TIME_CONSISTENT: keys the destination has beyond the catalog, and delivered keys it lacks. */
  async #compareListing(expected: ReadonlySet<string>): Promise<void> {
    const { destination } = this.#o;
    for await (const object of destination.list({ signal: this.#o.signal })) {
      if (isReportKey(object.key)) continue;
      this.counters.FilesListed.AtDestinationForDelete++;
      if (expected.has(object.key)) continue;
      this.counters.FilesFailed.Verify++;
      await this.#fail(
        { entry: syntheticEntry(object.key, object.size), key: object.key, fingerprint: LISTED },
        'verify',
        new FloeError('VERIFY_FILES_ADDED', `Files were added: ${object.key} is in the destination but not in the journal`),
      );
    }
    // A delivered key the listing lacks is reported by verifyObject as VERIFY_FILES_REMOVED.
  }

  async #fail(item: Planned, phase: FailureRecord['phase'], err: unknown): Promise<void> {
    const e = asFloeError(err);
    // A journal chunk that fails its tag or SHA-256 check is DataSync's "Checksum failure".
    const code = e.code === 'JOURNAL_CORRUPT' || e.code === 'CHECKSUM_MISMATCH' || e.code === 'UNAUTHENTICATED' ? 'VERIFY_CHECKSUM_FAILURE' : e.code;
    const message = code === e.code ? e.message : `the journal's copy failed its check (${e.code}): ${e.message}`;
    const record = await this.#o.ledger.recordFailure({
      destination: this.#id,
      key: item.key,
      path: displayPath(item.entry.path),
      size: item.entry.size,
      sha256: item.fingerprint === LISTED ? '' : this.#shaText(item),
      phase,
      code,
      message,
      executionId: this.#o.executionId,
    });
    this.#failures.push(record);
    this.#report(item, 'failed', code, message);
  }

  #report(item: Planned, outcome: FileOutcome['outcome'], code?: string, message?: string): void {
    this.#o.onFileResult?.({
      path: displayPath(item.entry.path),
      key: item.key,
      size: item.entry.size,
      sha256: this.#shaText(item),
      outcome,
      ...(code === undefined ? {} : { code }),
      ...(message === undefined ? {} : { message }),
    });
  }

  /** The entry's SHA-256 as reports show it: '' for a copy's file not (yet) hashed. */
  #shaText(item: Planned): string {
    const known = this.#hashed(item).entry.sha256;
    return known.equals(UNHASHED) ? '' : known.toString('hex');
  }

  #checkCancelled(): void {
    if (this.#o.signal?.aborted) {
      if (this.machine.status !== 'CANCELLING' && !this.machine.isFinal) this.machine.cancel();
      throw new FloeError('CANCELLED', 'the execution was cancelled');
    }
  }
}

function hexDigest(hex: string | undefined): Buffer | undefined {
  return hex === undefined || hex.length !== 64 ? undefined : Buffer.from(hex, 'hex');
}

function syntheticEntry(key: string, size: number): FileEntry {
  return {
    path: Buffer.from(key),
    type: 'file',
    mode: 0,
    uid: 0,
    gid: 0,
    size,
    atimeNs: 0n,
    mtimeNs: 0n,
    ctimeNs: 0n,
    fsId: 0n,
    fileId: 0n,
    nlink: 0,
    rdevMajor: 0,
    rdevMinor: 0,
    sha256: Buffer.alloc(32),
    chunks: [],
  };
}

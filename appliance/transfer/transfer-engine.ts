// The journal -> destination engine (ARCHITECTURE.md, "Tasks and executions"; docs/transfer.md).
// One execution into one destination: PREPARING reads the catalog and the delivery ledger and
// decides what to send; TRANSFERRING streams each file's plaintext out of the journal (every chunk
// authenticated and hashed by Journal.readFile) into the destination, several files at once and
// parts in parallel for large ones, with retries, a bandwidth limit and durable delivery records;
// VERIFYING compares what the destination holds with the journal's SHA-256 and metadata.
// An agentless copy (docs/copy.md) runs the same engine with `content` and `catalog` from a
// Source: each file is read from the source and hashed as it is sent, and its delivery record and
// verification use that digest.
import { join } from 'node:path';
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
import { dirSortKey, ExecutionPlan, PLAN_CLASSES, PLAN_DIR, PLAN_KEPT, PLAN_LARGE, PLAN_OTHER, type PlanClass, type PlanFile } from './execution-plan.js';
import { PlanFeed } from './plan-feed.js';
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
  /** Where a plan too large for memory is written, sealed (default: the journal's `scratch` folder). */
  readonly scratchDir?: string;
  /** Bytes of the plan kept in memory before it is written out in runs (default DEFAULT_PLAN_MEMORY_BYTES). */
  readonly planMemoryBytes?: number;
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
  /** The file's place in the execution's catalog (PlanFile.ordinal); none for a file that failed to prepare. */
  readonly ordinal?: number;
}

export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_LARGE_CONCURRENCY = 2;
const DEFAULT_LARGE_FILE_BYTES = 8 * 1024 * 1024;
const VERIFY_CONCURRENCY = 8;
const MAX_RECORDS_IN_FLIGHT = 1024;
/** The fingerprint of an object found in the destination listing but not in the journal. */
const LISTED = 'listed';

export class TransferEngine {
  readonly counters: ExecutionCounters;
  readonly machine = new ExecutionStateMachine({ initialStatus: 'LAUNCHING' });
  readonly #o: TransferEngineOptions;
  readonly #options: TaskOptions;
  readonly #throttle: Throttle;
  readonly #failures: FailureRecord[] = [];
  /** The catalog as PREPARING found it, each file in its class: what TRANSFERRING sends and VERIFYING checks. */
  readonly #plan: ExecutionPlan;
  /** Files delivered or found in place by this execution (a bit per ordinal): what ONLY_FILES_TRANSFERRED verifies. */
  #touched = new Uint8Array(1024);
  #touchedCount = 0;
  readonly #id: string;
  readonly #recording = new Set<Promise<unknown>>();
  /** Names of hard-linked files, for destinations that keep hard links. */
  readonly #links: LinkGroups | undefined;
  /** A copy's digests computed this run (ordinal -> SHA-256), for verification. */
  readonly #digests = new Map<number, Buffer>();
  #recordFailure: { error: unknown } | undefined;

  constructor(options: TransferEngineOptions) {
    this.#o = options;
    this.counters = options.counters ?? createExecutionCounters();
    this.#options = { ...DEFAULT_TASK_OPTIONS, ...options.options };
    this.#throttle = options.throttle ?? new Throttle({ bytesPerSecond: this.#options.BytesPerSecond });
    this.#id = options.destinationId ?? options.destination.uri;
    this.#links = options.destination.capabilities.hardLinks ? new LinkGroups() : undefined;
    this.#plan = new ExecutionPlan({
      scratchDir: options.scratchDir ?? join(options.journal.dir, 'scratch'),
      ...(options.planMemoryBytes === undefined ? {} : { memoryBytes: options.planMemoryBytes }),
    });
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
      await this.#prepare();
      this.#enter('TRANSFERRING');
      try {
        await this.#transferAll(suspect);
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
    } finally {
      // Closing a scratch file cannot change the outcome: its space is freed when the process ends anyway.
      await this.#plan.close().catch(() => undefined);
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

  async #prepare(): Promise<void> {
    const { journal, ledger, destination } = this.#o;
    const largeBytes = this.#o.largeFileBytes ?? DEFAULT_LARGE_FILE_BYTES;
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
      // entryFingerprint, with the encoded record kept for the plan.
      const record = encodeFileEntry(entry);
      const digest = fingerprint ?? sha256(record);
      const item: Planned = { entry, key, fingerprint: digest.toString('hex') };
      this.counters.FilesPrepared++;
      let cls: PlanClass;
      if (this.#options.TransferMode === 'CHANGED' && this.#o.checkTarget !== true && ledger.delivered(this.#id, key, item.fingerprint) !== undefined) {
        this.counters.FilesSkipped++;
        this.#links?.seed(entry, key);
        cls = PLAN_KEPT;
      } else if (this.#options.OverwriteMode === 'NEVER' && (await this.#exists(key))) {
        this.counters.FilesSkipped++;
        this.#report(item, 'skipped', 'DESTINATION_EXISTS', 'OverwriteMode NEVER: the destination already has this key');
        cls = PLAN_KEPT;
      } else {
        this.counters.EstimatedFilesToTransfer++;
        this.counters.EstimatedBytesToTransfer += entry.type === 'file' ? entry.size : 0;
        cls = entry.type === 'directory' ? PLAN_DIR : entry.type === 'file' && entry.size > largeBytes ? PLAN_LARGE : PLAN_OTHER;
      }
      // Files in journal order (one pass over the device's disk); directories after their contents,
      // deepest first: writing into a folder changes its mtime.
      this.#plan.add(cls, cls === PLAN_DIR ? dirSortKey(entry.path) : cls === PLAN_KEPT ? 0 : Number(seq), record, digest);
      if (this.#plan.full) await this.#plan.spill();
    }
  }

  /** A file of the plan with its key. */
  #planned(file: PlanFile): Planned {
    return { entry: file.entry, key: this.#o.destination.keyFor(file.entry), fingerprint: file.fingerprint, ordinal: file.ordinal };
  }

  /** Files of the plan with their keys; with `wanted`, only those it keeps. */
  async *#itemsOf(files: AsyncIterable<PlanFile>, wanted?: (item: Planned) => boolean): AsyncGenerator<Planned> {
    for await (const file of files) {
      const item = this.#planned(file);
      if (wanted === undefined || wanted(item)) yield item;
    }
  }

  /** Every file of the plan, class after class. */
  async *#everyFile(): AsyncGenerator<PlanFile> {
    for (const cls of PLAN_CLASSES) yield* this.#plan.files(cls);
  }

  async #exists(key: string): Promise<boolean> {
    return (await withRetry(this.#retry, () => this.#o.destination.stat(key, { signal: this.#o.signal }), { signal: this.#o.signal })) !== null;
  }

  get #retry(): RetryPolicy {
    return this.#o.retry ?? DEFAULT_RETRY_POLICY;
  }

  async #transferAll(suspect: boolean): Promise<void> {
    const largeSlots = Math.max(1, this.#o.largeConcurrency ?? DEFAULT_LARGE_CONCURRENCY);
    const smallSlots = Math.max(1, (this.#o.concurrency ?? DEFAULT_CONCURRENCY) - Math.min(largeSlots, this.#plan.count(PLAN_LARGE)));
    // A failure in one pool stops the other too (it takes no more files), and both have ended
    // before the failure goes on: nothing is sent after the execution ends or reads a closed plan.
    const stop: { failure?: { error: unknown } } = {};
    const pools = await Promise.allSettled([this.#pool(PLAN_LARGE, largeSlots, suspect, false, stop), this.#pool(PLAN_OTHER, smallSlots, suspect, this.#o.content === undefined, stop)]);
    if (stop.failure !== undefined) throw stop.failure.error;
    for (const p of pools) if (p.status === 'rejected') throw p.reason;
    // Folders last, one depth level at a time, deepest first.
    await this.#pool(PLAN_DIR, smallSlots, suspect, false, stop);
  }

  /** Transfers the plan's files of class `cls`, `slots` at once; `prefetch`: small files, whose chunks are got ready in batches (Journal.prefetch). */
  async #pool(cls: PlanClass, slots: number, suspect: boolean, prefetch: boolean, stop: { failure?: { error: unknown } }): Promise<void> {
    const feed = new PlanFeed(this.#itemsOf(this.#plan.files(cls)), prefetch ? (entries) => this.#o.journal.prefetch(entries) : undefined);
    const worker = async () => {
      while (stop.failure === undefined) {
        try {
          const next = await feed.take();
          if (next === undefined || stop.failure !== undefined) return;
          // A file in the batch being got ready waits for it: a read that ran ahead of its batch
          // would look the chunk up and read the frame again by itself.
          await next.ready;
          await this.#transferOne(next.item, suspect);
        } catch (err) {
          stop.failure ??= { error: err };
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(slots, this.#plan.count(cls)) }, worker));
    } finally {
      await feed.close();
    }
    if (stop.failure !== undefined) throw stop.failure.error;
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
      if (item.ordinal !== undefined) this.#digests.set(item.ordinal, held.digest);
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
      if (item.ordinal !== undefined) this.#digests.set(item.ordinal, digest);
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
    if (item.ordinal !== undefined) this.#touch(item.ordinal);
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

  #touch(ordinal: number): void {
    if (ordinal >> 3 >= this.#touched.length) {
      const grown = new Uint8Array(Math.max(this.#touched.length * 2, (ordinal >> 3) + 1));
      grown.set(this.#touched);
      this.#touched = grown;
    }
    if (!this.#wasTouched(ordinal)) this.#touchedCount++;
    this.#touched[ordinal >> 3]! |= 1 << (ordinal & 7);
  }

  #wasTouched(ordinal: number): boolean {
    return ((this.#touched[ordinal >> 3] ?? 0) & (1 << (ordinal & 7))) !== 0;
  }

  /** The files this execution delivered or found in place, class after class; done once all are found. */
  async *#touchedFiles(): AsyncGenerator<PlanFile> {
    let left = this.#touchedCount;
    for (const cls of [PLAN_LARGE, PLAN_OTHER, PLAN_DIR] as const) {
      if (left === 0) return;
      for await (const file of this.#plan.files(cls, (ordinal) => this.#wasTouched(ordinal))) {
        yield file;
        if (--left === 0) return;
      }
    }
  }

  async #verify(): Promise<void> {
    const mode = this.#options.VerifyMode;
    if (mode === 'NONE') return;
    const { destination, ledger } = this.#o;
    let items: AsyncGenerator<Planned>;
    if (mode === 'ONLY_FILES_TRANSFERRED') {
      // Only the files this execution touched: none is kept (PLAN_KEPT), the others are not decoded.
      items = this.#itemsOf(this.#touchedFiles());
    } else {
      // POINT_IN_TIME_CONSISTENT: every file of the catalog that is delivered, and the listing.
      const expected = new Set<string>();
      for await (const file of this.#everyFile()) expected.add(this.#planned(file).key);
      await this.#compareListing(expected);
      items = this.#itemsOf(this.#everyFile(), (item) => ledger.delivered(this.#id, item.key, item.fingerprint) !== undefined);
    }
    const feed = new PlanFeed(items);
    const worker = async () => {
      for (;;) {
        this.#checkCancelled();
        const next = await feed.take();
        if (next === undefined) return;
        const item = this.#hashed(next.item);
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
    try {
      await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, this.#plan.size) }, worker));
    } finally {
      await feed.close();
    }
  }

  /** A copy's file with the SHA-256 its delivery computed (this run's, else the delivery record's). */
  #hashed(item: Planned): Planned {
    if (this.#o.content === undefined || item.entry.type !== 'file') return item;
    const digest = (item.ordinal === undefined ? undefined : this.#digests.get(item.ordinal)) ?? hexDigest(this.#o.ledger.delivered(this.#id, item.key, item.fingerprint)?.sha256);
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

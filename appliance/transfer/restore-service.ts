// Restore (ARCHITECTURE.md, "The way back"; docs/restore.md): a recovery point's files, filtered,
// written into a folder with their metadata by the same transfer engine as the import. Every byte
// is checked against the journal as it is read (Journal.readFile), VerifyMode reads the target
// back, and a restore run again after a crash, a restart or a cancel resumes from the target: each
// file is looked at there first and skipped when it already holds the entry.
import type { Destination } from '../destinations/destination.js';
import { FilesystemDestination } from '../destinations/filesystem/filesystem-destination.js';
import { openDestination } from '../destinations/open-destination.js';
import { NfsDestination, openNfsDestination } from '../destinations/nfs/nfs-destination.js';
import { ERROR_TABLE, FloeError, type ErrorCode } from '../errors.js';
import type { FileEntry } from '../journal/file-entry.js';
import type { Journal } from '../journal/journal.js';
import { findPoint, type PointRecord } from '../journal/recovery-points.js';
import type { Device, ExecutionControl } from '../lifecycle/device.js';
import { createFilter } from '../tasks/filters.js';
import { DEFAULT_TASK_OPTIONS, parseOptions, type TaskOptions } from '../tasks/options.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { newExecutionId, runDestinations, TransferRun, type RunStatus, type TransferServiceOptions } from './import-service.js';
import { findRestoreSummary, renderRestoreReport, type RestoreReportFiles, type RestoreSummary } from './restore-report.js';

export interface RestoreRequest {
  /** A recovery point's id (`floe journal points`), or `latest` (the default). */
  readonly point?: string;
  /** Where to write: `file:///path` (a folder, or a mounted share). */
  readonly target: string;
  readonly includes?: string;
  readonly excludes?: string;
  /** VerifyMode, OverwriteMode, TransferMode (CHANGED: look at the target first), PosixPermissions, Uid, Gid, Mtime, Atime, BytesPerSecond. */
  readonly options?: Partial<TaskOptions>;
}

export interface RestoreStatus extends RunStatus {
  readonly point: string;
  readonly target: string;
}

/** The ledger's name for a restore target: apart from any import destination of the same URI. */
export function restoreLedgerId(target: string): string {
  return `restore ${target}`;
}

export class RestoreService implements ExecutionControl {
  readonly #device: Device;
  readonly #options: TransferServiceOptions;
  #run: { run: TransferRun; point: PointRecord; target: string } | undefined;
  readonly #unregister: () => void;

  constructor(device: Device, options: TransferServiceOptions = {}) {
    this.#device = device;
    this.#options = options;
    this.#unregister = device.addExecutionControl(this);
  }

  /** Starts a restore and returns at once; `wait()` or `status()` follow it. */
  async start(request: RestoreRequest): Promise<RestoreStatus> {
    if (this.#run?.run.running) throw new FloeError('CONFLICT', `restore ${this.#run.run.executionId} is already running: wait for it or cancel it`);
    const target = checkTarget(request.target);
    const journal = this.#device.journal(); // DEVICE_LOCKED when it holds no key
    this.#device.checkAction('restore'); // by the job's direction (job-lifecycle.ts): only ON_SITE on an EXPORT device
    const options = parseOptions(request.options ?? {}, DEFAULT_TASK_OPTIONS);
    const filter = createFilter({ ...(request.includes === undefined ? {} : { includes: request.includes }), ...(request.excludes === undefined ? {} : { excludes: request.excludes }) });
    const point = await findPoint(journal, request.point ?? 'latest');
    const destination = /^nfs:/iu.test(target) ? await openNfsDestination(target) : await openDestination(target);
    try {
      if (destination instanceof FilesystemDestination) {
        await destination.checkWritable();
        destination.deferDurability();
      }
      // Each file is COMMITted before it is renamed into place; NFSv3 makes names and attributes stable as it answers.
      if (destination instanceof NfsDestination) await destination.checkWritable();
    } catch (err) {
      await destination.close().catch(() => undefined);
      throw err;
    }
    const run = new TransferRun(newExecutionId('restore'), 'restore', this.#options);
    this.#run = { run, point, target };
    const selected = { files: 0, bytes: 0 };
    const catalog = async function* (): AsyncGenerator<{ entry: FileEntry; seq: bigint }> {
      for await (const item of journal.catalogAt(point.seq)) {
        const { entry } = item;
        if (!(entry.type === 'directory' ? filter.includeDir(entry.path) : filter.includeFile(entry.path))) continue;
        selected.files++;
        selected.bytes += entry.type === 'file' ? entry.size : 0;
        yield item;
      }
    };
    run.done = this.#execute(run, journal, destination, catalog, options, { point, target, request, selected });
    run.done.catch(() => undefined);
    run.announce();
    return this.#status(run);
  }

  status(): RestoreStatus | null {
    return this.#run === undefined ? null : this.#status(this.#run.run);
  }

  async wait(): Promise<RestoreStatus> {
    if (this.#run === undefined) throw new FloeError('NOT_FOUND', 'no restore was started since the daemon started');
    const { run } = this.#run;
    await run.done;
    return this.#status(run);
  }

  running(): number {
    return this.#run?.run.running ? 1 : 0;
  }

  async cancelAll(): Promise<void> {
    await this.cancel();
  }

  /** Stops a running restore; what is written stays, and the next restore of the point skips it. */
  async cancel(): Promise<void> {
    const current = this.#run;
    if (current === undefined || !current.run.running) return;
    current.run.controller.abort();
    await current.run.done.catch(() => undefined);
  }

  setBytesPerSecond(value: unknown): RestoreStatus {
    if (this.#run === undefined) throw new FloeError('NOT_FOUND', 'no restore was started since the daemon started');
    this.#run.run.setBytesPerSecond(value);
    return this.#status(this.#run.run);
  }

  /** The report of `executionId`, or of the newest restore, rendered from the journal. */
  async report(executionId?: string): Promise<RestoreReportFiles> {
    const journal = this.#device.journal();
    const summary = await findRestoreSummary(journal, executionId);
    if (summary === undefined) throw new FloeError('NOT_FOUND', executionId === undefined ? 'no restore has ended on this device yet: there is no restore report' : `restore ${executionId} has no report (it has not ended, or it never ran here)`);
    return renderRestoreReport(await DeliveryLedger.open(journal), restoreLedgerId(summary.target), summary);
  }

  close(): void {
    this.#unregister();
  }

  #status(run: TransferRun): RestoreStatus {
    const current = this.#run!;
    return { ...run.status(), point: current.point.id, target: current.target };
  }

  async #execute(
    run: TransferRun,
    journal: Journal,
    destination: Destination,
    catalog: () => AsyncIterable<{ entry: FileEntry; seq: bigint }>,
    options: TaskOptions,
    about: { point: PointRecord; target: string; request: RestoreRequest; selected: { files: number; bytes: number } },
  ): Promise<RunStatus> {
    let failure: unknown;
    let state: 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'FAILED' | 'CANCELLED' = 'FAILED';
    let summary: RestoreSummary | undefined;
    try {
      const ledger = await DeliveryLedger.open(journal);
      const [result] = await runDestinations(run, journal, ledger, [{ destination, id: restoreLedgerId(about.target) }], 'restore', options, { ...this.#options.engine, catalog, checkTarget: true });
      const r = result!;
      // One syncfs for the whole restore instead of an fsync per file and folder (docs/restore.md, "Durability").
      if (destination instanceof FilesystemDestination) await destination.syncAll();
      const filesFailed = ledger.failures(run.executionId).length;
      // ERROR with files failed is a restore that ran to its end with errors; ERROR with none is
      // one that could not go on (the target went away, the journal failed a read of its catalog).
      if (r.status === 'SUCCESS') state = filesFailed === 0 ? 'COMPLETED' : 'COMPLETED_WITH_ERRORS';
      else if (r.status === 'ERROR') state = filesFailed > 0 ? 'COMPLETED_WITH_ERRORS' : 'FAILED';
      else state = 'CANCELLED';
      summary = {
        kind: 'restore-report',
        executionId: run.executionId,
        status: state === 'COMPLETED' ? 'Completed' : state === 'COMPLETED_WITH_ERRORS' ? 'Completed with errors' : state === 'CANCELLED' ? 'Cancelled' : 'Failed',
        point: about.point.id,
        pointSeq: about.point.seq.toString(),
        target: about.target,
        ...(about.request.includes === undefined ? {} : { includes: about.request.includes }),
        ...(about.request.excludes === undefined ? {} : { excludes: about.request.excludes }),
        startedAt: run.startedAt,
        endedAt: new Date().toISOString(),
        verifyMode: options.VerifyMode,
        overwriteMode: options.OverwriteMode,
        filesSelected: about.selected.files,
        bytesSelected: about.selected.bytes,
        executionStatus: r.status,
        counters: r.counters,
        result: r.result,
        filesFailed,
        ...(destination instanceof NfsDestination ? { targetCounters: { ...destination.counters } } : {}),
      };
      if (state === 'FAILED') failure = new FloeError(isErrorCode(r.result.ErrorCode) ? r.result.ErrorCode : 'INTERNAL', r.result.ErrorDetail ?? 'the restore failed');
      await journal.appendEvent(summary as unknown as { kind: string } & Record<string, unknown>);
      // On an EXPORT device a restore that ran to its end is the job's delivery: ON_SITE -> RESTORED*.
      if (state === 'COMPLETED' || state === 'COMPLETED_WITH_ERRORS') await this.#device.finishRestore(state === 'COMPLETED_WITH_ERRORS');
    } catch (err) {
      failure = err;
      state = run.controller.signal.aborted ? 'CANCELLED' : 'FAILED';
    } finally {
      await destination.close().catch(() => undefined);
    }
    return run.finish(state, failure === undefined ? {} : { error: failure });
  }
}

function isErrorCode(code: string | undefined): code is ErrorCode {
  return code !== undefined && Object.hasOwn(ERROR_TABLE, code);
}

/** A folder (file:///path, also a mounted share) or an NFS export through floe's own client (nfs://host/export/path). */
function checkTarget(target: unknown): string {
  if (typeof target !== 'string' || target === '') throw new FloeError('INVALID_ARGUMENT', 'a restore needs a target: --to file:///path or --to nfs://host/export/path');
  const scheme = /^([a-z][a-z0-9+.-]*):/iu.exec(target)?.[1]?.toLowerCase();
  if (scheme === 'file' || scheme === 'nfs') return target;
  throw new FloeError('INVALID_ARGUMENT', `${target}: a restore target is a folder, file:///path, or an NFS export, nfs://host/export/path (s3:// is a destination of floe import and floe sync)`, { details: { target } });
}

// Import at the facility (ARCHITECTURE.md, "Lifecycle"): AT_FACILITY (the seal was checked at
// unlock) -> IMPORTING -> IMPORTED or IMPORTED_WITH_ERRORS. Runs the transfer engine into each of
// the job's destinations in turn (or the ones given), then keeps the job completion report in the
// journal. A crashed or cancelled import leaves the device IMPORTING; `start` again resumes it, and
// a finished import may be run again (what is delivered is skipped).
import { setMaxListeners } from 'node:events';
import type { Destination } from '../destinations/destination.js';
import { asFloeError, FloeError } from '../errors.js';
import type { Journal } from '../journal/journal.js';
import type { Device } from '../lifecycle/device.js';
import { randomBytes } from '../crypto/random.js';
import { DEFAULT_TASK_OPTIONS, parseBytesPerSecond, parseOptions, type TaskOptions } from '../tasks/options.js';
import { Throttle } from '../tasks/throttle.js';
import { DeliveryLedger, entryFingerprint } from './delivery-ledger.js';
import { chooseDestinations, openDestinationSpec, type DestinationSpec, type S3Defaults } from './destination-config.js';
import { latestImportSummary, renderReport, uploadReport, writeReportFiles, type DestinationSummary, type ImportSummary, type ReportFiles } from './import-report.js';
import { TransferEngine, type TransferEngineOptions, type TransferResult } from './transfer-engine.js';

export type EngineTuning = Partial<Pick<TransferEngineOptions, 'concurrency' | 'largeConcurrency' | 'largeFileBytes' | 'retry'>>;
/** What runDestinations passes on to each engine: the tuning, and for a restore its catalog and checkTarget. */
type EngineExtras = EngineTuning & Partial<Pick<TransferEngineOptions, 'catalog' | 'checkTarget'>>;

export interface TransferServiceOptions {
  /** Added to every S3 destination: credentials, part size, parts in flight. */
  readonly s3?: S3Defaults;
  readonly engine?: EngineTuning;
  /** Hears `<prefix>.progress` about once a second while running, and `<prefix>.status` on each change. */
  readonly publish?: (type: string, data: unknown) => void;
  readonly progressIntervalMs?: number;
}

export interface TransferRequest {
  /** Overrides the job's destinations: URIs or full specs. */
  readonly destinations?: ReadonlyArray<string | DestinationSpec>;
  /** Task options (VerifyMode, OverwriteMode, TransferMode, BytesPerSecond, ...). */
  readonly options?: Partial<TaskOptions>;
  /** Also put the report files next to the data, under `.floe-report/<execution>/`. */
  readonly uploadReport?: boolean;
}

export type RunState = 'RUNNING' | 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'FAILED' | 'CANCELLED';

export interface DestinationProgress {
  readonly uri: string;
  readonly status: string;
  readonly counters: TransferResult['counters'];
  readonly result: TransferResult['result'];
}

export interface RunStatus {
  readonly executionId: string;
  readonly state: RunState;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly destinations: readonly DestinationProgress[];
  readonly error?: { code: string; message: string };
  readonly report?: ImportSummary;
}

export function newExecutionId(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[-:.]/gu, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
}

/** One run of the engine over several destinations, with progress and status; shared by import and sync. */
export class TransferRun {
  readonly executionId: string;
  readonly startedAt = new Date().toISOString();
  readonly controller = new AbortController();
  readonly engines: TransferEngine[] = [];
  /** One BytesPerSecond limit for every destination of the run, changeable while it runs. */
  throttle: Throttle | undefined;
  readonly #publish: ((type: string, data: unknown) => void) | undefined;
  readonly #prefix: string;
  #state: RunState = 'RUNNING';
  #endedAt: string | undefined;
  #error: { code: string; message: string } | undefined;
  #report: ImportSummary | undefined;
  #timer: NodeJS.Timeout | undefined;
  done: Promise<RunStatus> = Promise.resolve(undefined as unknown as RunStatus);

  constructor(executionId: string, prefix: string, options: TransferServiceOptions) {
    this.executionId = executionId;
    this.#prefix = prefix;
    this.#publish = options.publish;
    // Every put and read in flight listens on the one signal.
    setMaxListeners(0, this.controller.signal);
    if (this.#publish !== undefined) {
      this.#timer = setInterval(() => this.#publish?.(`${prefix}.progress`, this.status()), options.progressIntervalMs ?? 1000);
      this.#timer.unref();
    }
  }

  get running(): boolean {
    return this.#state === 'RUNNING';
  }

  /** BytesPerSecond for the rest of the run (-1: no limit); takes effect on the next bytes sent. */
  setBytesPerSecond(value: unknown): void {
    const rate = parseBytesPerSecond(value);
    if (!this.running) throw new FloeError('INVALID_STATE', `${this.executionId} is not running`);
    this.throttle ??= new Throttle({ bytesPerSecond: rate });
    this.throttle.setRate(rate);
  }

  status(): RunStatus {
    const destinations = this.engines.map((e) => {
      const r = e.result();
      return { uri: r.destination, status: r.status, counters: r.counters, result: r.result };
    });
    return {
      executionId: this.executionId,
      state: this.#state,
      startedAt: this.startedAt,
      ...(this.#endedAt === undefined ? {} : { endedAt: this.#endedAt }),
      destinations,
      ...(this.#error === undefined ? {} : { error: this.#error }),
      ...(this.#report === undefined ? {} : { report: this.#report }),
    };
  }

  announce(): void {
    this.#publish?.(`${this.#prefix}.status`, this.status());
  }

  finish(state: RunState, extra: { error?: unknown; report?: ImportSummary } = {}): RunStatus {
    this.#state = state;
    this.#endedAt = new Date().toISOString();
    if (extra.error !== undefined) {
      const e = asFloeError(extra.error);
      this.#error = { code: e.code, message: e.message };
    }
    if (extra.report !== undefined) this.#report = extra.report;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const status = this.status();
    this.#publish?.(`${this.#prefix}.progress`, status);
    this.announce();
    return status;
  }
}

/** Runs the engine into each destination in turn; closes them. Cancellation propagates. */
export async function runDestinations(
  run: TransferRun,
  journal: Journal,
  ledger: DeliveryLedger,
  destinations: readonly OpenedDestination[],
  transfer: 'import' | 'sync' | 'restore',
  options: TaskOptions,
  tuning: EngineExtras,
): Promise<TransferResult[]> {
  const results: TransferResult[] = [];
  run.throttle ??= new Throttle({ bytesPerSecond: options.BytesPerSecond });
  for (const { destination, id } of destinations) {
    const engine = new TransferEngine({ journal, ledger, destination, destinationId: id, throttle: run.throttle, executionId: run.executionId, transfer, options, signal: run.controller.signal, ...tuning });
    run.engines.push(engine);
    run.announce();
    try {
      results.push(await engine.run());
    } catch (err) {
      if (run.controller.signal.aborted) throw new FloeError('CANCELLED', 'the execution was cancelled', { cause: err });
      results.push(engine.result());
    }
    run.announce();
  }
  return results;
}

export interface OpenedDestination {
  readonly destination: Destination;
  /** The ledger's name for it: the URI, with the endpoint of an S3-compatible server (one bucket name on two servers is two destinations). */
  readonly id: string;
}

export function destinationId(spec: DestinationSpec): string {
  return spec.endpoint === undefined ? spec.uri : `${spec.uri} (${spec.endpoint})`;
}

export async function openAll(specs: readonly DestinationSpec[], s3: S3Defaults | undefined): Promise<OpenedDestination[]> {
  const opened: OpenedDestination[] = [];
  try {
    for (const spec of specs) opened.push({ destination: await openDestinationSpec(spec, s3), id: destinationId(spec) });
  } catch (err) {
    await Promise.all(opened.map((d) => d.destination.close().catch(() => undefined)));
    throw err;
  }
  return opened;
}

export class ImportService {
  readonly #device: Device;
  readonly #options: TransferServiceOptions;
  #run: TransferRun | undefined;

  constructor(device: Device, options: TransferServiceOptions = {}) {
    this.#device = device;
    this.#options = options;
  }

  /** Starts an import and returns at once; `wait()` or `status()` follow it. */
  async start(request: TransferRequest = {}): Promise<RunStatus> {
    if (this.#run?.running) throw new FloeError('CONFLICT', `import ${this.#run.executionId} is already running`);
    this.#device.checkAction('import'); // by the job's direction (job-lifecycle.ts): never on an EXPORT device
    const journal = this.#device.journal(); // DEVICE_LOCKED when it holds no key
    const options = parseOptions(request.options ?? {}, DEFAULT_TASK_OPTIONS);
    const specs = chooseDestinations(this.#device.identity.destinations as readonly DestinationSpec[] | undefined, request.destinations);
    const destinations = await openAll(specs, this.#options.s3);
    const run = new TransferRun(newExecutionId('import'), 'import', this.#options);
    this.#run = run;
    run.done = this.#execute(run, journal, destinations, options, request.uploadReport === true);
    run.done.catch(() => undefined);
    run.announce();
    return run.status();
  }

  /** Starts an import and waits for its end. */
  async run(request: TransferRequest = {}): Promise<RunStatus> {
    await this.start(request);
    return this.wait();
  }

  status(): RunStatus | null {
    return this.#run?.status() ?? null;
  }

  async wait(): Promise<RunStatus> {
    if (this.#run === undefined) throw new FloeError('NOT_FOUND', 'no import was started since the daemon started');
    return this.#run.done;
  }

  running(): number {
    return this.#run?.running ? 1 : 0;
  }

  /** Changes BytesPerSecond of the running import. */
  setBytesPerSecond(value: unknown): RunStatus {
    if (this.#run === undefined) throw new FloeError('NOT_FOUND', 'no import was started since the daemon started');
    this.#run.setBytesPerSecond(value);
    return this.#run.status();
  }

  /** Stops a running import; the device stays IMPORTING and the next start resumes. */
  async cancel(): Promise<void> {
    const run = this.#run;
    if (run === undefined || !run.running) return;
    run.controller.abort();
    await run.done.catch(() => undefined);
  }

  /** The latest job completion report, rendered from the journal. */
  async report(): Promise<ReportFiles> {
    const journal = this.#device.journal();
    const summary = await latestImportSummary(journal);
    if (summary === undefined) throw new FloeError('NOT_FOUND', 'no import has finished on this device yet: there is no job completion report');
    return renderReport(journal, await DeliveryLedger.open(journal), summary);
  }

  async writeReport(dir: string): Promise<string[]> {
    return writeReportFiles(dir, await this.report());
  }

  async #execute(run: TransferRun, journal: Journal, destinations: OpenedDestination[], options: TaskOptions, upload: boolean): Promise<RunStatus> {
    try {
      if (this.#device.state !== 'IMPORTING') await this.#device.beginImport();
      const ledger = await DeliveryLedger.open(journal);
      const results = await runDestinations(run, journal, ledger, destinations, 'import', options, this.#options.engine ?? {});
      const summary = await this.#summarize(run, journal, ledger, results, options);
      await journal.appendEvent(summary as unknown as { kind: string } & Record<string, unknown>);
      if (upload) {
        const files = await renderReport(journal, ledger, summary);
        for (const d of destinations) await uploadReport(d.destination, run.executionId, files, run.controller.signal);
      }
      await this.#device.finishImport(summary.status !== 'Completed');
      return run.finish(summary.status === 'Completed' ? 'COMPLETED' : 'COMPLETED_WITH_ERRORS', { report: summary });
    } catch (err) {
      return run.finish(run.controller.signal.aborted ? 'CANCELLED' : 'FAILED', { error: err });
    } finally {
      await Promise.all(destinations.map((d) => d.destination.close().catch(() => undefined)));
    }
  }

  async #summarize(run: TransferRun, journal: Journal, ledger: DeliveryLedger, results: TransferResult[], options: TaskOptions): Promise<ImportSummary> {
    let files = 0;
    let bytes = 0;
    const fingerprints: Array<{ fingerprint: string; size: number }> = [];
    for await (const entry of journal.files()) {
      files++;
      bytes += entry.type === 'file' ? entry.size : 0;
      fingerprints.push({ fingerprint: entryFingerprint(entry), size: entry.type === 'file' ? entry.size : 0 });
    }
    const current = new Map(fingerprints.map((f) => [f.fingerprint, f.size]));
    let complete = true;
    const destinations: DestinationSummary[] = results.map((r) => {
      let filesDelivered = 0;
      let bytesDelivered = 0;
      for (const d of ledger.deliveries(r.destination).values()) {
        const size = current.get(d.entry);
        if (size === undefined) continue;
        filesDelivered++;
        bytesDelivered += size;
      }
      if (r.status !== 'SUCCESS' || filesDelivered < files) complete = false;
      return { uri: r.destination, executionStatus: r.status, counters: r.counters, result: r.result, filesDelivered, bytesDelivered };
    });
    const filesFailed = ledger.failures(run.executionId).length;
    return {
      kind: 'import-report',
      jobId: this.#device.identity.jobId,
      deviceId: this.#device.identity.deviceId,
      executionId: run.executionId,
      status: complete && filesFailed === 0 ? 'Completed' : 'Completed with errors',
      startedAt: run.startedAt,
      endedAt: new Date().toISOString(),
      verifyMode: options.VerifyMode,
      filesInJournal: files,
      bytesInJournal: bytes,
      filesFailed,
      destinations,
    };
  }
}

// The UI's data layer: polls the daemon, follows its event stream, reconnects with backoff when
// the daemon goes away, and offers the actions the screens call. Plain TypeScript, no react: the
// screens read its Snapshot (ui/data/use-snapshot.ts) and tests can drive it with a fake source.
import { Backoff } from './backoff.js';
import { pickCurrent, transferAsExecution } from './current-transfer.js';
import type { DiskSpaceSource, FloeSource } from './floe-source.js';
import { emptySnapshot, valueOf, type ActionResult, type Actions, type Remote, type Snapshot } from './snapshot.js';
import { ThroughputMeter } from './throughput.js';
import { toRestore } from './normalize.js';
import { NOT_AVAILABLE, isNotAvailable, toUiError, type UiError } from './ui-error.js';
import {
  isRunning,
  type DeviceStatus,
  type ErrorLine,
  type ExecutionView,
  type RestoreInput,
  type RestoreView,
  type TaskInput,
  type TransferView,
  type UiEvent,
} from './views.js';

export { LOADING, emptySnapshot, valueOf } from './snapshot.js';
export type { ActionResult, Actions, ConnectionView, Remote, Snapshot, ThroughputView, UnlockProgressView, VerifyView } from './snapshot.js';

export interface StoreOptions {
  /** One poll every this many ms (1000). */
  readonly intervalMs?: number;
  /** A route that is not on the daemon is asked again after this long (15000), in case it lands. */
  readonly unavailableRetryMs?: number;
  readonly backoff?: Backoff;
  readonly now?: () => number;
}

const MAX_ERRORS = 5;
const HISTORY = 40;
const RATE_WINDOW_MS = 3000;

type RemoteValue<R> = R extends Remote<infer T> ? T : never;
type Key = 'status' | 'label' | 'journal' | 'disk' | 'tasks' | 'executions' | 'device' | 'importStatus' | 'syncStatus' | 'report' | 'points' | 'restoreStatus';
/** How many ticks between polls of each. */
const EVERY: Record<Key, number> = { status: 1, executions: 1, label: 5, journal: 3, disk: 5, tasks: 2, device: 5, importStatus: 2, syncStatus: 3, report: 5, points: 5, restoreStatus: 2 };

export class UiStore implements Actions {
  readonly #source: FloeSource;
  readonly #interval: number;
  readonly #unavailableRetry: number;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  readonly #unavailableUntil = new Map<Key, number>();
  readonly #knownExecutions = new Set<string>();
  #snapshot: Snapshot;
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;
  #closed = false;
  #eventsAbort = new AbortController();
  #lastEventId: number | undefined;
  readonly #meter: ThroughputMeter;
  readonly #importMeter: ThroughputMeter;
  readonly #syncMeter: ThroughputMeter;
  readonly #restoreMeter: ThroughputMeter;
  #polling: Promise<void> | undefined;
  #eventWake: (() => void) | undefined;

  constructor(source: FloeSource, options: StoreOptions = {}) {
    this.#source = source;
    this.#interval = options.intervalMs ?? 1000;
    this.#unavailableRetry = options.unavailableRetryMs ?? 15_000;
    this.#backoff = options.backoff ?? new Backoff();
    this.#now = options.now ?? Date.now;
    this.#snapshot = emptySnapshot(this.#now());
    // A rate over the last few seconds, and one poll more so that a slow poll still has two samples.
    const window = RATE_WINDOW_MS + this.#interval;
    this.#meter = new ThroughputMeter(window, HISTORY);
    this.#importMeter = new ThroughputMeter(window, HISTORY);
    this.#syncMeter = new ThroughputMeter(window, HISTORY);
    this.#restoreMeter = new ThroughputMeter(window, HISTORY);
  }

  start(): void {
    this.#schedule(0);
    void this.#followEvents();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#eventsAbort.abort();
    this.#eventWake?.();
  }

  getSnapshot = (): Snapshot => this.#snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Polls now (after an action, or a lifecycle event). */
  refresh(): void {
    this.#schedule(0);
  }

  /** One poll, awaited (tests). */
  async pollOnce(): Promise<void> {
    await this.#poll();
  }

  #update(patch: Partial<Snapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch, now: this.#now() };
    for (const l of this.#listeners) l();
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll().finally(() => {
        if (this.#timer === undefined) this.#schedule(this.#snapshot.connection.online ? this.#interval : (this.#snapshot.connection.retryInMs ?? this.#interval));
      });
    }, ms);
    this.#timer.unref?.();
  }

  #poll(): Promise<void> {
    this.#polling ??= this.#pollNow().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #pollNow(): Promise<void> {
    const tick = this.#ticks++;
    let status: DeviceStatus;
    try {
      status = await this.#source.status();
    } catch (err) {
      this.#offline(toUiError(err));
      return;
    }
    if (this.#closed) return;
    const wasOnline = this.#snapshot.connection.online;
    this.#backoff.reset();
    const location = this.#source.location;
    this.#update({
      status: { state: 'ok', value: status, at: this.#now() },
      connection: { ...this.#snapshot.connection, online: true, everOnline: true, ...(location === undefined ? {} : { location }), lastError: undefined, retryInMs: undefined },
    });
    if (!wasOnline) this.#eventWake?.();
    const due = (k: Key): boolean => !wasOnline || tick % EVERY[k] === 0;
    const jobs: Promise<void>[] = [];
    if (status.state === 'LOCKED' && (due('label') || this.#snapshot.label.state !== 'ok')) jobs.push(this.#fetch('label', () => this.#source.label()));
    if (due('journal')) jobs.push(this.#fetch('journal', () => this.#source.journalStats()));
    const diskSource = this.#source as Partial<DiskSpaceSource>;
    if (due('disk') && typeof diskSource.journalDisk === 'function' && valueOf(this.#snapshot.device)?.dataDisk === undefined) jobs.push(this.#fetch('disk', () => (diskSource as DiskSpaceSource).journalDisk()));
    if (due('tasks')) jobs.push(this.#fetch('tasks', () => this.#source.tasks()));
    if (due('device')) {
      jobs.push(
        this.#fetch('device', () => this.#source.device()).then(() => {
          const d = valueOf(this.#snapshot.device)?.dataDisk;
          if (d && d.totalBytes > 0) this.#update({ disk: { state: 'ok', value: d, at: this.#now() } });
        }),
      );
    }
    if (due('importStatus')) jobs.push(this.#fetch('importStatus', () => this.#source.importStatus()));
    if (due('syncStatus')) jobs.push(this.#fetch('syncStatus', () => this.#source.syncStatus()));
    if (due('report')) jobs.push(this.#fetch('report', () => this.#source.report()));
    // Points are read from the journal: none without the keys (DEVICE_LOCKED), asked again once unlocked.
    if (due('points') || (status.unlocked && this.#snapshot.points.state === 'error' && this.#snapshot.points.error.code === 'DEVICE_LOCKED')) jobs.push(this.#fetch('points', () => this.#source.recoveryPoints()));
    if (due('restoreStatus') || valueOf(this.#snapshot.restoreStatus)?.status === 'RUNNING') jobs.push(this.#fetch('restoreStatus', () => this.#source.restoreStatus()));
    await Promise.all(jobs);
    await this.#pollExecutions();
  }

  #offline(error: UiError): void {
    if (this.#closed) return;
    const retryInMs = this.#backoff.next();
    this.#source.reset();
    this.#update({ connection: { ...this.#snapshot.connection, online: false, lastError: error, retryInMs } });
  }

  async #fetch<K extends Key>(key: K, load: () => Promise<RemoteValue<Snapshot[K]>>): Promise<void> {
    const until = this.#unavailableUntil.get(key);
    if (until !== undefined && this.#now() < until) return;
    try {
      const value = await load();
      this.#unavailableUntil.delete(key);
      this.#update({ [key]: { state: 'ok', value, at: this.#now() } } as Partial<Snapshot>);
    } catch (err) {
      const error = toUiError(err);
      if (isNotAvailable(error)) {
        this.#unavailableUntil.set(key, this.#now() + this.#unavailableRetry);
        this.#update({ [key]: { state: 'unavailable' } } as Partial<Snapshot>);
        return;
      }
      const previous = valueOf(this.#snapshot[key] as Remote<unknown>);
      this.#update({ [key]: previous === undefined ? { state: 'error', error } : { state: 'error', error, value: previous } } as Partial<Snapshot>);
    }
  }

  async #pollExecutions(): Promise<void> {
    await this.#fetch('executions', () => this.#source.executions());
    let list = valueOf(this.#snapshot.executions) ?? [];
    // Without a list route, follow the executions the tasks name and the ones this UI started.
    if (this.#snapshot.executions.state === 'unavailable') {
      for (const t of valueOf(this.#snapshot.tasks) ?? []) if (t.currentExecutionId) this.#knownExecutions.add(t.currentExecutionId);
      const found: ExecutionView[] = [];
      for (const id of this.#knownExecutions) {
        try {
          found.push(await this.#source.execution(id));
        } catch {
          // gone or unreachable: keep the others
        }
      }
      list = found;
    }
    let current = pickCurrent(list);
    // At the facility (or during online sync) the transfer that runs is an import or a sync run.
    if (!isRunning(current)) {
      const run = [valueOf(this.#snapshot.importStatus), valueOf(this.#snapshot.syncStatus)].find((t) => t?.status === 'RUNNING' && t.destinations.length > 0);
      if (run) current = transferAsExecution(run, run === valueOf(this.#snapshot.importStatus) ? 'import' : 'online sync');
    }
    const t = this.#now();
    const runOf = (r: Remote<TransferView>, kind: string): ExecutionView | undefined => {
      const run = valueOf(r);
      return run?.status === 'RUNNING' && run.destinations.length > 0 ? transferAsExecution(run, kind) : undefined;
    };
    this.#update({
      current,
      throughput: this.#meter.sample(current, t),
      importThroughput: this.#importMeter.sample(runOf(this.#snapshot.importStatus, 'import'), t),
      syncThroughput: this.#syncMeter.sample(runOf(this.#snapshot.syncStatus, 'online sync'), t),
      restoreThroughput: this.#restoreMeter.sample(runOf(this.#snapshot.restoreStatus, 'restore'), t),
    });
  }

  // --- events -------------------------------------------------------------------------------

  async #followEvents(): Promise<void> {
    const backoff = new Backoff(250, 5000);
    while (!this.#closed) {
      if (!this.#snapshot.connection.online) {
        await this.#sleep(this.#interval);
        continue;
      }
      try {
        this.#update({ connection: { ...this.#snapshot.connection, events: this.#snapshot.connection.events === 'live' ? 'reconnecting' : this.#snapshot.connection.events } });
        const live = (): void => {
          if (this.#snapshot.connection.events !== 'live') this.#update({ connection: { ...this.#snapshot.connection, events: 'live' } });
          backoff.reset();
        };
        await this.#source.events(
          this.#lastEventId,
          (e) => {
            live();
            this.#onEvent(e);
          },
          this.#eventsAbort.signal,
          live,
        );
        if (this.#closed) return;
        this.#update({ connection: { ...this.#snapshot.connection, events: 'reconnecting' } });
        await this.#sleep(backoff.next());
      } catch (err) {
        if (this.#closed) return;
        const error = toUiError(err);
        if (error.code === NOT_AVAILABLE) {
          this.#update({ connection: { ...this.#snapshot.connection, events: 'unavailable' } });
          await this.#sleep(this.#unavailableRetry);
        } else {
          this.#update({ connection: { ...this.#snapshot.connection, events: 'reconnecting' } });
          await this.#sleep(backoff.next());
        }
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#eventWake = undefined;
        resolve();
      }, ms);
      timer.unref?.();
      this.#eventWake = () => {
        clearTimeout(timer);
        this.#eventWake = undefined;
        resolve();
      };
    });
  }

  /** Applies one event of the daemon's stream (exported for tests through handleEvent). */
  #onEvent(e: UiEvent): void {
    if (e.type === 'daemon.started' || e.type === 'reset' || (this.#lastEventId !== undefined && e.id <= this.#lastEventId && e.id > 0)) {
      // A new daemon run numbers its events from 1 again.
      this.#lastEventId = undefined;
    }
    if (e.id > 0) this.#lastEventId = e.id;
    const d = e.data;
    if (e.type === 'lifecycle') {
      this.refresh();
    } else if (e.type === 'unlock.progress') {
      this.#update({ unlockProgress: { phase: String(d.phase ?? ''), ...numbers(d, 'bytesScanned', 'totalBytes') } });
    } else if (e.type === 'restore.progress' || e.type === 'restore.status') {
      // The run as the daemon publishes it (about once a second, and at each change of state).
      this.#setRestore(toRestore(d, valueOf(this.#snapshot.restoreStatus)));
    } else if (e.type === 'journal.verify.progress') {
      this.#update({ verify: { ...this.#snapshot.verify, running: true, ...numbers(d, 'bytesScanned', 'totalBytes') } });
    } else if (/(^|\.)(error|warning|failed|failure)$/.test(e.type)) {
      const message =
        typeof d.message === 'string' ? d.message : typeof d.ErrorDetail === 'string' ? d.ErrorDetail : typeof d.TaskExecutionId === 'string' ? `execution ${d.TaskExecutionId} failed` : JSON.stringify(d);
      const code = typeof d.code === 'string' ? d.code : typeof d.ErrorCode === 'string' ? d.ErrorCode : undefined;
      this.#addError({ at: e.at, message: e.type.includes('warning') ? `warning: ${message}` : message, ...(code === undefined ? {} : { code }) });
    } else if (e.type.startsWith('execution.') && (e.type.endsWith('status') || e.type.endsWith('done'))) {
      this.refresh();
    }
  }

  #setRestore(r: RestoreView): void {
    this.#update({ restoreStatus: { state: 'ok', value: r, at: this.#now() } });
  }

  handleEvent(e: UiEvent): void {
    this.#onEvent(e);
  }

  #addError(line: ErrorLine): void {
    this.#update({ errors: [...this.#snapshot.errors, line].slice(-MAX_ERRORS) });
  }

  // --- actions ------------------------------------------------------------------------------

  /** Runs an action; a refusal comes back as the result, for the screen that asked. */
  async #act(run: () => Promise<string>): Promise<ActionResult> {
    try {
      const message = await run();
      this.refresh();
      return { ok: true, message };
    } catch (err) {
      // A refused action answers the person who asked, on the screen where it was asked (a wrong
      // unlock code, a typo in a form): it is not one of the daemon's errors of "Last errors".
      const error = toUiError(err);
      this.refresh();
      return { ok: false, error };
    }
  }

  unlock(manifestPath: string, code: string): Promise<ActionResult> {
    this.#update({ unlockProgress: { phase: 'manifest' } });
    return this.#act(async () => {
      try {
        const s = await this.#source.unlock(manifestPath, code);
        return `unlocked: ${s.state}`;
      } finally {
        this.#update({ unlockProgress: undefined });
      }
    });
  }

  lock(cancelRunning: boolean): Promise<ActionResult> {
    return this.#act(async () => {
      const label = await this.#source.lock(cancelRunning);
      this.#update({ label: { state: 'ok', value: label, at: this.#now() } });
      return `locked: seal ${label.sealFingerprint}`;
    });
  }

  verifyJournal(): Promise<ActionResult> {
    if (this.#snapshot.verify.running) return Promise.resolve({ ok: false, error: { code: 'CONFLICT', message: 'a verify is already running' } });
    this.#update({ verify: { running: true } });
    return this.#act(async () => {
      try {
        const result = await this.#source.verifyJournal();
        this.#update({ verify: { running: false, result } });
        return result.ok ? `journal verified: ${result.files} files, no problem` : `journal has ${result.problems.length} problem(s)`;
      } catch (err) {
        this.#update({ verify: { running: false, error: toUiError(err) } });
        throw err;
      }
    });
  }

  createTask(input: TaskInput): Promise<ActionResult> {
    return this.#act(async () => {
      const t = await this.#source.createTask(input);
      // Listed at once, before the next poll, so that "s" right after starts it.
      const tasks = valueOf(this.#snapshot.tasks) ?? [];
      if (t.id !== '' && !tasks.some((x) => x.id === t.id)) this.#update({ tasks: { state: 'ok', value: [...tasks, t], at: this.#now() } });
      return `task ${t.id || t.name} created`;
    });
  }

  startTask(taskId: string): Promise<ActionResult> {
    return this.#act(async () => {
      const id = await this.#source.startTask(taskId);
      if (id !== '') this.#knownExecutions.add(id);
      return `execution ${id} started`;
    });
  }

  cancelExecution(id: string): Promise<ActionResult> {
    return this.#act(async () => {
      await this.#source.cancelExecution(id);
      return `execution ${id} cancelling`;
    });
  }

  setBandwidth(id: string, bytesPerSecond: number): Promise<ActionResult> {
    return this.#act(async () => {
      await this.#source.setBandwidth(id, bytesPerSecond);
      return bytesPerSecond < 0 ? `execution ${id}: no bandwidth limit` : `execution ${id}: limit ${bytesPerSecond} B/s`;
    });
  }

  startImport(): Promise<ActionResult> {
    return this.#act(async () => {
      await this.#source.startImport();
      return 'import started';
    });
  }

  startSync(): Promise<ActionResult> {
    return this.#act(async () => {
      await this.#source.startSync();
      return 'online sync started';
    });
  }

  stopSync(): Promise<ActionResult> {
    return this.#act(async () => {
      await this.#source.stopSync();
      return 'online sync stopping';
    });
  }

  startRestore(input: RestoreInput): Promise<ActionResult> {
    return this.#act(async () => {
      const r = await this.#source.startRestore(input);
      this.#setRestore(r);
      return `restore ${r.executionId ?? ''} started: point ${r.point || input.point || 'latest'} into ${r.target || input.target}`;
    });
  }

  cancelRestore(): Promise<ActionResult> {
    return this.#act(async () => {
      const r = await this.#source.cancelRestore();
      this.#setRestore(r);
      return `restore ${r.executionId ?? ''} ${r.status === 'RUNNING' ? 'cancelling' : r.status}`;
    });
  }
}

function numbers(d: Readonly<Record<string, unknown>>, ...keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (typeof d[k] === 'number') out[k] = d[k] as number;
  return out;
}

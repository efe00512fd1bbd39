// Online sync (ARCHITECTURE.md, first section): while the device is ON_SITE and has a network, the
// import engine runs DataSync-style into the job's destinations, now or on a UTC schedule
// (tasks/schedule.ts: cron or rate, at most hourly unless allowed), bandwidth-limited. Every
// delivery is recorded in the journal, so the seal covers it and the facility import transfers
// only the rest. Lock asks this service (Device.addExecutionControl) and cancels it with
// --cancel-running.
import { FloeError } from '../errors.js';
import type { Device, ExecutionControl } from '../lifecycle/device.js';
import { systemClock, type Clock, type TimerHandle } from '../tasks/clock.js';
import { DEFAULT_TASK_OPTIONS, parseOptions, type TaskOptions } from '../tasks/options.js';
import { nextRun, parseSchedule, type Schedule } from '../tasks/schedule.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { chooseDestinations, type DestinationSpec } from './destination-config.js';
import { newExecutionId, openAll, runDestinations, TransferRun, type RunStatus, type TransferRequest, type TransferServiceOptions } from './import-service.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SyncRequest extends Omit<TransferRequest, 'uploadReport'> {
  /** cron (UTC) or rate expression; absent: run once, now. */
  readonly schedule?: string;
  /** Allow schedules more often than hourly (DataSync refuses them). */
  readonly allowSubHourly?: boolean;
}

export interface SyncStatus {
  readonly state: 'IDLE' | 'SCHEDULED' | 'RUNNING';
  readonly schedule?: string;
  readonly nextRunAt?: string;
  readonly current?: RunStatus;
  readonly last?: RunStatus;
  /** Why the last scheduled run did not start (device locked, not on site, destination down). */
  readonly lastError?: { code: string; message: string };
}

export class SyncService implements ExecutionControl {
  readonly #device: Device;
  readonly #options: TransferServiceOptions & { clock?: Clock };
  readonly #clock: Clock;
  #schedule: Schedule | undefined;
  #request: SyncRequest = {};
  #taskOptions: TaskOptions = DEFAULT_TASK_OPTIONS;
  #timer: TimerHandle | undefined;
  #nextRunAt: Date | undefined;
  #run: TransferRun | undefined;
  #last: RunStatus | undefined;
  #lastError: { code: string; message: string } | undefined;
  readonly #unregister: () => void;

  constructor(device: Device, options: TransferServiceOptions & { clock?: Clock } = {}) {
    this.#device = device;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#unregister = device.addExecutionControl(this);
  }

  /** Runs now (no schedule) or arms the schedule. Refused unless ON_SITE and unlocked. */
  async start(request: SyncRequest = {}): Promise<SyncStatus> {
    this.#checkDevice();
    if (this.#run?.running) throw new FloeError('CONFLICT', `sync ${this.#run.executionId} is already running: stop it first`);
    const taskOptions = parseOptions(request.options ?? {}, DEFAULT_TASK_OPTIONS);
    chooseDestinations(this.#device.identity.destinations as readonly DestinationSpec[] | undefined, request.destinations);
    const schedule = request.schedule === undefined ? undefined : parseSchedule(request.schedule, { allowSubHourly: request.allowSubHourly === true });
    this.#clearTimer();
    this.#request = request;
    this.#taskOptions = taskOptions;
    this.#schedule = schedule;
    this.#lastError = undefined;
    if (schedule === undefined) await this.#launch();
    else this.#arm();
    return this.status();
  }

  /** Disarms the schedule and cancels a running sync (its deliveries so far stay recorded). */
  async stop(): Promise<SyncStatus> {
    this.#clearTimer();
    this.#schedule = undefined;
    await this.cancelAll();
    return this.status();
  }

  status(): SyncStatus {
    const current = this.#run?.running ? this.#run.status() : undefined;
    return {
      state: current !== undefined ? 'RUNNING' : this.#schedule !== undefined ? 'SCHEDULED' : 'IDLE',
      ...(this.#schedule === undefined ? {} : { schedule: this.#schedule.expression }),
      ...(this.#nextRunAt === undefined || this.#schedule === undefined ? {} : { nextRunAt: this.#nextRunAt.toISOString() }),
      ...(current === undefined ? {} : { current }),
      ...(this.#last === undefined ? {} : { last: this.#last }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /** The running sync's end (or the last one's status). */
  async wait(): Promise<RunStatus | undefined> {
    if (this.#run === undefined) return this.#last;
    return this.#run.done;
  }

  running(): number {
    return this.#run?.running ? 1 : 0;
  }

  /** Changes BytesPerSecond of the running sync. */
  setBytesPerSecond(value: unknown): SyncStatus {
    if (this.#run === undefined || !this.#run.running) throw new FloeError('INVALID_STATE', 'no sync is running');
    this.#run.setBytesPerSecond(value);
    return this.status();
  }

  async cancelAll(): Promise<void> {
    const run = this.#run;
    if (run === undefined || !run.running) return;
    run.controller.abort();
    await run.done.catch(() => undefined);
  }

  /** Stops everything and leaves the device's execution controls. */
  async close(): Promise<void> {
    await this.stop();
    this.#unregister();
  }

  #checkDevice(): void {
    this.#device.checkAction('sync'); // ON_SITE on an IMPORT device; never on an EXPORT device (job-lifecycle.ts)
    this.#device.journal(); // DEVICE_LOCKED when it holds no key
  }

  async #launch(): Promise<void> {
    this.#checkDevice();
    const journal = this.#device.journal();
    const specs = chooseDestinations(this.#device.identity.destinations as readonly DestinationSpec[] | undefined, this.#request.destinations);
    const destinations = await openAll(specs, this.#options.s3);
    const run = new TransferRun(newExecutionId('sync'), 'sync', this.#options);
    this.#run = run;
    run.done = (async () => {
      try {
        const ledger = await DeliveryLedger.open(journal);
        const results = await runDestinations(run, journal, ledger, destinations, 'sync', this.#taskOptions, this.#options.engine ?? {});
        const failed = results.some((r) => r.status !== 'SUCCESS');
        return run.finish(failed ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED');
      } catch (err) {
        return run.finish(run.controller.signal.aborted ? 'CANCELLED' : 'FAILED', { error: err });
      } finally {
        await Promise.all(destinations.map((d) => d.destination.close().catch(() => undefined)));
        this.#last = run.status();
      }
    })();
    run.done.catch(() => undefined);
    run.announce();
  }

  #arm(): void {
    if (this.#schedule === undefined) return;
    const now = this.#clock.now();
    const at = nextRun(this.#schedule, new Date(now));
    this.#nextRunAt = at;
    const delay = Math.max(0, at.getTime() - now);
    // Timers hold at most 2^31-1 ms (24.8 days): a later run re-arms on the way.
    if (delay > MAX_TIMER_MS) this.#timer = this.#clock.setTimeout(() => this.#arm(), MAX_TIMER_MS);
    else this.#timer = this.#clock.setTimeout(() => void this.#fire(), delay);
  }

  async #fire(): Promise<void> {
    this.#timer = undefined;
    if (this.#run?.running) {
      this.#arm(); // the previous run is still going: skip this slot
      return;
    }
    try {
      await this.#launch();
      this.#lastError = undefined;
    } catch (err) {
      const e = err instanceof FloeError ? err : new FloeError('INTERNAL', String(err));
      this.#lastError = { code: e.code, message: e.message };
    }
    if (this.#schedule !== undefined && this.#device.state === 'ON_SITE') this.#arm();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextRunAt = undefined;
  }
}

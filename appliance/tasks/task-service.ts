// Tasks and executions on the device (ARCHITECTURE.md, "Tasks and executions"), with DataSync's
// semantics: CreateTask, ListTasks, DescribeTask, UpdateTask, DeleteTask, StartTaskExecution (with OverrideOptions),
// DescribeTaskExecution, UpdateTaskExecution (BytesPerSecond), CancelTaskExecution.
//
// - One execution runs at a time (the device is one agent); with TaskQueueing ENABLED the others
//   wait in QUEUED, with DISABLED starting one while another is queued or running is refused.
// - Ingest runs only where the job's direction fills the journal (ON_SITE for IMPORT, AT_FACILITY
//   for EXPORT: appliance/lifecycle/job-lifecycle.ts), and only while the device holds its keys.
// - Task definitions and finished executions are journal events (encrypted like everything in
//   it): `task.created`, `task.updated`, `task.deleted`, `task.execution.started`, `task.execution.finished`. They are read back
//   from the journal whenever the device's journal changes (unlock after a restart or a lock), and
//   forgotten while it holds no key. An execution that started but never finished (the daemon
//   stopped) is described as ERROR.
// - UpdateTask changes Name, Includes, Excludes, Options (merged) and Schedule, checked as create
//   checks them; refused while one of the task's executions is queued or running (those run with
//   the definition they started with). The next execution uses the new definition.
// - Task reports stay in memory (TaskExecution) and are served by the API: they name customer
//   paths and the device disk alone must reveal nothing. The problems (skipped and failed files,
//   capped) are part of the persisted summary.
// - Progress goes to an EventPublisher: `execution.status` on every status change,
//   `execution.progress` about once a second while running (counters; never a path: the daemon
//   logs status events to disk).
// - A task with a DestinationLocationUri is an agentless copy (docs/copy.md): its executions run
//   the transfer engine from the source straight to the destination (transfer/copy-run.ts), with
//   the same statuses, phases, counters and report; the journal gets the copy's records, no data.
import { FloeError, asFloeError } from '../errors.js';
import { runIngest } from '../ingest/ingest-engine.js';
import type { Journal } from '../journal/journal.js';
import type { ExecutionControl } from '../lifecycle/device.js';
import { actionRefusal, actionRuns, refusalOf, type JobType } from '../lifecycle/job-lifecycle.js';
import type { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { openSource, type OpenSourceOptions } from '../sources/open-source.js';
import type { S3Defaults } from '../transfer/destination-config.js';
import { openCopyDestination, runCopy, type OpenedCopyDestination } from '../transfer/copy-run.js';
import { findCopySummary, renderCopyReport, type CopySummary } from '../transfer/copy-report.js';
import { DeliveryLedger } from '../transfer/delivery-ledger.js';
import type { ReportFiles } from '../transfer/import-report.js';
import type { FileOutcome, TransferResult } from '../transfer/transfer-engine.js';
import { MAX_KEPT_PROBLEMS, type FileProblem } from '../ingest/ingest-problems.js';
import { createFilter } from './filters.js';
import { parseOptionOverrides, parseOptions } from './options.js';
import { nextRun, parseSchedule } from './schedule.js';
import { applyTaskUpdate, copySourceUri, newExecutionId, parseTaskInput, type CreateTaskInput, type UpdateTaskInput, type ExecutionId, type TaskDefinition, type TaskId } from './task-definition.js';
import { TaskExecution, type ExecutionDescription } from './task-execution.js';
import { loadFromJournal, type Loaded } from './task-events.js';
import type { TaskStatus } from './execution-status.js';

export interface EventPublisher {
  publish(type: string, data: Readonly<Record<string, unknown>>): unknown;
}

/** What the service needs of the Device. */
export interface DeviceAccess {
  readonly state: LifecycleState;
  /** IMPORT when absent. */
  readonly jobType?: JobType;
  readonly unlocked: boolean;
  journal(): Journal;
}

export interface TaskServiceOptions {
  readonly device: DeviceAccess;
  readonly events?: EventPublisher;
  readonly sourceOptions?: OpenSourceOptions;
  /** For a copy's S3 destination: credentials and connection defaults (the URI's endpoint and region win). */
  readonly destinationOptions?: S3Defaults;
  readonly progressIntervalMs?: number;
  /** How often schedules are checked (default 30 s; 0 turns the scheduler off). */
  readonly scheduleCheckMs?: number;
  /** The scheduler's clock (ms since epoch); Date.now by default. */
  readonly now?: () => number;
  /** Engine tuning (entries in flight). */
  readonly concurrency?: number;
}

export interface TaskDescription extends TaskDefinition {
  Status: TaskStatus;
  CurrentTaskExecutionId?: ExecutionId;
}


const KEPT_LIVE_EXECUTIONS = 20;

export class TaskService implements ExecutionControl {
  readonly #device: DeviceAccess;
  readonly #events: EventPublisher | undefined;
  readonly #options: TaskServiceOptions;
  #loaded: Loaded | undefined;
  #loading: Promise<Loaded> | undefined;
  /** Executions of this daemon run, newest last: queued, running, and the last few finished (for reports). */
  readonly #live = new Map<ExecutionId, TaskExecution>();
  readonly #queue: TaskExecution[] = [];
  #current: TaskExecution | undefined;
  readonly #nextScheduled = new Map<TaskId, number>();
  readonly #scheduleTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: TaskServiceOptions) {
    this.#device = options.device;
    this.#events = options.events;
    this.#options = options;
    const every = options.scheduleCheckMs ?? 30_000;
    if (every > 0) {
      this.#scheduleTimer = setInterval(() => void this.#checkSchedules().catch(() => undefined), every);
      this.#scheduleTimer.unref();
    }
  }

  async createTask(input: CreateTaskInput): Promise<TaskDescription> {
    const state = await this.#state();
    const task = parseTaskInput(input);
    for (const t of state.tasks.values()) {
      if (t.Name === task.Name) throw new FloeError('CONFLICT', `a task named '${task.Name}' already exists (${t.TaskId})`, { details: { field: 'Name' } });
    }
    await state.journal.appendEvent({ kind: 'task.created', task });
    state.tasks.set(task.TaskId, task);
    this.#events?.publish('task.created', { TaskId: task.TaskId });
    return this.#describeTask(task);
  }

  async listTasks(): Promise<TaskDescription[]> {
    const state = await this.#state();
    return [...state.tasks.values()].map((t) => this.#describeTask(t));
  }

  /** By id, or by name when no id matches. */
  async describeTask(idOrName: string): Promise<TaskDescription> {
    return this.#describeTask(await this.#task(idOrName));
  }

  /** UpdateTask: refused while one of its executions is queued or running. */
  async updateTask(idOrName: string, input: UpdateTaskInput): Promise<TaskDescription> {
    const state = await this.#state();
    const task = await this.#task(idOrName);
    const updated = applyTaskUpdate(task, input);
    if (this.#busy(task.TaskId)) throw new FloeError('CONFLICT', `task ${task.Name} (${task.TaskId}) has a queued or running execution: wait for it or cancel it, then update the task`);
    for (const t of state.tasks.values()) {
      if (t.TaskId !== task.TaskId && t.Name === updated.Name) throw new FloeError('CONFLICT', `a task named '${updated.Name}' already exists (${t.TaskId})`, { details: { field: 'Name' } });
    }
    await state.journal.appendEvent({ kind: 'task.updated', task: updated });
    state.tasks.set(task.TaskId, updated);
    this.#nextScheduled.delete(task.TaskId);
    this.#events?.publish('task.updated', { TaskId: task.TaskId });
    return this.#describeTask(updated);
  }

  /** DeleteTask: refused while one of its executions is queued or running; its past executions stay described. */
  async deleteTask(idOrName: string): Promise<TaskDescription> {
    const state = await this.#state();
    const task = await this.#task(idOrName);
    if (this.#busy(task.TaskId)) throw new FloeError('CONFLICT', `task ${task.Name} (${task.TaskId}) has a queued or running execution: cancel it first`);
    await state.journal.appendEvent({ kind: 'task.deleted', TaskId: task.TaskId });
    state.tasks.delete(task.TaskId);
    this.#nextScheduled.delete(task.TaskId);
    this.#events?.publish('task.deleted', { TaskId: task.TaskId });
    return this.#describeTask(task);
  }

  async startExecution(idOrName: string, overrides?: unknown): Promise<ExecutionDescription> {
    this.#checkOnSite();
    const task = await this.#task(idOrName);
    const options = parseOptions(parseOptionOverrides(overrides), task.Options);
    const busy = this.#current !== undefined || this.#queue.length > 0;
    if (busy && options.TaskQueueing === 'DISABLED') {
      throw new FloeError('CONFLICT', `another execution (${(this.#current ?? this.#queue[0])!.id}) is using the device and TaskQueueing is DISABLED: wait for it, or start with TaskQueueing=ENABLED`);
    }
    const execution = new TaskExecution(newExecutionId(), task, options, busy ? 'QUEUED' : 'LAUNCHING');
    this.#live.set(execution.id, execution);
    this.#trimLive();
    this.#publishStatus(execution);
    if (busy) this.#queue.push(execution);
    else this.#launch(execution);
    return execution.describe();
  }

  async listExecutions(taskIdOrName?: string): Promise<ExecutionDescription[]> {
    const state = await this.#state();
    const task = taskIdOrName === undefined ? undefined : await this.#task(taskIdOrName);
    const all = new Map<ExecutionId, ExecutionDescription>(state.finished);
    for (const e of this.#live.values()) all.set(e.id, e.describe());
    return [...all.values()].filter((d) => task === undefined || d.TaskId === task.TaskId).sort((a, b) => a.StartTime.localeCompare(b.StartTime));
  }

  /** An ended copy's report (docs/copy.md), in the import's four files, from the journal. */
  async copyReport(id: string): Promise<ReportFiles> {
    const journal = this.#device.journal();
    const summary = await findCopySummary(journal, id);
    return renderCopyReport(await DeliveryLedger.open(journal), summary);
  }

  async describeExecution(id: string): Promise<ExecutionDescription> {
    const live = this.#live.get(id as ExecutionId);
    if (live !== undefined) return live.describe();
    const state = await this.#state();
    const finished = state.finished.get(id as ExecutionId);
    if (finished === undefined) throw new FloeError('NOT_FOUND', `no execution ${id}`, { details: { field: 'TaskExecutionId' } });
    return finished;
  }

  /** UpdateTaskExecution: only BytesPerSecond can change on a queued or running execution. */
  async updateExecution(id: string, update: { BytesPerSecond?: unknown }): Promise<ExecutionDescription> {
    const execution = this.#liveExecution(id, 'updated');
    if (update.BytesPerSecond === undefined) throw new FloeError('INVALID_ARGUMENT', 'UpdateTaskExecution changes BytesPerSecond only; give BytesPerSecond', { details: { field: 'BytesPerSecond' } });
    execution.setBytesPerSecond(update.BytesPerSecond);
    this.#events?.publish('execution.updated', { TaskExecutionId: execution.id, BytesPerSecond: execution.options.BytesPerSecond });
    return execution.describe();
  }

  async cancelExecution(id: string): Promise<ExecutionDescription> {
    const execution = this.#liveExecution(id, 'cancelled');
    await this.#cancel(execution);
    return execution.describe();
  }

  /** Resolves when the execution is SUCCESS or ERROR. */
  async waitExecution(id: string, options: { signal?: AbortSignal } = {}): Promise<ExecutionDescription> {
    const live = this.#live.get(id as ExecutionId);
    if (live === undefined) return this.describeExecution(id);
    if (options.signal === undefined) await live.done;
    else {
      const signal = options.signal;
      await Promise.race([
        live.done,
        new Promise<never>((_, reject) => {
          const stop = (): void => reject(new FloeError('CANCELLED', `stopped waiting for ${id}`));
          if (signal.aborted) stop();
          signal.addEventListener('abort', stop, { once: true });
        }),
      ]);
    }
    return live.describe();
  }

  /** The task report as JSON lines (file lines by LogLevel, then the summary). */
  executionReport(id: string): string {
    const live = this.#live.get(id as ExecutionId);
    if (live === undefined) {
      throw new FloeError('NOT_FOUND', `no report for ${id}: reports are kept in memory only (they name customer paths), for the last ${KEPT_LIVE_EXECUTIONS} executions of this daemon run`);
    }
    return live.reportText();
  }

  /** ExecutionControl: executions that are queued or running. */
  running(): number {
    return this.#queue.length + (this.#current === undefined ? 0 : 1);
  }

  /** ExecutionControl: cancels every queued and running execution and waits until each has ended. */
  async cancelAll(): Promise<void> {
    const all = [...this.#queue, ...(this.#current ? [this.#current] : [])];
    await Promise.all(all.map((e) => this.#cancel(e)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#scheduleTimer !== undefined) clearInterval(this.#scheduleTimer);
    await this.cancelAll();
  }

  /** One of the task's executions is queued or running. */
  #busy(taskId: TaskId): boolean {
    return this.#current?.task.TaskId === taskId || this.#queue.some((e) => e.task.TaskId === taskId);
  }

  #describeTask(task: TaskDefinition): TaskDescription {
    const running = this.#current?.task.TaskId === task.TaskId ? this.#current : undefined;
    const queued = this.#queue.find((e) => e.task.TaskId === task.TaskId);
    const status: TaskStatus = running ? 'RUNNING' : queued ? 'QUEUED' : 'AVAILABLE';
    const current = running ?? queued;
    return { ...task, Status: status, ...(current ? { CurrentTaskExecutionId: current.id } : {}) };
  }

  async #task(idOrName: string): Promise<TaskDefinition> {
    const state = await this.#state();
    const byId = state.tasks.get(idOrName as TaskId);
    if (byId !== undefined) return byId;
    const byName = [...state.tasks.values()].filter((t) => t.Name === idOrName);
    if (byName.length === 1) return byName[0]!;
    throw new FloeError('NOT_FOUND', `no task ${JSON.stringify(idOrName)} (give a task id or name; floe task list shows them)`, { details: { field: 'TaskId' } });
  }

  #liveExecution(id: string, verb: string): TaskExecution {
    const live = this.#live.get(id as ExecutionId);
    if (live === undefined || live.machine.isFinal) {
      const known = live !== undefined || this.#loaded?.finished.has(id as ExecutionId);
      throw known
        ? new FloeError('INVALID_STATE', `execution ${id} has ended (${live?.status ?? this.#loaded?.finished.get(id as ExecutionId)?.Status}); only a queued or running execution can be ${verb}`)
        : new FloeError('NOT_FOUND', `no execution ${id}`, { details: { field: 'TaskExecutionId' } });
    }
    return live;
  }

  #checkOnSite(): void {
    const refusal = actionRefusal(this.#device.jobType, 'ingest', this.#device.state);
    if (refusal !== undefined) throw refusal;
    if (!this.#device.unlocked) throw new FloeError('DEVICE_LOCKED', 'the device holds no key: unlock it with the manifest and the unlock code');
  }

  /** The tasks and finished executions of the open journal, read from its events when it changed. */
  async #state(): Promise<Loaded> {
    if (this.#closed) throw new FloeError('UNAVAILABLE', 'the task service is shutting down');
    if (!this.#device.unlocked) {
      this.#loaded = undefined;
      throw new FloeError('DEVICE_LOCKED', 'the device holds no key: tasks are kept encrypted in the journal; unlock it with the manifest and the unlock code');
    }
    const journal = this.#device.journal();
    if (this.#loaded?.journal === journal) return this.#loaded;
    if (this.#loading === undefined) {
      this.#loading = loadFromJournal(journal).finally(() => (this.#loading = undefined));
    }
    const loaded = await this.#loading;
    if (this.#device.unlocked && this.#device.journal() === loaded.journal) this.#loaded = loaded;
    return loaded;
  }

  #launch(execution: TaskExecution): void {
    this.#current = execution;
    const interval = setInterval(() => this.#publishProgress(execution), this.#options.progressIntervalMs ?? 1000);
    interval.unref();
    void this.#run(execution)
      .catch((err: unknown) => {
        // A bug, not a file or source problem (#run settles those): never leave it running.
        const e = asFloeError(err);
        if (!execution.machine.isFinal) execution.machine.fail('INTERNAL', e.message);
        this.#events?.publish('error', { code: e.code, message: e.message, taskExecutionId: execution.id });
      })
      .finally(() => {
        clearInterval(interval);
        this.#current = undefined;
        execution.finish();
        this.#pump();
      });
  }

  #pump(): void {
    if (this.#current !== undefined || this.#closed) return;
    const next = this.#queue.shift();
    if (next === undefined) return;
    const refusal = actionRefusal(this.#device.jobType, 'ingest', this.#device.state);
    if (refusal !== undefined || !this.#device.unlocked) {
      // The device left its ingest state (or was locked) while this waited: it cannot run.
      const message = (refusal ?? refusalOf(this.#device.jobType, 'ingest', this.#device.state)).message;
      void this.#end(next, () => next.machine.fail('INVALID_STATE', message)).then(() => {
        next.finish();
        this.#pump();
      });
      return;
    }
    next.machine.transition('LAUNCHING');
    this.#publishStatus(next);
    this.#launch(next);
  }

  async #run(execution: TaskExecution): Promise<void> {
    const { task, machine, abort } = execution;
    let source: Awaited<ReturnType<typeof openSource>> | undefined;
    let destination: OpenedCopyDestination | undefined;
    try {
      const journal = this.#device.journal();
      await journal.appendEvent({ kind: 'task.execution.started', TaskExecutionId: execution.id, TaskId: task.TaskId, StartTime: new Date(machine.startTime).toISOString() });
      if (task.DestinationLocationUri !== undefined) {
        destination = await openCopyDestination(task.DestinationLocationUri, this.#options.destinationOptions);
        source = await openSource(copySourceUri(task.SourceLocationUri), { ...this.#options.sourceOptions, signal: abort.signal });
        const result = await runCopy({
          source,
          destination,
          journal,
          executionId: execution.id,
          options: execution.options,
          filter: createFilter({ includes: task.Includes, excludes: task.Excludes }),
          throttle: execution.throttle,
          signal: abort.signal,
          counters: execution.counters,
          onPhase: (phase) => this.#move(execution, phase),
          onFileResult: (r) => execution.report.record(reportLine(r)),
          ...(this.#options.concurrency === undefined ? {} : { concurrency: this.#options.concurrency }),
        });
        execution.problems = copyProblems(result);
        execution.problemCount = result.failures.length;
        await this.#end(execution, () => {
          if (machine.status === 'CANCELLING') machine.completeCancel();
          else if (result.status === 'ERROR') machine.fail(result.result.ErrorCode ?? 'INTERNAL', result.result.ErrorDetail ?? 'the copy failed');
          else machine.transition('SUCCESS');
        });
        await journal.appendEvent(copySummary(execution, destination.id, result) as unknown as { kind: string } & Record<string, unknown>).catch(() => undefined);
        return;
      }
      // The ingest takes an S3 object's metadata from its GET (S3SourceOptions.attributesFromRead).
      source = await openSource(task.SourceLocationUri, { ...this.#options.sourceOptions, s3: { ...this.#options.sourceOptions?.s3, attributesFromRead: true }, signal: abort.signal });
      this.#move(execution, 'PREPARING');
      const result = await runIngest({
        source,
        journal,
        options: execution.options,
        filter: createFilter({ includes: task.Includes, excludes: task.Excludes }),
        destinationPath: task.DestinationPath,
        throttle: execution.throttle,
        signal: abort.signal,
        counters: execution.counters,
        onPhase: (phase) => this.#move(execution, phase),
        onFile: (r) => execution.report.record(r),
        ...(this.#options.concurrency === undefined ? {} : { concurrency: this.#options.concurrency }),
      });
      execution.problems = result.problems.kept;
      execution.problemCount = result.problems.total;
      await this.#end(execution, () => {
        if (machine.status === 'CANCELLING') machine.completeCancel();
        else if (result.error) machine.fail(result.error.code, result.error.detail);
        else machine.transition('SUCCESS');
      });
    } catch (err) {
      const e = asFloeError(err);
      await this.#end(execution, () => {
        if (abort.signal.aborted || e.code === 'CANCELLED') {
          if (machine.status !== 'CANCELLING') machine.cancel();
          machine.completeCancel();
        } else machine.fail(e.code, e.message);
      });
    } finally {
      await source?.close().catch(() => undefined);
      await destination?.destination.close().catch(() => undefined);
    }
  }

  /** Moves to a phase unless a cancel got there first. */
  #move(execution: TaskExecution, status: 'PREPARING' | 'TRANSFERRING' | 'VERIFYING'): void {
    if (execution.machine.status === 'CANCELLING' || execution.machine.isFinal) return;
    execution.machine.transition(status);
    this.#publishStatus(execution);
  }

  /** Final status, report summary, persisted summary, events. */
  async #end(execution: TaskExecution, settle: () => void): Promise<void> {
    settle();
    const description = execution.describe();
    const { FileProblems: _p, ...summaryCounters } = description;
    execution.report.finish({ executionId: execution.id, taskId: execution.task.TaskId, status: description.Status, execution: summaryCounters });
    try {
      if (this.#device.unlocked) {
        const journal = this.#device.journal();
        await journal.appendEvent({ kind: 'task.execution.finished', execution: description });
        if (this.#loaded?.journal === journal) this.#loaded.finished.set(execution.id, description);
      }
    } catch (err) {
      this.#events?.publish('warning', { message: `execution ${execution.id} ended but its summary could not be written to the journal: ${asFloeError(err).message}` });
    }
    this.#publishStatus(execution);
  }

  async #cancel(execution: TaskExecution): Promise<void> {
    const queuedAt = this.#queue.indexOf(execution);
    if (queuedAt >= 0) {
      this.#queue.splice(queuedAt, 1);
      execution.machine.cancel();
      this.#publishStatus(execution);
      await this.#end(execution, () => execution.machine.completeCancel());
      execution.finish();
      return;
    }
    if (!execution.machine.isFinal && execution.machine.status !== 'CANCELLING') {
      execution.machine.cancel();
      this.#publishStatus(execution);
      execution.abort.abort(new FloeError('CANCELLED', 'Execution was cancelled'));
    }
    await execution.done;
  }

  #trimLive(): void {
    const finished = [...this.#live.values()].filter((e) => e.machine.isFinal);
    for (const e of finished.slice(0, Math.max(0, finished.length - KEPT_LIVE_EXECUTIONS))) this.#live.delete(e.id);
  }

  #publishStatus(execution: TaskExecution): void {
    // Ids, status and error code only: the daemon's log keeps status events, and an ErrorDetail or a
    // task name may name customer files (describe the execution for those).
    const { ErrorDetail: _detail, ...result } = execution.machine.result();
    this.#events?.publish('execution.status', { TaskExecutionId: execution.id, TaskId: execution.task.TaskId, Status: execution.status, Result: result });
  }

  #publishProgress(execution: TaskExecution): void {
    const { FileProblems: _p, TaskName: _n, Includes: _i, Excludes: _e, ...d } = execution.describe();
    this.#events?.publish('execution.progress', d);
  }

  async #checkSchedules(): Promise<void> {
    if (!this.#device.unlocked || !actionRuns(this.#device.jobType, 'ingest', this.#device.state) || this.#closed) return;
    const state = await this.#state();
    const now = (this.#options.now ?? Date.now)();
    for (const task of state.tasks.values()) {
      if (task.Schedule === undefined) continue;
      const due = this.#nextScheduled.get(task.TaskId) ?? nextRun(parseSchedule(task.Schedule), new Date(now)).getTime();
      this.#nextScheduled.set(task.TaskId, due);
      if (now < due) continue;
      this.#nextScheduled.set(task.TaskId, nextRun(parseSchedule(task.Schedule), new Date(now)).getTime());
      if (this.#busy(task.TaskId)) continue;
      try {
        const started = await this.startExecution(task.TaskId);
        this.#events?.publish('task.scheduled-start', { TaskId: task.TaskId, TaskExecutionId: started.TaskExecutionId });
      } catch (err) {
        this.#events?.publish('warning', { message: `scheduled start of ${task.Name} failed: ${asFloeError(err).message}` });
      }
    }
  }
}

/** The copy-report event of an ended copy: ERROR with files failed ran to its end with errors. */
function copySummary(execution: TaskExecution, destinationId: string, result: TransferResult): CopySummary {
  const status = execution.machine.status;
  const failed = result.failures.length;
  return {
    kind: 'copy-report',
    executionId: execution.id,
    taskId: execution.task.TaskId,
    taskName: execution.task.Name,
    source: execution.task.SourceLocationUri,
    destination: execution.task.DestinationLocationUri ?? '',
    destinationId,
    status: status === 'SUCCESS' ? 'Completed' : execution.abort.signal.aborted ? 'Cancelled' : failed > 0 ? 'Completed with errors' : 'Failed',
    executionStatus: status,
    startedAt: new Date(execution.machine.startTime).toISOString(),
    endedAt: new Date().toISOString(),
    verifyMode: execution.options.VerifyMode,
    counters: structuredClone(execution.counters),
    result: result.result,
    filesFailed: failed,
  };
}

/** A copy's per-file result as a task report line. */
function reportLine(r: FileOutcome): Parameters<TaskExecution['report']['record']>[0] {
  return {
    path: r.path,
    category: r.outcome,
    size: r.size,
    ...(r.sha256 === '' ? {} : { sha256: r.sha256 }),
    ...(r.code === undefined ? {} : { errorCode: r.code }),
    ...(r.message === undefined ? {} : { errorMessage: r.message }),
  };
}

/** A copy's failures as the execution's problems (capped as an ingest's are). */
function copyProblems(result: TransferResult): FileProblem[] {
  const phase = { prepare: 'Prepare', transfer: 'Transfer', verify: 'Verify' } as const;
  return result.failures.slice(0, MAX_KEPT_PROBLEMS).map((f) => ({ path: f.path, phase: phase[f.phase], outcome: 'failed', code: f.code, message: f.message }));
}

// One execution of a task while it lives in the daemon: its state machine, live counters,
// throttle, cancel signal and in-memory task report; and its description in DescribeTaskExecution's
// terms, which is also what is persisted (encrypted, in the journal) when it ends.
import { FloeError } from '../errors.js';
import type { FileProblem } from '../ingest/ingest-problems.js';
import { createExecutionCounters, ExecutionStateMachine, type ExecutionCounters, type TaskExecutionResult, type TaskExecutionStatus } from './execution-status.js';
import { parseBytesPerSecond, type TaskOptions } from './options.js';
import type { ExecutionId, TaskDefinition, TaskId } from './task-definition.js';
import { TaskReportWriter } from './task-report.js';
import { executionThrottle, type Throttle } from './throttle.js';

/** DescribeTaskExecution, plus floe's list of per-file problems (capped) and their total. */
export interface ExecutionDescription extends ExecutionCounters {
  TaskExecutionId: ExecutionId;
  TaskId: TaskId;
  TaskName: string;
  Status: TaskExecutionStatus;
  Options: TaskOptions;
  Includes?: string;
  Excludes?: string;
  StartTime: string;
  EndTime?: string;
  Result: TaskExecutionResult;
  FileProblems: FileProblem[];
  FileProblemCount: number;
}

/** Report lines kept per execution; beyond this the report says it was cut. */
export const MAX_REPORT_LINES = 250_000;

class MemorySink {
  readonly lines: string[] = [];
  dropped = 0;
  write(chunk: string): void {
    if (this.lines.length < MAX_REPORT_LINES) this.lines.push(chunk);
    else this.dropped++;
  }
}

export class TaskExecution {
  readonly id: ExecutionId;
  readonly task: TaskDefinition;
  readonly machine: ExecutionStateMachine;
  readonly counters: ExecutionCounters = createExecutionCounters();
  readonly throttle: Throttle;
  readonly abort = new AbortController();
  readonly report: TaskReportWriter;
  readonly #sink = new MemorySink();
  #options: TaskOptions;
  problems: FileProblem[] = [];
  problemCount = 0;
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(id: ExecutionId, task: TaskDefinition, options: TaskOptions, initialStatus: 'QUEUED' | 'LAUNCHING') {
    this.id = id;
    this.task = task;
    this.#options = options;
    this.machine = new ExecutionStateMachine({ initialStatus });
    this.throttle = executionThrottle(options.BytesPerSecond);
    this.report = new TaskReportWriter(this.#sink, { logLevel: options.LogLevel });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  get options(): TaskOptions {
    return this.#options;
  }

  get status(): TaskExecutionStatus {
    return this.machine.status;
  }

  /** UpdateTaskExecution: a new BytesPerSecond applies to the very next bytes. */
  setBytesPerSecond(value: unknown): void {
    if (this.machine.isFinal) throw new FloeError('INVALID_STATE', `execution ${this.id} is ${this.machine.status}; only a queued or running execution can be updated`);
    const rate = parseBytesPerSecond(value);
    this.throttle.setRate(rate);
    this.#options = Object.freeze({ ...this.#options, BytesPerSecond: rate });
  }

  finish(): void {
    this.#resolveDone();
  }

  reportText(): string {
    const cut = this.#sink.dropped > 0 ? [`{"truncated":{"droppedLines":${this.#sink.dropped}}}\n`] : [];
    return [...this.#sink.lines, ...cut].join('');
  }

  describe(): ExecutionDescription {
    const end = this.machine.isFinal ? this.machine.history.at(-1)?.at : undefined;
    return {
      TaskExecutionId: this.id,
      TaskId: this.task.TaskId,
      TaskName: this.task.Name,
      Status: this.machine.status,
      Options: this.#options,
      ...(this.task.Includes === undefined ? {} : { Includes: this.task.Includes }),
      ...(this.task.Excludes === undefined ? {} : { Excludes: this.task.Excludes }),
      StartTime: new Date(this.machine.startTime).toISOString(),
      ...(end === undefined ? {} : { EndTime: new Date(end).toISOString() }),
      ...structuredClone(this.counters),
      Result: this.machine.result(),
      FileProblems: [...this.problems],
      FileProblemCount: this.problemCount,
    };
  }
}

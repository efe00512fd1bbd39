// Tasks and executions as journal events (encrypted with everything else in the journal):
// `task.created` {task}, `task.updated` {task: the whole new definition}, `task.deleted` {TaskId},
// `task.execution.started` {TaskExecutionId, TaskId, StartTime}, `task.execution.finished`
// {execution: the DescribeTaskExecution answer}.
// Read back in journal order whenever the device's journal changes (an unlock).
import type { Journal } from '../journal/journal.js';
import { parseOptions } from './options.js';
import type { ExecutionId, TaskDefinition, TaskId } from './task-definition.js';
import { TaskExecution, type ExecutionDescription } from './task-execution.js';

export interface Loaded {
  readonly journal: Journal;
  readonly tasks: Map<TaskId, TaskDefinition>;
  readonly finished: Map<ExecutionId, ExecutionDescription>;
}

export async function loadFromJournal(journal: Journal): Promise<Loaded> {
  const tasks = new Map<TaskId, TaskDefinition>();
  const finished = new Map<ExecutionId, ExecutionDescription>();
  const started = new Map<ExecutionId, { TaskId: TaskId; StartTime: string }>();
  for await (const { event } of journal.events()) {
    if (event.kind === 'task.created' || event.kind === 'task.updated') {
      const task = event.task as TaskDefinition;
      tasks.set(task.TaskId, task);
    } else if (event.kind === 'task.deleted') {
      tasks.delete(event.TaskId as TaskId);
    } else if (event.kind === 'task.execution.started') {
      started.set(event.TaskExecutionId as ExecutionId, { TaskId: event.TaskId as TaskId, StartTime: event.StartTime as string });
    } else if (event.kind === 'task.execution.finished') {
      const d = event.execution as ExecutionDescription;
      finished.set(d.TaskExecutionId, d);
    }
  }
  for (const [id, s] of started) {
    if (finished.has(id)) continue;
    const task = tasks.get(s.TaskId);
    finished.set(id, interrupted(id, s.TaskId, task, s.StartTime));
  }
  return { journal, tasks, finished };
}

function interrupted(id: ExecutionId, taskId: TaskId, task: TaskDefinition | undefined, startTime: string): ExecutionDescription {
  const base = new TaskExecution(id, task ?? ({ TaskId: taskId, Name: '', SourceLocationUri: '', DestinationPath: '', Options: parseOptions({}), CreationTime: startTime } as TaskDefinition), task?.Options ?? parseOptions({}), 'LAUNCHING');
  base.machine.fail('UNAVAILABLE', 'the daemon stopped while this execution ran (restart or power loss); start the task again: unchanged files are skipped');
  return { ...base.describe(), StartTime: startTime, Result: { ...base.describe().Result, TotalDuration: 0 } };
}

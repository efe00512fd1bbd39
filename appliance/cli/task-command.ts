// `floe task create|list|describe|update|start|delete`: DataSync-style tasks on the device, through the daemon.
import type { Command } from 'commander';
import { FloeError } from '../errors.js';
import { parseOptionAssignments } from '../tasks/options.js';
import type { ExecutionDescription } from '../tasks/task-execution.js';
import type { TaskDescription } from '../tasks/task-service.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';
import { executionLines } from './execution-command.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function taskLines(t: TaskDescription): string[] {
  return fields([
    ['Task', `${t.TaskId} (${t.Name})`],
    ['Status', t.CurrentTaskExecutionId ? `${t.Status} (${t.CurrentTaskExecutionId})` : t.Status],
    ['Source', t.SourceLocationUri],
    t.DestinationLocationUri === undefined ? ['Journal folder', t.DestinationPath === '' ? '(root)' : t.DestinationPath] : ['Copy to', t.DestinationLocationUri],
    ['Includes', t.Includes],
    ['Excludes', t.Excludes],
    ['Schedule', t.Schedule],
    ['Options', Object.entries(t.Options).map(([k, v]) => `${k}=${String(v)}`).join(' ')],
  ]);
}

export function registerTaskCommand(program: Command): void {
  const task = program.command('task').description('ingest tasks (DataSync semantics): a source share, filters and options');
  clientCommand(
    task
      .command('create')
      .description('create a task')
      .requiredOption('--name <name>', 'a unique name')
      .requiredOption('--source <uri>', 'nfs://host/export[/path]?uid=&gid=&nfsport=&mountport= or file:///path')
      .option('--include <pattern>', "include filter pattern (repeatable; joined with '|'), e.g. /documents*", collect, [])
      .option('--exclude <pattern>', "exclude filter pattern (repeatable; joined with '|'), e.g. */.snapshot", collect, [])
      .option('--option <Key=Value>', 'a DataSync option, e.g. VerifyMode=ONLY_FILES_TRANSFERRED (repeatable)', collect, [])
      .option('--destination-path <folder>', 'journal folder the source root lands in (default: the journal root)')
      .option('--copy-to <uri>', 'an agentless copy instead of an ingest: s3://bucket[/prefix]?endpoint=&region=, efs:///path, fsx:///path or file:///path')
      .option('--schedule <expression>', 'cron(...) or rate(...), UTC'),
  ).action(async (flags: ClientFlags & { name: string; source: string; include: string[]; exclude: string[]; option: string[]; destinationPath?: string; copyTo?: string; schedule?: string }) => {
    const body: Record<string, unknown> = { Name: flags.name, SourceLocationUri: flags.source, Options: parseOptionAssignments(flags.option) };
    if (flags.include.length > 0) body.Includes = flags.include.join('|');
    if (flags.exclude.length > 0) body.Excludes = flags.exclude.join('|');
    if (flags.destinationPath !== undefined) body.DestinationPath = flags.destinationPath;
    if (flags.copyTo !== undefined) body.DestinationLocationUri = flags.copyTo;
    if (flags.schedule !== undefined) body.Schedule = flags.schedule;
    const client = await clientOf(flags);
    print(flags, await client.post<TaskDescription>('/v1/tasks', body), taskLines);
  });

  clientCommand(task.command('list').description('every task, with its status')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    const { Tasks } = await client.get<{ Tasks: TaskDescription[] }>('/v1/tasks');
    print(flags, { Tasks }, (v) =>
      v.Tasks.length === 0 ? ['No tasks (floe task create --name N --source URI)'] : v.Tasks.map((t) => `${t.TaskId}  ${t.Status.padEnd(9)}  ${t.Name}  ${t.SourceLocationUri}`),
    );
  });

  clientCommand(task.command('describe').description('one task: source, journal folder, filters, schedule, options, status').argument('<task>', 'task id or name')).action(
    async (taskRef: string, flags: ClientFlags) => {
      const client = await clientOf(flags);
      print(flags, await client.get<TaskDescription>(`/v1/tasks/${encodeURIComponent(taskRef)}`), taskLines);
    },
  );

  clientCommand(
    task
      .command('update')
      .description("change a task's name, filters, options (merged) or schedule; the next execution uses them")
      .argument('<task>', 'task id or name')
      .option('--name <name>', 'a new unique name')
      .option('--include <pattern>', "include filter pattern (repeatable; joined with '|'; '' removes the filter)", collect, [])
      .option('--exclude <pattern>', "exclude filter pattern (repeatable; joined with '|'; '' removes the filter)", collect, [])
      .option('--option <Key=Value>', 'set a DataSync option, the others unchanged (repeatable)', collect, [])
      .option('--schedule <expression>', "cron(...) or rate(...), UTC; '' removes the schedule"),
  ).action(async (taskRef: string, flags: ClientFlags & { name?: string; include: string[]; exclude: string[]; option: string[]; schedule?: string }) => {
    const body: Record<string, unknown> = {};
    if (flags.name !== undefined) body.Name = flags.name;
    if (flags.include.length > 0) body.Includes = flags.include.filter((p) => p !== '').join('|');
    if (flags.exclude.length > 0) body.Excludes = flags.exclude.filter((p) => p !== '').join('|');
    if (flags.option.length > 0) body.Options = parseOptionAssignments(flags.option);
    if (flags.schedule !== undefined) body.Schedule = flags.schedule;
    if (Object.keys(body).length === 0) throw new FloeError('INVALID_ARGUMENT', 'floe task update: nothing to change: give --name, --include, --exclude, --option or --schedule', { details: { usage: 'nothing-to-change' } });
    const client = await clientOf(flags);
    print(flags, await client.patch<TaskDescription>(`/v1/tasks/${encodeURIComponent(taskRef)}`, body), taskLines);
  });

  clientCommand(
    task
      .command('start')
      .description('start an execution of TASK (id or name); it waits QUEUED while another runs')
      .argument('<task>', 'task id or name')
      .option('--bytes-per-second <n>', 'BytesPerSecond for this execution: bytes per second or 800K, 50M, 1.5G; -1 or off for no limit')
      .option('--option <Key=Value>', 'override an option for this execution (repeatable)', collect, []),
  ).action(async (taskRef: string, flags: ClientFlags & { bytesPerSecond?: string; option: string[] }) => {
    const overrides = parseOptionAssignments([...flags.option, ...(flags.bytesPerSecond === undefined ? [] : [`BytesPerSecond=${flags.bytesPerSecond}`])]);
    const client = await clientOf(flags);
    const started = await client.post<ExecutionDescription>(`/v1/tasks/${encodeURIComponent(taskRef)}/executions`, { OverrideOptions: overrides });
    print(flags, started, executionLines);
  });

  clientCommand(task.command('delete').description('delete a task (not while it has a queued or running execution)').argument('<task>', 'task id or name')).action(
    async (taskRef: string, flags: ClientFlags) => {
      const client = await clientOf(flags);
      print(flags, await client.delete<TaskDescription>(`/v1/tasks/${encodeURIComponent(taskRef)}`), (t) => [`Deleted ${t.TaskId} (${t.Name})`]);
    },
  );
}

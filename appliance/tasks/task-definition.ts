// A task as DataSync defines one (CreateTask / DescribeTask), for ingest: a source location, the
// journal folder it lands in, Includes/Excludes, Options and an optional Schedule. With a
// DestinationLocationUri it is an agentless copy instead (docs/copy.md): source to destination,
// no journal folder. Ids look like
// DataSync's (`task-` and `exec-` then 17 hex digits) and are branded so they cannot be mixed.
import { randomBytes } from '../crypto/random.js';
import { FloeError } from '../errors.js';
import { JournalPaths } from '../ingest/journal-paths.js';
import { parseNfsUri } from '../sources/nfs/nfs-uri.js';
import { parseS3SourceUri } from '../sources/s3/s3-source-uri.js';
import { parseCopyDestination } from '../transfer/copy-run.js';
import { createFilter } from './filters.js';
import { parseOptions, type TaskOptions } from './options.js';
import { parseSchedule } from './schedule.js';

export type TaskId = string & { readonly __brand: 'TaskId' };
export type ExecutionId = string & { readonly __brand: 'ExecutionId' };

export interface TaskDefinition {
  readonly TaskId: TaskId;
  readonly Name: string;
  readonly SourceLocationUri: string;
  /** The journal folder the source root maps to; '' is the journal root. */
  readonly DestinationPath: string;
  /**
   * A copy's destination (s3://bucket[/prefix][?endpoint=&region=], efs:///path, fsx:///path or
   * file:///path); absent for an ingest. Never carries credentials.
   */
  readonly DestinationLocationUri?: string;
  /** SIMPLE_PATTERN filter values ('|'-separated), as DataSync's FilterRule Value. */
  readonly Includes?: string;
  readonly Excludes?: string;
  readonly Options: TaskOptions;
  /** ScheduleExpression, UTC. */
  readonly Schedule?: string;
  readonly CreationTime: string;
}

export interface CreateTaskInput {
  readonly Name?: unknown;
  readonly SourceLocationUri?: unknown;
  readonly DestinationPath?: unknown;
  readonly DestinationLocationUri?: unknown;
  readonly Includes?: unknown;
  readonly Excludes?: unknown;
  readonly Options?: unknown;
  readonly Schedule?: unknown;
}

const NAME_PATTERN = /^[a-zA-Z0-9\s+=._:@/-]{1,256}$/;

function invalid(field: string, message: string): FloeError {
  return new FloeError('INVALID_ARGUMENT', message, { details: { field } });
}

export function newTaskId(): TaskId {
  return `task-${randomBytes(9).toString('hex').slice(0, 17)}` as TaskId;
}

export function newExecutionId(): ExecutionId {
  return `exec-${randomBytes(9).toString('hex').slice(0, 17)}` as ExecutionId;
}

/** Checks a source URI's syntax without connecting. */
export function checkSourceUri(uri: unknown): string {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw invalid('SourceLocationUri', 'SourceLocationUri is required: nfs://host/export[/path]?uid=&gid=, s3://bucket[/prefix]?endpoint=&region= or file:///path');
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'nfs') parseNfsUri(uri);
  // Credentials are refused here, before the task is stored or its URI shown (s3-source-uri.ts).
  else if (scheme === 's3') parseS3SourceUri(uri);
  else if (scheme === 'file') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw invalid('SourceLocationUri', `invalid SourceLocationUri '${uri}': expected file:///absolute/path`);
    }
    if (url.host !== '' || url.pathname === '') throw invalid('SourceLocationUri', `invalid SourceLocationUri '${uri}': expected file:///absolute/path`);
  } else throw invalid('SourceLocationUri', `unsupported SourceLocationUri '${uri}': expected nfs://host/export[/path], s3://bucket[/prefix] or file:///path`);
  return uri;
}

/** A copy's source: any ingest source, or a mounted EFS / FSx folder named efs:///path, fsx:///path. */
function checkCopySourceUri(uri: unknown): string {
  if (typeof uri === 'string' && /^(efs|fsx):/iu.test(uri)) {
    checkSourceUri(copySourceUri(uri));
    return uri;
  }
  return checkSourceUri(uri);
}

/** The URI a copy opens its source with: a mounted EFS or FSx folder is a file:// folder. */
export function copySourceUri(uri: string): string {
  return uri.replace(/^(efs|fsx):/iu, 'file:');
}

function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string; got ${typeof value}`);
  return value;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw invalid('Name', `Name must be 1-256 characters of letters, digits, spaces and + = . _ : @ / -; got ${JSON.stringify(name)}`);
  }
  return name;
}

function checkSchedule(value: unknown): string | undefined {
  const schedule = optionalString('Schedule', value);
  if (schedule !== undefined) parseSchedule(schedule);
  return schedule;
}

/** Includes and Excludes checked together (SIMPLE_PATTERN rules), as the execution will use them. */
function checkFilters(includes: string | undefined, excludes: string | undefined): void {
  createFilter({ includes, excludes }); // validation only
}

/** The optional members of a task, present only when set. */
function present(members: { Includes: string | undefined; Excludes: string | undefined; Schedule: string | undefined }): Pick<TaskDefinition, 'Includes' | 'Excludes' | 'Schedule'> {
  return Object.fromEntries(Object.entries(members).filter(([, v]) => v !== undefined));
}

/** Validates a CreateTask request into a definition (with a new id and creation time). */
export function parseTaskInput(input: CreateTaskInput, now: Date = new Date()): TaskDefinition {
  if (typeof input !== 'object' || input === null) throw invalid('body', 'a task is an object with Name, SourceLocationUri, Includes, Excludes, Options, Schedule');
  const name = checkName(input.Name);
  const includes = optionalString('Includes', input.Includes);
  const excludes = optionalString('Excludes', input.Excludes);
  checkFilters(includes, excludes);
  const destination = optionalString('DestinationPath', input.DestinationPath) ?? '';
  const paths = new JournalPaths(destination);
  const schedule = checkSchedule(input.Schedule);
  const copyTo = optionalString('DestinationLocationUri', input.DestinationLocationUri);
  if (copyTo !== undefined) {
    parseCopyDestination(copyTo); // syntax; credentials refused before the task is stored or shown
    if (destination !== '') throw invalid('DestinationPath', 'DestinationPath names a journal folder; a copy (DestinationLocationUri) writes no data into the journal: give one or the other');
  }
  return {
    TaskId: newTaskId(),
    Name: name,
    SourceLocationUri: copyTo === undefined ? checkSourceUri(input.SourceLocationUri) : checkCopySourceUri(input.SourceLocationUri),
    DestinationPath: paths.prefix.toString('utf8'),
    ...(copyTo === undefined ? {} : { DestinationLocationUri: copyTo }),
    Options: parseOptions(input.Options ?? {}),
    ...present({ Includes: includes, Excludes: excludes, Schedule: schedule }),
    CreationTime: now.toISOString(),
  };
}

/** UpdateTask: what may change on a task. An absent member stays; '' clears Includes, Excludes, Schedule. */
export interface UpdateTaskInput {
  readonly Name?: unknown;
  readonly Includes?: unknown;
  readonly Excludes?: unknown;
  /** Merged onto the task's options (DataSync's UpdateTask Options). */
  readonly Options?: unknown;
  readonly Schedule?: unknown;
}

const UPDATABLE = ['Name', 'Includes', 'Excludes', 'Options', 'Schedule'] as const;

/**
 * Validates an UpdateTask request against a task, with create's checks and messages, into the
 * updated definition (same id, source, journal folder and creation time).
 */
export function applyTaskUpdate(task: TaskDefinition, input: UpdateTaskInput): TaskDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('body', `an update is an object with any of ${UPDATABLE.join(', ')}`);
  for (const key of Object.keys(input)) {
    if (!(UPDATABLE as readonly string[]).includes(key)) {
      const fixed = key === 'SourceLocationUri' || key === 'DestinationPath' || key === 'DestinationLocationUri' || key === 'TaskId' || key === 'CreationTime';
      throw invalid(key, fixed ? `${key} cannot be changed: create a new task for another source or journal folder` : `Unknown member ${JSON.stringify(key)}; an update takes ${UPDATABLE.join(', ')}`);
    }
  }
  if (UPDATABLE.every((k) => input[k] === undefined)) throw invalid('body', `nothing to update: give at least one of ${UPDATABLE.join(', ')}`);
  const name = input.Name === undefined ? task.Name : checkName(input.Name);
  const includes = input.Includes === undefined ? task.Includes : optionalString('Includes', input.Includes);
  const excludes = input.Excludes === undefined ? task.Excludes : optionalString('Excludes', input.Excludes);
  checkFilters(includes, excludes);
  const schedule = input.Schedule === undefined ? task.Schedule : checkSchedule(input.Schedule);
  const options = input.Options === undefined ? task.Options : parseOptions(input.Options, task.Options);
  return {
    TaskId: task.TaskId,
    Name: name,
    SourceLocationUri: task.SourceLocationUri,
    DestinationPath: task.DestinationPath,
    ...(task.DestinationLocationUri === undefined ? {} : { DestinationLocationUri: task.DestinationLocationUri }),
    Options: options,
    ...present({ Includes: includes, Excludes: excludes, Schedule: schedule }),
    CreationTime: task.CreationTime,
  };
}

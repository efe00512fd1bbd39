// DataSync task options (API type `Options`), with DataSync's names, values and defaults.
//
// Source: AWS DataSync API reference, "Options"
// (https://docs.aws.amazon.com/datasync/latest/userguide/API_Options.html). Every option has a
// default; an execution may override any of them (StartTaskExecution `OverrideOptions`), which is
// why parseOptions() takes the task's options as its base.
//
// floe leaves out SecurityDescriptorCopyFlags (SMB/FSx for Windows only; floe has no SMB).

import { FloeError } from '../errors.js';
import { parseBandwidth } from '../format/units.js';

/** Allowed values of every enumerated option; the first value is the default. */
export const OPTION_VALUES = {
  // "Default value: POINT_IN_TIME_CONSISTENT ... ONLY_FILES_TRANSFERRED (recommended)".
  VerifyMode: ['POINT_IN_TIME_CONSISTENT', 'ONLY_FILES_TRANSFERRED', 'NONE'],
  // "If set to NEVER a destination file will not be replaced by a source file, even if the
  // destination file differs from the source file."
  OverwriteMode: ['ALWAYS', 'NEVER'],
  TransferMode: ['CHANGED', 'ALL'],
  // "Default value: PRESERVE ... REMOVE: Delete destination files that aren't present in the source."
  PreserveDeletedFiles: ['PRESERVE', 'REMOVE'],
  // "Default value: NONE ... DataSync does not copy the contents of such devices, only the name and metadata."
  PreserveDevices: ['NONE', 'PRESERVE'],
  PosixPermissions: ['PRESERVE', 'NONE'],
  // "Default value: INT_VALUE ... Valid Values: NONE | INT_VALUE | NAME | BOTH".
  Uid: ['INT_VALUE', 'NONE', 'NAME', 'BOTH'],
  Gid: ['INT_VALUE', 'NONE', 'NAME', 'BOTH'],
  // "Default Value: PRESERVE ... required for cases when you need to run the same task more than one time."
  Mtime: ['PRESERVE', 'NONE'],
  // "Default value: BEST_EFFORT".
  Atime: ['BEST_EFFORT', 'NONE'],
  // "The default is ENABLED."
  TaskQueueing: ['ENABLED', 'DISABLED'],
  // The API gives no default; floe defaults to OFF (DOMAIN.md).
  LogLevel: ['OFF', 'BASIC', 'TRANSFER'],
  // "Default Value: PRESERVE".
  ObjectTags: ['PRESERVE', 'NONE'],
} as const;

export type EnumOptionName = keyof typeof OPTION_VALUES;
type EnumValue<K extends EnumOptionName> = (typeof OPTION_VALUES)[K][number];

export type VerifyMode = EnumValue<'VerifyMode'>;
export type OverwriteMode = EnumValue<'OverwriteMode'>;
export type TransferMode = EnumValue<'TransferMode'>;
export type PreserveDeletedFiles = EnumValue<'PreserveDeletedFiles'>;
export type PreserveDevices = EnumValue<'PreserveDevices'>;
export type PosixPermissions = EnumValue<'PosixPermissions'>;
export type IdMode = EnumValue<'Uid'>;
export type Mtime = EnumValue<'Mtime'>;
export type Atime = EnumValue<'Atime'>;
export type TaskQueueing = EnumValue<'TaskQueueing'>;
export type LogLevel = EnumValue<'LogLevel'>;
export type ObjectTags = EnumValue<'ObjectTags'>;

/** BytesPerSecond value meaning "no limit" ("Valid Range: Minimum value of -1"). */
export const UNLIMITED_BYTES_PER_SECOND = -1;

export interface TaskOptions {
  readonly VerifyMode: VerifyMode;
  readonly OverwriteMode: OverwriteMode;
  readonly TransferMode: TransferMode;
  readonly PreserveDeletedFiles: PreserveDeletedFiles;
  readonly PreserveDevices: PreserveDevices;
  readonly PosixPermissions: PosixPermissions;
  readonly Uid: IdMode;
  readonly Gid: IdMode;
  readonly Mtime: Mtime;
  readonly Atime: Atime;
  /** -1 for no limit, else a positive whole number of bytes per second. */
  readonly BytesPerSecond: number;
  readonly TaskQueueing: TaskQueueing;
  readonly LogLevel: LogLevel;
  readonly ObjectTags: ObjectTags;
}

export type TaskOptionName = keyof TaskOptions;

export const OPTION_NAMES: readonly TaskOptionName[] = [
  'VerifyMode',
  'OverwriteMode',
  'TransferMode',
  'PreserveDeletedFiles',
  'PreserveDevices',
  'PosixPermissions',
  'Uid',
  'Gid',
  'Mtime',
  'Atime',
  'BytesPerSecond',
  'TaskQueueing',
  'LogLevel',
  'ObjectTags',
];

export const DEFAULT_TASK_OPTIONS: TaskOptions = Object.freeze({
  VerifyMode: 'POINT_IN_TIME_CONSISTENT',
  OverwriteMode: 'ALWAYS',
  TransferMode: 'CHANGED',
  PreserveDeletedFiles: 'PRESERVE',
  PreserveDevices: 'NONE',
  PosixPermissions: 'PRESERVE',
  Uid: 'INT_VALUE',
  Gid: 'INT_VALUE',
  Mtime: 'PRESERVE',
  Atime: 'BEST_EFFORT',
  BytesPerSecond: UNLIMITED_BYTES_PER_SECOND,
  TaskQueueing: 'ENABLED',
  LogLevel: 'OFF',
  ObjectTags: 'PRESERVE',
});

function invalid(field: string, message: string, extra: Record<string, unknown> = {}): FloeError {
  return new FloeError('INVALID_ARGUMENT', message, { details: { field, ...extra } });
}

function isOptionName(name: string): name is TaskOptionName {
  return (OPTION_NAMES as readonly string[]).includes(name);
}

function parseEnum<K extends EnumOptionName>(name: K, value: unknown): EnumValue<K> {
  const allowed: readonly string[] = OPTION_VALUES[name];
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(name, `Option ${name} must be one of ${allowed.join(' | ')}; got ${JSON.stringify(value)}`, { allowed });
  }
  return value as EnumValue<K>;
}

/**
 * BytesPerSecond: "Type: Long. Valid Range: Minimum value of -1." floe accepts -1 (no limit) or a
 * positive whole number; 0 would stall every transfer and is refused. A string is read as a person
 * types a bandwidth (`1048576`, `800K`, `50M`, `1.5GiB/s`, `off`), the same forms the terminal UI
 * takes, so the CLI's `--option BytesPerSecond=50M` and `--bytes-per-second 50M` work too.
 */
export function parseBytesPerSecond(value: unknown): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') n = parseBandwidth(value);
  if (n === undefined || !Number.isSafeInteger(n) || (n !== UNLIMITED_BYTES_PER_SECOND && n < 1)) {
    throw invalid(
      'BytesPerSecond',
      `Option BytesPerSecond must be -1 (no limit) or a positive rate: whole bytes per second, or with a binary unit as 800K, 50M, 1.5G; got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function parseOne(name: TaskOptionName, value: unknown): TaskOptions[TaskOptionName] {
  return name === 'BytesPerSecond' ? parseBytesPerSecond(value) : parseEnum(name, value);
}

/**
 * Validates a partial set of options (each value on its own, no cross-field rule): what a task
 * update or an execution override carries. Unknown option names are refused. `undefined` values
 * are skipped, as the API skips absent members.
 */
export function parseOptionOverrides(input: unknown): Partial<TaskOptions> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw invalid('Options', `Options must be an object of option names to values; got ${Array.isArray(input) ? 'an array' : typeof input}`);
  }
  const out: Partial<Record<TaskOptionName, unknown>> = {};
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (!isOptionName(name)) {
      throw invalid(name, `Unknown option ${JSON.stringify(name)}; options are ${OPTION_NAMES.join(', ')}`, { allowed: OPTION_NAMES });
    }
    if (value === undefined) continue;
    out[name] = parseOne(name, value);
  }
  return out as Partial<TaskOptions>;
}

/**
 * DataSync's cross-field rules, from the Options reference:
 *   Atime: "If Atime is set to BEST_EFFORT, Mtime must be set to PRESERVE.
 *           If Atime is set to NONE, Mtime must also be NONE."
 *   Mtime: "If Mtime is set to PRESERVE, Atime must be set to BEST_EFFORT.
 *           If Mtime is set to NONE, Atime must also be set to NONE."
 * So the only valid pairs are (Atime BEST_EFFORT, Mtime PRESERVE) and (Atime NONE, Mtime NONE).
 */
export function checkOptionRules(options: TaskOptions): void {
  const { Atime, Mtime } = options;
  if (Atime === 'BEST_EFFORT' && Mtime !== 'PRESERVE') {
    throw invalid('Atime', `Option Atime BEST_EFFORT requires Mtime PRESERVE (Mtime is ${Mtime}); set Atime=NONE together with Mtime=NONE`, {
      Atime,
      Mtime,
    });
  }
  if (Atime === 'NONE' && Mtime !== 'NONE') {
    throw invalid('Atime', `Option Atime NONE requires Mtime NONE (Mtime is ${Mtime}); set Mtime=NONE too, or Atime=BEST_EFFORT`, {
      Atime,
      Mtime,
    });
  }
}

/**
 * Full, validated options: `input` (a partial Options object, unknown names refused) laid over
 * `base` (the task's options for an execution override, else DataSync's defaults), then the
 * cross-field rules checked on the result.
 */
export function parseOptions(input: unknown, base: TaskOptions = DEFAULT_TASK_OPTIONS): TaskOptions {
  const merged: TaskOptions = Object.freeze({ ...base, ...parseOptionOverrides(input) });
  checkOptionRules(merged);
  return merged;
}

/**
 * The CLI's repeated `--option Key=Value`: ['VerifyMode=NONE', 'BytesPerSecond=1048576'].
 * Names and values are validated one by one; a name given twice is refused. The result is a
 * partial options object for parseOptions(), which applies the cross-field rules.
 */
export function parseOptionAssignments(assignments: readonly string[]): Partial<TaskOptions> {
  const raw: Record<string, string> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw invalid('option', `Option assignment ${JSON.stringify(assignment)} must look like Key=Value, e.g. VerifyMode=ONLY_FILES_TRANSFERRED`);
    }
    const name = assignment.slice(0, eq).trim();
    const value = assignment.slice(eq + 1).trim();
    if (Object.hasOwn(raw, name)) throw invalid(name, `Option ${name} is given more than once`);
    raw[name] = value;
  }
  return parseOptionOverrides(raw);
}

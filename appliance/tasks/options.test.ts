import { errorOf } from '../../test/support/error-of.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TASK_OPTIONS, parseBytesPerSecond, parseOptionAssignments, parseOptions, type TaskOptions } from './options.js';


describe('parseOptions', () => {
  it('fills every option with DataSync defaults', () => {
    expect(parseOptions({})).toEqual({
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
      BytesPerSecond: -1,
      TaskQueueing: 'ENABLED',
      LogLevel: 'OFF',
      ObjectTags: 'PRESERVE',
    });
    expect(parseOptions(undefined)).toEqual(DEFAULT_TASK_OPTIONS);
  });

  it('lays overrides over a base (an execution override over the task options)', () => {
    const task = parseOptions({ VerifyMode: 'ONLY_FILES_TRANSFERRED', LogLevel: 'BASIC' });
    const execution = parseOptions({ LogLevel: 'TRANSFER', BytesPerSecond: 1048576 }, task);
    expect(execution.VerifyMode).toBe('ONLY_FILES_TRANSFERRED');
    expect(execution.LogLevel).toBe('TRANSFER');
    expect(execution.BytesPerSecond).toBe(1048576);
  });

  const valid: Array<[string, Record<string, unknown>]> = [
    ['Atime BEST_EFFORT + Mtime PRESERVE', { Atime: 'BEST_EFFORT', Mtime: 'PRESERVE' }],
    ['Atime NONE + Mtime NONE', { Atime: 'NONE', Mtime: 'NONE' }],
    ['every enum at a non-default value', {
      VerifyMode: 'NONE', OverwriteMode: 'NEVER', TransferMode: 'ALL', PreserveDeletedFiles: 'REMOVE',
      PreserveDevices: 'PRESERVE', PosixPermissions: 'NONE', Uid: 'BOTH', Gid: 'NAME', TaskQueueing: 'DISABLED',
      LogLevel: 'TRANSFER', ObjectTags: 'NONE',
    }],
    ['BytesPerSecond 1', { BytesPerSecond: 1 }],
  ];
  it.each(valid)('accepts %s', (_name, input) => {
    const parsed = parseOptions(input);
    for (const [k, v] of Object.entries(input)) expect(parsed[k as keyof TaskOptions]).toBe(v);
  });

  const invalidCases: Array<[string, unknown, string, string]> = [
    ['Atime BEST_EFFORT with Mtime NONE', { Mtime: 'NONE' }, 'Atime', 'Option Atime BEST_EFFORT requires Mtime PRESERVE (Mtime is NONE); set Atime=NONE together with Mtime=NONE'],
    ['Atime NONE with Mtime PRESERVE', { Atime: 'NONE' }, 'Atime', 'Option Atime NONE requires Mtime NONE (Mtime is PRESERVE); set Mtime=NONE too, or Atime=BEST_EFFORT'],
    ['unknown option', { VerifyModes: 'NONE' }, 'VerifyModes', 'Unknown option "VerifyModes"; options are VerifyMode, OverwriteMode, TransferMode, PreserveDeletedFiles, PreserveDevices, PosixPermissions, Uid, Gid, Mtime, Atime, BytesPerSecond, TaskQueueing, LogLevel, ObjectTags'],
    ['bad enum value', { VerifyMode: 'FULL' }, 'VerifyMode', 'Option VerifyMode must be one of POINT_IN_TIME_CONSISTENT | ONLY_FILES_TRANSFERRED | NONE; got "FULL"'],
    ['lower-case enum value', { LogLevel: 'basic' }, 'LogLevel', 'Option LogLevel must be one of OFF | BASIC | TRANSFER; got "basic"'],
    ['BytesPerSecond 0', { BytesPerSecond: 0 }, 'BytesPerSecond', 'Option BytesPerSecond must be -1 (no limit) or a positive rate: whole bytes per second, or with a binary unit as 800K, 50M, 1.5G; got 0'],
    ['BytesPerSecond -2', { BytesPerSecond: -2 }, 'BytesPerSecond', 'Option BytesPerSecond must be -1 (no limit) or a positive rate: whole bytes per second, or with a binary unit as 800K, 50M, 1.5G; got -2'],
    ['BytesPerSecond 1.5', { BytesPerSecond: 1.5 }, 'BytesPerSecond', 'Option BytesPerSecond must be -1 (no limit) or a positive rate: whole bytes per second, or with a binary unit as 800K, 50M, 1.5G; got 1.5'],
    ['not an object', 'VerifyMode=NONE', 'Options', 'Options must be an object of option names to values; got string'],
    ['an array', [], 'Options', 'Options must be an object of option names to values; got an array'],
  ];
  it.each(invalidCases)('refuses %s', (_name, input, field, message) => {
    const err = errorOf(() => parseOptions(input));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe(message);
    expect(err.details?.field).toBe(field);
  });
});

describe('parseBytesPerSecond', () => {
  it.each([
    [-1, -1],
    ['-1', -1],
    ['1048576', 1048576],
    [' 42 ', 42],
    ['50M', 50 * 1024 ** 2],
    ['800k', 800 * 1024],
    ['1.5GiB/s', 1.5 * 1024 ** 3],
    ['off', -1],
  ])('%j -> %d', (input, expected) => {
    expect(parseBytesPerSecond(input)).toBe(expected);
  });
  it.each([['1e6'], ['0x10'], [''], ['12abc'], [null], [Number.MAX_SAFE_INTEGER + 1]])('refuses %j', (input) => {
    expect(errorOf(() => parseBytesPerSecond(input)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('parseOptionAssignments', () => {
  it('parses Key=Value pairs into a partial Options', () => {
    expect(parseOptionAssignments(['VerifyMode=ONLY_FILES_TRANSFERRED', 'BytesPerSecond=1048576', 'LogLevel=TRANSFER'])).toEqual({
      VerifyMode: 'ONLY_FILES_TRANSFERRED',
      BytesPerSecond: 1048576,
      LogLevel: 'TRANSFER',
    });
  });

  it('leaves the cross-field rules to parseOptions', () => {
    const partial = parseOptionAssignments(['Atime=NONE', 'Mtime=NONE']);
    expect(parseOptions(partial)).toMatchObject({ Atime: 'NONE', Mtime: 'NONE' });
    expect(errorOf(() => parseOptions(parseOptionAssignments(['Mtime=NONE']))).details?.field).toBe('Atime');
  });

  it.each([
    ['VerifyMode', 'option', 'Option assignment "VerifyMode" must look like Key=Value, e.g. VerifyMode=ONLY_FILES_TRANSFERRED'],
    ['=NONE', 'option', 'Option assignment "=NONE" must look like Key=Value, e.g. VerifyMode=ONLY_FILES_TRANSFERRED'],
    ['Bogus=1', 'Bogus', 'Unknown option "Bogus"; options are VerifyMode, OverwriteMode, TransferMode, PreserveDeletedFiles, PreserveDevices, PosixPermissions, Uid, Gid, Mtime, Atime, BytesPerSecond, TaskQueueing, LogLevel, ObjectTags'],
    ['BytesPerSecond=fast', 'BytesPerSecond', 'Option BytesPerSecond must be -1 (no limit) or a positive rate: whole bytes per second, or with a binary unit as 800K, 50M, 1.5G; got "fast"'],
  ])('refuses %j', (assignment, field, message) => {
    const err = errorOf(() => parseOptionAssignments([assignment]));
    expect(err.message).toBe(message);
    expect(err.details?.field).toBe(field);
  });

  it('refuses an option given twice', () => {
    expect(errorOf(() => parseOptionAssignments(['LogLevel=OFF', 'LogLevel=BASIC'])).message).toBe('Option LogLevel is given more than once');
  });
});

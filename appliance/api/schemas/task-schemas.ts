// Task and execution routes' bodies and responses, with DataSync's member names (CreateTask,
// DescribeTask, UpdateTask, StartTaskExecution, DescribeTaskExecution, UpdateTaskExecution).
import { Type } from '@sinclair/typebox';
import { Out } from './common-schemas.js';

const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const CreateTaskBody = Type.Object(
  {
    Name: Type.String({ description: '1-256 letters, digits, spaces and + = . _ : @ / -; unique on the device' }),
    SourceLocationUri: Type.String({ description: 'nfs://host[:port]/export[/path]?uid=&gid=&nfsport=&mountport=, s3://bucket[/prefix]?endpoint=&region=&forcePathStyle= (credentials from the daemon, never in the URI) or file:///path' }),
    DestinationPath: Type.Optional(Type.String({ description: "journal folder the source root maps to ('' = the journal root)" })),
    DestinationLocationUri: Type.Optional(
      Type.String({
        description:
          'makes the task an agentless copy (no journal between for the data): s3://bucket[/prefix]?endpoint=&region=&forcePathStyle= (credentials from the daemon), efs:///path, fsx:///path or file:///path; the source may then also be efs:///path or fsx:///path',
      }),
    ),
    Includes: Type.Optional(Type.String({ description: "SIMPLE_PATTERN value, '|'-separated; '*' only as the last character" })),
    Excludes: Type.Optional(Type.String({ description: "SIMPLE_PATTERN value, '|'-separated, e.g. */.snapshot|*.tmp" })),
    Options: Type.Optional(OpenObject('DataSync Options; absent ones take their defaults')),
    Schedule: Type.Optional(Type.String({ description: 'ScheduleExpression, UTC: cron(...), rate(...), or five-field cron' })),
  },
  { title: 'CreateTaskBody', additionalProperties: false },
);

export const UpdateTaskBody = Type.Object(
  {
    Name: Type.Optional(CreateTaskBody.properties.Name),
    Includes: Type.Optional(Type.String({ description: "SIMPLE_PATTERN value, '|'-separated; '' removes the include filter" })),
    Excludes: Type.Optional(Type.String({ description: "SIMPLE_PATTERN value, '|'-separated; '' removes the exclude filter" })),
    Options: Type.Optional(OpenObject("DataSync Options merged onto the task's; absent ones stay as they are")),
    Schedule: Type.Optional(Type.String({ description: "ScheduleExpression, UTC; '' removes the schedule" })),
  },
  { title: 'UpdateTaskBody', additionalProperties: false, description: 'UpdateTask: at least one member; the source and journal folder of a task do not change' },
);

export const StartExecutionBody = Type.Object(
  { OverrideOptions: Type.Optional(OpenObject('options for this execution only, e.g. {"BytesPerSecond": 52428800}')) },
  { title: 'StartTaskExecutionBody', additionalProperties: false },
);

export const UpdateExecutionBody = Type.Object(
  {
    BytesPerSecond: Type.Optional(Type.Integer({ description: '-1 for no limit, else bytes per second' })),
    Options: Type.Optional(Type.Object({ BytesPerSecond: Type.Integer() }, { additionalProperties: false })),
  },
  { title: 'UpdateTaskExecutionBody', additionalProperties: false },
);

export const TaskSchema = Out(
  {
    TaskId: Type.String(),
    Name: Type.String(),
    SourceLocationUri: Type.String(),
    DestinationPath: Type.String(),
    DestinationLocationUri: Type.Optional(Type.String({ description: 'present for an agentless copy' })),
    Includes: Type.Optional(Type.String()),
    Excludes: Type.Optional(Type.String()),
    Options: OpenObject('DataSync Options'),
    Schedule: Type.Optional(Type.String()),
    CreationTime: Type.String(),
    Status: Type.String({ description: 'AVAILABLE | QUEUED | RUNNING' }),
    CurrentTaskExecutionId: Type.Optional(Type.String()),
  },
  { title: 'Task' },
);

export const TaskListSchema = Out({ Tasks: Type.Array(TaskSchema) }, { title: 'TaskList' });

export const ExecutionSchema = Out(
  {
    TaskExecutionId: Type.String(),
    TaskId: Type.String(),
    TaskName: Type.String(),
    Status: Type.String({ description: 'QUEUED | LAUNCHING | PREPARING | TRANSFERRING | VERIFYING | SUCCESS | ERROR | CANCELLING' }),
    Options: OpenObject('the options this execution runs with'),
    StartTime: Type.String(),
    EndTime: Type.Optional(Type.String()),
    EstimatedFilesToTransfer: Type.Integer(),
    EstimatedBytesToTransfer: Type.Integer(),
    EstimatedFilesToDelete: Type.Integer(),
    FilesTransferred: Type.Integer(),
    BytesWritten: Type.Integer(),
    BytesTransferred: Type.Integer(),
    BytesCompressed: Type.Integer(),
    FilesSkipped: Type.Integer(),
    FilesVerified: Type.Integer(),
    FilesDeleted: Type.Integer(),
    FilesPrepared: Type.Integer(),
    FilesListed: OpenObject('AtSource, AtDestinationForDelete'),
    FilesFailed: OpenObject('Prepare, Transfer, Verify, Delete'),
    Result: OpenObject('PrepareDuration, PrepareStatus, TransferDuration, TransferStatus, VerifyDuration, VerifyStatus, TotalDuration (ms), ErrorCode, ErrorDetail'),
    FileProblems: Type.Array(OpenObject('path, phase, outcome (skipped | failed | noted), code, message')),
    FileProblemCount: Type.Integer(),
  },
  { title: 'TaskExecution' },
);

export const ExecutionListSchema = Out({ TaskExecutions: Type.Array(ExecutionSchema) }, { title: 'TaskExecutionList' });

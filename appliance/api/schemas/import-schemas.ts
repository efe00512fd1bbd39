// Import, online sync and job completion report: bodies and responses (appliance/transfer).
import { Type } from '@sinclair/typebox';
import { Out } from './common-schemas.js';

const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

const DestinationItem = Type.Union([
  Type.String({ description: 's3://bucket/prefix, efs:///path or fsx:///path' }),
  Type.Object(
    {
      uri: Type.String(),
      endpoint: Type.Optional(Type.String()),
      region: Type.Optional(Type.String()),
      forcePathStyle: Type.Optional(Type.Boolean()),
      storageClass: Type.Optional(Type.String()),
      serverSideEncryption: Type.Optional(Type.String()),
      kmsKeyId: Type.Optional(Type.String()),
      contentMd5: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
]);

const TransferFields = {
  destinations: Type.Optional(Type.Array(DestinationItem, { maxItems: 10, description: "instead of the job's destinations (a URI naming a job destination keeps its endpoint and options)" })),
  options: Type.Optional(OpenObject('task options: VerifyMode, OverwriteMode, TransferMode, BytesPerSecond, ...')),
};

export const ImportBody = Type.Object(
  { ...TransferFields, uploadReport: Type.Optional(Type.Boolean({ description: 'also put the report next to the data under .floe-report/<execution>/' })) },
  { title: 'ImportBody', additionalProperties: false },
);

export const SyncBody = Type.Object(
  {
    ...TransferFields,
    schedule: Type.Optional(Type.String({ description: 'UTC: cron(...), rate(...), or five-field cron; absent: run once now' })),
    allowSubHourly: Type.Optional(Type.Boolean()),
  },
  { title: 'SyncBody', additionalProperties: false },
);

export const RunStatusSchema = Out(
  {
    executionId: Type.String(),
    state: Type.String({ description: 'RUNNING, COMPLETED, COMPLETED_WITH_ERRORS, FAILED, CANCELLED' }),
    startedAt: Type.String(),
    endedAt: Type.Optional(Type.String()),
    destinations: Type.Array(Out({ uri: Type.String(), status: Type.String(), counters: OpenObject('DescribeTaskExecution counters'), result: OpenObject('durations and phase statuses') })),
    error: Type.Optional(Out({ code: Type.String(), message: Type.String() })),
    report: Type.Optional(OpenObject('the job completion summary once the import ended')),
  },
  { title: 'TransferRunStatus' },
);

export const SyncStatusSchema = Out(
  {
    state: Type.String({ description: 'IDLE, SCHEDULED or RUNNING' }),
    schedule: Type.Optional(Type.String()),
    nextRunAt: Type.Optional(Type.String()),
    current: Type.Optional(RunStatusSchema),
    last: Type.Optional(RunStatusSchema),
    lastError: Type.Optional(Out({ code: Type.String(), message: Type.String() })),
  },
  { title: 'SyncStatus' },
);

export const ReportSchema = Out(
  {
    'summary.json': Type.String(),
    'success-log.csv': Type.String(),
    'failure-log.csv': Type.String(),
    'summary.txt': Type.String(),
  },
  { title: 'JobCompletionReport', description: 'the four report files, as text; written to disk only by the client (floe report --out DIR)' },
);

export const BandwidthBody = Type.Object({ BytesPerSecond: Type.Integer({ description: '-1 for no limit, else bytes per second' }) }, { title: 'BandwidthBody', additionalProperties: false });

// Recovery points and restore: bodies and responses (appliance/journal/recovery-points.ts,
// appliance/transfer/restore-service.ts; docs/restore.md).
import { Type } from '@sinclair/typebox';
import { Out } from './common-schemas.js';
import { RunStatusSchema } from './import-schemas.js';

const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const PointSchema = Out(
  {
    id: Type.String({ description: "the ingest execution's id" }),
    seq: Type.String({ description: "the journal record the point ends at (its execution's end), decimal" }),
    chain: Type.String({ description: 'the hash chain after that record, hex' }),
    taskId: Type.String(),
    taskName: Type.String(),
    status: Type.String({ description: "the execution's end status: SUCCESS, ERROR or CANCELLED" }),
    startTime: Type.String(),
    endTime: Type.String(),
    files: Type.Integer({ description: 'catalog entries at the point, folders included' }),
    bytes: Type.Integer({ description: 'bytes of the regular files at the point' }),
  },
  { title: 'RecoveryPoint' },
);

export const PointListSchema = Out({ points: Type.Array(PointSchema) }, { title: 'RecoveryPointList' });

export const EntrySchema = Out(
  {
    path: Type.String({ description: 'the journal path; bytes that are not UTF-8 shown as \\xNN' }),
    pathHex: Type.String({ description: 'the exact path bytes, hex' }),
    type: Type.String({ description: 'file, directory, symlink, fifo, socket, char or block' }),
    mode: Type.String({ description: 'permission bits, octal, setuid/setgid/sticky included' }),
    uid: Type.Integer(),
    gid: Type.Integer(),
    size: Type.Integer(),
    mtime: Type.String({ description: 'nanoseconds since the epoch, decimal' }),
    sha256: Type.Optional(Type.String()),
    target: Type.Optional(Type.String({ description: "a symlink's target" })),
  },
  { title: 'JournalEntry' },
);

export const FolderQuery = Type.Object(
  {
    path: Type.Optional(Type.String({ description: "a journal path ('' or absent: the root)" })),
    pathHex: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2})*$', description: 'the path as hex bytes, for names that are not UTF-8' })),
  },
  { additionalProperties: false },
);

export const FolderListingSchema = Out({ point: Type.String(), path: Type.String(), entries: Type.Array(EntrySchema) }, { title: 'FolderAtPoint' });

export const HistorySchema = Out(
  {
    path: Type.String(),
    versions: Type.Array(
      Out({
        seq: Type.String(),
        deleted: Type.Boolean({ description: 'true for a tombstone: the path was gone from the source' }),
        entry: Type.Optional(EntrySchema),
        points: Type.Array(Type.String(), { description: 'the points at which this version was current' }),
      }),
    ),
  },
  { title: 'PathHistory' },
);

export const RestoreBody = Type.Object(
  {
    point: Type.Optional(Type.String({ description: "a recovery point's id, or latest (the default)" })),
    target: Type.String({ description: 'file:///path (a folder, or a mounted share) or nfs://host/export/path (an NFS export, through floe\'s own NFSv3 client)' }),
    includes: Type.Optional(Type.String({ description: 'SIMPLE_PATTERN filters, |-separated' })),
    excludes: Type.Optional(Type.String()),
    options: Type.Optional(OpenObject('task options: VerifyMode, OverwriteMode, TransferMode, PosixPermissions, Uid, Gid, Mtime, Atime, BytesPerSecond')),
  },
  { title: 'RestoreBody', additionalProperties: false },
);

export const RestoreStatusSchema = Out({ ...RunStatusSchema.properties, point: Type.String(), target: Type.String() }, { title: 'RestoreStatus' });

export const RestoreReportQuery = Type.Object({ executionId: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

export const RestoreReportSchema = Out(
  { 'summary.json': Type.String(), 'restored.csv': Type.String(), 'failures.csv': Type.String(), 'summary.txt': Type.String() },
  { title: 'RestoreReport', description: 'the report files, as text; written to disk only by the client (floe restore report --out DIR)' },
);

// Journal routes' responses (ARCHITECTURE.md, "Journal").
import { Type } from '@sinclair/typebox';
import { Out } from './common-schemas.js';

export const JournalStatsSchema = Out(
  {
    files: Type.Integer(),
    logicalBytes: Type.Integer({ description: 'bytes of all files as ingested' }),
    chunks: Type.Integer(),
    chunkBytes: Type.Integer({ description: 'plaintext bytes of distinct chunks' }),
    storedBytes: Type.Integer({ description: 'bytes of all segment files on disk' }),
    segments: Type.Integer(),
    dedupRatio: Type.Number({ description: 'logicalBytes / chunkBytes (1 when empty)' }),
    records: Type.Integer(),
  },
  { title: 'JournalStats' },
);

export const VerifyReportSchema = Out(
  {
    ok: Type.Boolean(),
    records: Type.Integer(),
    files: Type.Integer(),
    problems: Type.Array(
      Out({
        kind: Type.String(),
        message: Type.String(),
        segment: Type.Optional(Type.Integer()),
        offset: Type.Optional(Type.Integer()),
        paths: Type.Optional(Type.Array(Type.String())),
      }),
    ),
    affectedPaths: Type.Array(Type.String()),
    seals: Type.Array(Out({ seq: Type.String(), fingerprint: Type.String(), ok: Type.Boolean() })),
    recordsAfterLastSeal: Type.Integer(),
  },
  { title: 'VerifyReport' },
);

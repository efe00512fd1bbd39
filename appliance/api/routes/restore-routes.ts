// Recovery points and restore (ARCHITECTURE.md, "The way back"; docs/restore.md). A point's folder
// listing and a path's history are read from the index; the restore runs in the daemon and
// publishes restore.progress and restore.status on /v1/events.
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FloeError } from '../../errors.js';
import { displayPath, type FileEntry } from '../../journal/file-entry.js';
import { findPoint, journalPath, listFolderAt, listPoints, pathVersions, type PointRecord } from '../../journal/recovery-points.js';
import type { ApiContext } from '../api-context.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { BandwidthBody } from '../schemas/import-schemas.js';
import { FolderListingSchema, FolderQuery, HistorySchema, PointListSchema, RestoreBody, RestoreReportQuery, RestoreReportSchema, RestoreStatusSchema } from '../schemas/restore-schemas.js';

export function pointJson(p: PointRecord): Record<string, unknown> {
  return { ...p, seq: p.seq.toString() };
}

export function entryJson(e: FileEntry): Record<string, unknown> {
  return {
    path: displayPath(e.path),
    pathHex: e.path.toString('hex'),
    type: e.type,
    mode: e.mode.toString(8).padStart(4, '0'),
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    mtime: e.mtimeNs.toString(),
    ...(e.type === 'file' ? { sha256: e.sha256.toString('hex') } : {}),
    ...(e.target === undefined ? {} : { target: displayPath(e.target) }),
  };
}

function queryPath(q: Static<typeof FolderQuery>): Buffer {
  if (q.path !== undefined && q.pathHex !== undefined) throw new FloeError('INVALID_ARGUMENT', 'give path or pathHex, not both');
  return journalPath(q.pathHex !== undefined ? Buffer.from(q.pathHex, 'hex') : (q.path ?? ''));
}

export function restoreRoutes(ctx: ApiContext): FastifyPluginAsync {
  const { device, restores } = ctx;
  return async (app) => {
    app.get('/v1/journal/points', { schema: { operationId: 'listRecoveryPoints', tags: ['restore'], summary: 'every recovery point: each ingest execution that ended, oldest first', response: { 200: PointListSchema, ...errorResponses([423]) } } }, async () => ({
      points: (await listPoints(device.journal())).map(pointJson),
    }));

    app.get<{ Params: { id: string }; Querystring: Static<typeof FolderQuery> }>(
      '/v1/journal/points/:id/files',
      {
        schema: {
          operationId: 'listFolderAtPoint',
          tags: ['restore'],
          summary: 'a folder as it was at a recovery point (id or latest); a file path gives that file',
          querystring: FolderQuery,
          response: { 200: FolderListingSchema, ...errorResponses([404, 423]) },
        },
      },
      async (request) => {
        const journal = device.journal();
        const point = await findPoint(journal, request.params.id);
        const path = queryPath(request.query);
        return { point: point.id, path: displayPath(path), entries: (await listFolderAt(journal, point, path)).map(entryJson) };
      },
    );

    app.get<{ Querystring: Static<typeof FolderQuery> }>(
      '/v1/journal/history',
      { schema: { operationId: 'getPathHistory', tags: ['restore'], summary: "a path's versions across recovery points, oldest first", querystring: FolderQuery, response: { 200: HistorySchema, ...errorResponses([404, 423]) } } },
      async (request) => {
        const path = queryPath(request.query);
        if (path.length === 0) throw new FloeError('INVALID_ARGUMENT', 'give the path of a file or folder: history?path=...');
        const versions = await pathVersions(device.journal(), path);
        if (versions.length === 0) throw new FloeError('FILE_NOT_IN_JOURNAL', `${displayPath(path)} was never in the journal`);
        return {
          path: displayPath(path),
          versions: versions.map((v) => ({ seq: v.seq.toString(), deleted: v.entry === null, ...(v.entry === null ? {} : { entry: entryJson(v.entry) }), points: v.points })),
        };
      },
    );

    app.post<{ Body: Static<typeof RestoreBody> }>(
      '/v1/restore',
      {
        schema: {
          operationId: 'startRestore',
          tags: ['restore'],
          summary: "write a recovery point's files into a folder; answers at once (run again to resume)",
          body: RestoreBody,
          response: { 200: RestoreStatusSchema, ...errorResponses([403, 404, 409, 423, 502, 507], { body: true }) },
        },
      },
      async (request) => {
        const b = request.body;
        return restores.start({
          target: b.target,
          ...(b.point === undefined ? {} : { point: b.point }),
          ...(b.includes === undefined ? {} : { includes: b.includes }),
          ...(b.excludes === undefined ? {} : { excludes: b.excludes }),
          ...(b.options === undefined ? {} : { options: b.options }),
        });
      },
    );

    app.get('/v1/restore', { schema: { operationId: 'describeRestore', tags: ['restore'], summary: 'the current or last restore since the daemon started', response: { 200: RestoreStatusSchema, ...errorResponses([404]) } } }, async () => {
      const status = restores.status();
      if (status === null) throw new FloeError('NOT_FOUND', 'no restore was started since the daemon started');
      return status;
    });

    app.post('/v1/restore/cancel', { schema: { operationId: 'cancelRestore', tags: ['restore'], summary: 'stop the running restore (what is written stays; start again resumes)', response: { 200: RestoreStatusSchema, ...errorResponses([404]) } } }, async () => {
      await restores.cancel();
      const status = restores.status();
      if (status === null) throw new FloeError('NOT_FOUND', 'no restore was started since the daemon started');
      return status;
    });

    app.patch<{ Body: Static<typeof BandwidthBody> }>(
      '/v1/restore',
      { schema: { operationId: 'updateRestore', tags: ['restore'], summary: 'change BytesPerSecond of the running restore (-1: no limit)', body: BandwidthBody, response: { 200: RestoreStatusSchema, ...errorResponses([404, 409], { body: true }) } } },
      async (request) => restores.setBytesPerSecond(request.body.BytesPerSecond),
    );

    app.get<{ Querystring: Static<typeof RestoreReportQuery> }>(
      '/v1/restore/report',
      { schema: { operationId: 'getRestoreReport', tags: ['restore'], summary: 'the report of a restore (the newest, or executionId): JSON summary, CSV logs, text', querystring: RestoreReportQuery, response: { 200: RestoreReportSchema, ...errorResponses([404, 423]) } } },
      async (request) => restores.report(request.query.executionId),
    );
  };
}

// Import at the facility, online sync on site, and the job completion report (appliance/transfer).
// The report is served from the journal and never written to the device's disk; it follows the
// job's direction: an IMPORT job's import, an EXPORT job's restore into the customer's share.
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FloeError } from '../../errors.js';
import type { DestinationSpec } from '../../transfer/destination-config.js';
import { exportJobReport } from '../../transfer/export-report.js';
import type { ApiContext } from '../api-context.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { BandwidthBody, ImportBody, ReportSchema, RunStatusSchema, SyncBody, SyncStatusSchema } from '../schemas/import-schemas.js';

type Destinations = Array<string | DestinationSpec> | undefined;

export function importRoutes(ctx: ApiContext): FastifyPluginAsync {
  const { imports, sync, device } = ctx;
  return async (app) => {
    app.post<{ Body: Static<typeof ImportBody> | undefined }>(
      '/v1/import',
      {
        schema: {
          operationId: 'startImport',
          tags: ['import'],
          summary: 'start the import into the job destinations (AT_FACILITY after the seal check, or to resume); answers at once',
          body: ImportBody,
          response: { 200: RunStatusSchema, ...errorResponses([409, 423, 502], { body: true }) },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        return imports.start({
          ...(body.destinations === undefined ? {} : { destinations: body.destinations as Destinations }),
          ...(body.options === undefined ? {} : { options: body.options }),
          ...(body.uploadReport === undefined ? {} : { uploadReport: body.uploadReport }),
        });
      },
    );

    app.get('/v1/import', { schema: { operationId: 'describeImport', tags: ['import'], summary: 'the current or last import since the daemon started', response: { 200: RunStatusSchema, ...errorResponses([404]) } } }, async () => {
      const status = imports.status();
      if (status === null) throw new FloeError('NOT_FOUND', 'no import was started since the daemon started');
      return status;
    });

    app.post('/v1/import/cancel', { schema: { operationId: 'cancelImport', tags: ['import'], summary: 'stop the running import (the device stays IMPORTING; start resumes)', response: { 200: RunStatusSchema, ...errorResponses([404]) } } }, async () => {
      await imports.cancel();
      const status = imports.status();
      if (status === null) throw new FloeError('NOT_FOUND', 'no import was started since the daemon started');
      return status;
    });

    app.patch<{ Body: Static<typeof BandwidthBody> }>(
      '/v1/import',
      { schema: { operationId: 'updateImport', tags: ['import'], summary: 'change BytesPerSecond of the running import (-1: no limit)', body: BandwidthBody, response: { 200: RunStatusSchema, ...errorResponses([404, 409], { body: true }) } } },
      async (request) => imports.setBytesPerSecond(request.body.BytesPerSecond),
    );

    app.patch<{ Body: Static<typeof BandwidthBody> }>(
      '/v1/sync',
      { schema: { operationId: 'updateSync', tags: ['import'], summary: 'change BytesPerSecond of the running sync (-1: no limit)', body: BandwidthBody, response: { 200: SyncStatusSchema, ...errorResponses([409], { body: true }) } } },
      async (request) => sync.setBytesPerSecond(request.body.BytesPerSecond),
    );

    app.post<{ Body: Static<typeof SyncBody> | undefined }>(
      '/v1/sync',
      {
        schema: {
          operationId: 'startSync',
          tags: ['import'],
          summary: 'online sync while ON_SITE: now, or on a UTC schedule',
          body: SyncBody,
          response: { 200: SyncStatusSchema, ...errorResponses([409, 423, 502], { body: true }) },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        return sync.start({
          ...(body.destinations === undefined ? {} : { destinations: body.destinations as Destinations }),
          ...(body.options === undefined ? {} : { options: body.options }),
          ...(body.schedule === undefined ? {} : { schedule: body.schedule }),
          ...(body.allowSubHourly === undefined ? {} : { allowSubHourly: body.allowSubHourly }),
        });
      },
    );

    app.post('/v1/sync/stop', { schema: { operationId: 'stopSync', tags: ['import'], summary: 'disarm the schedule and cancel a running sync', response: { 200: SyncStatusSchema, ...errorResponses([]) } } }, async () =>
      sync.stop(),
    );

    app.get('/v1/sync', { schema: { operationId: 'describeSync', tags: ['import'], summary: 'sync state, schedule, next run, current and last run', response: { 200: SyncStatusSchema, ...errorResponses([]) } } }, async () =>
      sync.status(),
    );

    app.get(
      '/v1/report',
      {
        schema: {
          operationId: 'getReport',
          tags: ['import'],
          summary: 'the job completion report: of the last import (IMPORT job), of the restore that delivered the job (EXPORT job); JSON summary, CSV logs, text',
          response: { 200: ReportSchema, ...errorResponses([404, 423]) },
        },
      },
      async () => (device.jobType === 'EXPORT' ? exportJobReport(device.journal(), device.identity) : imports.report()),
    );
  };
}

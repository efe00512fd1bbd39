// Journal routes: stats and a full verify (ARCHITECTURE.md, "Journal").
import type { FastifyPluginAsync } from 'fastify';
import { displayPath } from '../../journal/file-entry.js';
import type { VerifyReport } from '../../journal/verify.js';
import type { ApiContext } from '../api-context.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { JournalStatsSchema, VerifyReportSchema } from '../schemas/journal-schemas.js';

/** The verify report as JSON: problems without raw path bytes (affectedPaths has them for people). */
export function verifyReportJson(report: VerifyReport): Record<string, unknown> {
  return {
    ok: report.ok,
    records: report.records,
    files: report.files,
    problems: report.problems.map((p) => ({
      kind: p.kind,
      message: p.message,
      ...(p.segment === undefined ? {} : { segment: p.segment }),
      ...(p.offset === undefined ? {} : { offset: p.offset }),
      ...(p.paths === undefined ? {} : { paths: p.paths.map((b) => displayPath(b)) }),
    })),
    affectedPaths: report.affectedPaths,
    seals: report.seals,
    recordsAfterLastSeal: report.recordsAfterLastSeal,
  };
}

export function journalRoutes(ctx: ApiContext): FastifyPluginAsync {
  const { device, events } = ctx;
  return async (app) => {
    app.get(
      '/v1/journal/stats',
      { schema: { operationId: 'getJournalStats', tags: ['journal'], summary: 'files, bytes, stored bytes, chunks and dedup ratio', response: { 200: JournalStatsSchema, ...errorResponses([423]) } } },
      async () => device.journalStats(),
    );

    const verifySchema = { operationId: 'verifyJournal', tags: ['journal'], summary: 'read every record and chunk; every problem with the files it affects', response: { 200: VerifyReportSchema, ...errorResponses([423, 415, 413]) } };
    app.post('/v1/journal/verify', { schema: verifySchema }, async () => {
      let lastPublished = 0;
      const report = await device.verifyJournal((p) => {
        const now = Date.now();
        if (now - lastPublished < 1000) return;
        lastPublished = now;
        events.publish('journal.verify.progress', { ...p });
      });
      const json = verifyReportJson(report);
      events.publish('journal.verify.done', { ok: report.ok, problems: report.problems.length });
      return json;
    });
  };
}

// `GET /metrics`: Prometheus text format, token-protected like every non-public route (execution
// ids, file counts and destination names are the customer's business). A Prometheus scrape job
// sends the token with `authorization: { type: Bearer, credentials_file: <token file> }`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { collectMetrics, type MetricsSources } from '../metrics/metrics-collector.js';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus-text.js';
import { ThroughputSampler } from '../metrics/throughput-sampler.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { Type } from '@sinclair/typebox';

/** Where the metrics come from: each service the daemon runs, read at scrape time. */
export function metricsSources(ctx: ApiContext, throughput: ThroughputSampler, loopDelay?: MetricsSources['loopDelay']): MetricsSources {
  const transfers: MetricsSources['transfers'] = () => {
    const imported = ctx.imports.status();
    const synced = ctx.sync.status();
    const syncRun = synced.current ?? synced.last;
    return [...(imported ? [{ kind: 'import' as const, run: imported }] : []), ...(syncRun ? [{ kind: 'sync' as const, run: syncRun }] : [])];
  };
  return { device: ctx.device, hardware: ctx.hardware, events: ctx.events, throughput, executions: () => ctx.tasks.listExecutions(), transfers, ...(loopDelay ? { loopDelay } : {}) };
}

export function metricsRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const throughput = new ThroughputSampler(ctx.events);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    app.addHook('onClose', async () => {
      throughput.close();
      loopDelay.disable();
    });
    const sources = metricsSources(ctx, throughput, loopDelay);
    app.get(
      '/metrics',
      {
        schema: {
          operationId: 'getMetrics',
          tags: ['metrics'],
          summary: 'Prometheus text format (version 0.0.4): transfers, throughput, errors by code, journal, disks, temperatures',
          response: {
            200: { description: 'the Prometheus text exposition format, version 0.0.4', content: { 'text/plain; version=0.0.4': { schema: Type.String({ description: '`# HELP`, `# TYPE`, then one `name{label="value",...} value` line per sample (docs/api.md, "Metrics")' }) } } },
            ...errorResponses([]),
          },
        },
      },
      async (_request, reply) => {
        const text = formatPrometheus(await collectMetrics(sources));
        return reply.type(PROMETHEUS_CONTENT_TYPE).send(text);
      },
    );
  };
}

// One log line per request, by route pattern (`/v1/tasks/:id`, not the URL, which may name a
// task or carry a query): changes and failures at info, successful reads at debug (the UI polls
// status every second; that would drown the log).
import type { FastifyInstance } from 'fastify';

export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const line = { method: request.method, route: request.routeOptions.url ?? '(no route)', status, ms: Math.round(reply.elapsedTime * 10) / 10, client: request.ip };
    if (status >= 500) request.log.error(line, 'request failed');
    else if (status >= 400 || (request.method !== 'GET' && request.method !== 'HEAD')) request.log.info(line, 'request');
    else request.log.debug(line, 'request');
  });
}

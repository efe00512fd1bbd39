// Some 4xx answers can come from any route of a kind, before its handler runs: 400 for an
// unreadable URL, query or body; 413 and 415 for a body that is too large or not JSON on any
// route that takes a method with a body; 404 and 414 for a path parameter that names nothing or is
// too long. Every route's response schema lists them, so the OpenAPI document (and the fuzz test
// that reads it) tells the whole truth without each route repeating them.
import type { FastifyInstance } from 'fastify';
import { errorResponses } from './schemas/common-schemas.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function installDocumentedErrors(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (response === undefined) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const extra = [400];
    if (methods.some((m) => WITH_BODY.has(m))) extra.push(413, 415);
    if (route.url.includes(':')) extra.push(404, 414);
    const added = errorResponses(extra, { public: true });
    for (const [status, schema] of Object.entries(added)) if (!(status in response)) response[status] = schema;
  });
}

// What every fuzz answer must be: no 5xx; a status the route documents (or, for a request no route
// takes, one of the statuses given before routing); 401 on a non-public route without this
// device's token; the one error body for every 4xx.
import { ERROR_TABLE } from '../../appliance/errors.js';
import type { FuzzRequest, RouteInfo } from './fuzz-requests.js';

/** The statuses any request may get before a route is found: the path or body cannot be read. */
const UNROUTED = new Set([400, 401, 404, 408, 413, 414, 415, 431]);

export function checkAnswer(routes: readonly RouteInfo[], req: FuzzRequest, status: number, body: string, contentType: string | undefined): string | undefined {
  const what = `${req.method} ${req.url} (${req.authorized ? 'token' : 'no token'})`;
  if (status >= 500) return `${what}: ${status} ${body.slice(0, 300)}`;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const route = req.route && routes.find((r) => r.path === req.route!.path && r.method === method);
  if (route === undefined) {
    if (!UNROUTED.has(status)) return `${what}: unknown route answered ${status}`;
  } else if (status === 414) {
    // A path parameter over 1024 characters: refused by the router, before any route or token check.
  } else {
    if (!route.public && !req.authorized && status !== 401) return `${what}: answered ${status} without a valid token`;
    if (status !== 200 && !route.statuses.has(status)) return `${what}: ${status} is not documented for ${route.method} ${route.path} (${[...route.statuses].join(', ')}): ${body.slice(0, 200)}`;
  }
  if (status >= 400 && req.method !== 'HEAD') {
    if (!contentType?.startsWith('application/json')) return `${what}: ${status} with content-type ${contentType}`;
    let parsed: { code?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return `${what}: ${status} with a body that is not JSON: ${body.slice(0, 200)}`;
    }
    if (typeof parsed.code !== 'string' || !(parsed.code in ERROR_TABLE) || typeof parsed.message !== 'string') return `${what}: ${status} body is not the error body: ${body.slice(0, 200)}`;
  }
  return undefined;
}


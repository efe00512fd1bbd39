// Fuzz: 10,000+ malformed or random requests across every route the OpenAPI document lists (and
// some it does not), in process with app.inject, on a device without keys and on an unlocked one
// with a task and a finished execution. Every answer: no 5xx, a status the route documents (or
// 401/404 for unknown routes), the one error body for every 4xx, 401 whenever the token is
// missing or wrong on a non-public route; the daemon's state the same afterwards.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../appliance/errors.js';
import { inProcessApi, type InProcessApi } from './api-fixture.js';
import { observableState } from './api-state.js';
import { RequestFuzzer, routesOf, type FuzzRequest, type RouteInfo } from './fuzz-requests.js';

const SEED = Number(process.env.FLOE_FUZZ_SEED ?? 20261130);
const OTHER_TOKEN = 'c0ffee'.repeat(10) + 'beef';

let api: InProcessApi;
let routes: RouteInfo[];
beforeAll(async () => {
  api = await inProcessApi();
  routes = routesOf((await api.app.inject({ method: 'GET', url: '/openapi.json' })).json());
});
afterAll(async () => api.close());

/** The statuses any request may get before a route is found: the path or body cannot be read. */
const UNROUTED = new Set([400, 401, 404, 413, 414, 415]);

export function check(routes: readonly RouteInfo[], req: FuzzRequest, status: number, body: string, contentType: string | undefined): string | undefined {
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

async function fuzz(seed: number, count: number): Promise<{ statuses: Map<number, number>; failures: string[] }> {
  const token = api.auth.authorization.slice('Bearer '.length);
  const fuzzer = new RequestFuzzer(seed, routes, token, OTHER_TOKEN);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    let req = fuzzer.next();
    // An authorized event stream never ends: app.inject would wait for it (the process fuzz covers it).
    if (req.authorized && req.url.startsWith('/v1/events') && (req.method === 'GET' || req.method === 'HEAD')) {
      const { authorization: _drop, ...headers } = req.headers;
      req = { ...req, headers, authorized: false };
    }
    const res = await api.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const failure = check(routes, req, res.statusCode, res.body, res.headers['content-type'] as string | undefined);
    if (failure) failures.push(`#${i} seed ${seed}: ${failure}`);
  }
  return { statuses, failures };
}

describe('fuzz, in process', () => {
  it('the OpenAPI document lists every route family', () => {
    const paths = new Set(routes.map((r) => r.path));
    for (const p of ['/v1/health', '/v1/status', '/v1/unlock', '/v1/lock', '/v1/erase', '/v1/label', '/v1/journal/stats', '/v1/journal/verify', '/v1/events', '/v1/device', '/metrics', '/v1/tasks', '/v1/executions/{id}']) {
      expect(paths, p).toContain(p);
    }
  });

  it('5,000 requests to a device holding no key: no 5xx, only documented codes, state unchanged', async () => {
    const before = await observableState(api);
    const { statuses, failures } = await fuzz(SEED, 5000);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(await observableState(api)).toEqual(before);
    expect(statuses.get(401)).toBeGreaterThan(500);
    expect(statuses.get(400)).toBeGreaterThan(100);
  });

  it('5,000 requests to an unlocked device with a task and a finished execution: the same', async () => {
    // Straight to the device: the fuzz above has used up this client's unlock rate limit.
    await api.context.device.unlock(api.device.manifest, api.device.code);
    const client = api.client();
    const source = join(api.device.root, 'share');
    await mkdir(source, { recursive: true });
    for (let i = 0; i < 3; i++) await writeFile(join(source, `f${i}.txt`), `file ${i}\n`);
    const task = await client.post<{ TaskId: string }>('/v1/tasks', { Name: 'fuzz-share', SourceLocationUri: `file://${source}` });
    const started = await client.post<{ TaskExecutionId: string }>(`/v1/tasks/${task.TaskId}/executions`, {});
    await api.context.tasks.waitExecution(started.TaskExecutionId);

    const before = await observableState(api);
    expect(before.lifecycle).toMatchObject({ state: 'ON_SITE', unlocked: true });
    const { statuses, failures } = await fuzz(SEED + 1, 5000);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(await observableState(api)).toEqual(before);
    expect(statuses.get(200)).toBeGreaterThan(100);
  });
});

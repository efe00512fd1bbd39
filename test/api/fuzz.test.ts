// Fuzz: 10,000+ malformed or random requests across every route the OpenAPI document lists (and
// some it does not), in process with app.inject, on a device without keys and on an unlocked one
// with a task and a finished execution. Every answer: no 5xx, a status the route documents (or
// 401/404 for unknown routes), the one error body for every 4xx, 401 whenever the token is
// missing or wrong on a non-public route; the daemon's state the same afterwards.
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessApi, type InProcessApi } from './api-fixture.js';
import { observableState } from './api-state.js';
import { checkAnswer } from './fuzz-check.js';
import { RequestFuzzer, routesOf, type RouteInfo } from './fuzz-requests.js';

const SEED = Number(process.env.FLOE_FUZZ_SEED ?? 20261130);
const OTHER_TOKEN = 'c0ffee'.repeat(10) + 'beef';

let api: InProcessApi;
let routes: RouteInfo[];
beforeAll(async () => {
  api = await inProcessApi();
  routes = routesOf((await api.app.inject({ method: 'GET', url: '/openapi.json' })).json());
});
afterAll(async () => api.close());

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
    const failure = checkAnswer(routes, req, res.statusCode, res.body, res.headers['content-type'] as string | undefined);
    if (failure) failures.push(`#${i} seed ${seed}: ${failure}`);
  }
  return { statuses, failures };
}

function rawSocket(url: string, bytes: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('utf8')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('fuzz, in process', () => {
  it('bytes that are not HTTP get 400 with the error body, and the daemon goes on', async () => {
    for (const garbage of ['\x16\x03\x01\x00\x00garbage\r\n\r\n', 'GET /v1/status HTTP/9.9\r\n\r\n', `GET /v1/status HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`, 'POST /v1/unlock HTTP/1.1\r\nContent-Length: -5\r\n\r\n']) {
      const answer = await rawSocket(api.url, garbage);
      expect(answer).toMatch(/^HTTP\/1\.1 4(00|31) /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect((await api.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
  });

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

// /openapi.json and /docs: public, complete (every route has response schemas and an
// operationId), valid OpenAPI 3.0, offline.
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessApi, type InProcessApi } from './api-fixture.js';

let api: InProcessApi;
beforeAll(async () => {
  api = await inProcessApi();
});
afterAll(async () => api.close());

interface Operation {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { schema?: { type?: string } }> }>;
  security?: unknown[];
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

async function fetchDocument(): Promise<Document> {
  const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json() as Document;
}

function operations(doc: Document): Array<{ path: string; method: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
}

describe('OpenAPI', () => {
  it('is served without a token and documents every /v1 route with a 200 schema and, unless public, 401', async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.0.3');
    const routes = operations(doc);
    expect(routes.map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual(expect.arrayContaining(['GET /v1/health', 'GET /v1/status', 'POST /v1/unlock', 'POST /v1/lock', 'GET /v1/label', 'POST /v1/erase', 'GET /v1/journal/stats', 'POST /v1/journal/verify']));
    for (const { path, method, op } of routes) {
      if (path === '/metrics' || path === '/v1/events') continue;
      expect(Object.keys(op.responses ?? {}), `${method} ${path}`).toContain('200');
      if (op.security === undefined) expect(Object.keys(op.responses ?? {}), `${method} ${path}`).toContain('401');
    }
    expect(doc.paths['/v1/health']?.get?.security).toEqual([]);
    expect(doc.paths['/v1/lock']?.post?.security).toBeUndefined();
    expect(Object.keys(doc.paths['/v1/lock']?.post?.responses ?? {})).toContain('401');
  });

  it('names every operation with a unique camelCase operationId', async () => {
    const routes = operations(await fetchDocument());
    expect(routes.length).toBeGreaterThan(20);
    for (const { path, method, op } of routes) expect(op.operationId, `${method.toUpperCase()} ${path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
    const ids = routes.map((r) => r.op.operationId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'duplicated operationIds').toEqual([]);
    const byRoute = Object.fromEntries(routes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r.op.operationId]));
    expect(byRoute).toMatchObject({
      'POST /v1/tasks': 'createTask',
      'GET /v1/tasks': 'listTasks',
      'GET /v1/tasks/{id}': 'describeTask',
      'PATCH /v1/tasks/{id}': 'updateTask',
      'DELETE /v1/tasks/{id}': 'deleteTask',
      'POST /v1/tasks/{id}/executions': 'startTaskExecution',
      'GET /v1/executions/{id}': 'describeTaskExecution',
      'GET /v1/status': 'getStatus',
      'POST /v1/unlock': 'unlockDevice',
      'GET /v1/events': 'streamEvents',
      'GET /metrics': 'getMetrics',
    });
  });

  it('documents the event stream as text/event-stream and the metrics as Prometheus text, errors as JSON', async () => {
    const doc = await fetchDocument();
    const events = doc.paths['/v1/events']?.get?.responses ?? {};
    expect(Object.keys(events['200']?.content ?? {})).toEqual(['text/event-stream']);
    expect(events['200']?.content?.['text/event-stream']?.schema?.type).toBe('string');
    expect(Object.keys(events['401']?.content ?? {})).toEqual(['application/json']);
    const metrics = doc.paths['/metrics']?.get?.responses ?? {};
    expect(Object.keys(metrics['200']?.content ?? {})).toEqual(['text/plain; version=0.0.4']);
    expect(Object.keys(metrics['401']?.content ?? {})).toEqual(['application/json']);
  });

  it('validates against the OpenAPI 3.0 schema and specification', async () => {
    const doc = await fetchDocument();
    // validate() dereferences in place: give it its own copy of the served document.
    await expect(SwaggerParser.validate(structuredClone(doc) as never, { resolve: { external: false } })).resolves.toMatchObject({ openapi: '3.0.3' });
  });

  it('serves browsable docs at /docs without a token, with every asset local and no online validator', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'no asset from the internet').not.toMatch(/^https?:/);
      const url = new URL(asset, 'http://device/docs/').pathname;
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
    const init = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    expect(init.body).toContain('validatorUrl: null');
    const json = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
  });
});

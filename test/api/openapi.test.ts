// /openapi.json and /docs: public, complete (every route has response schemas), offline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessApi, type InProcessApi } from './api-fixture.js';

let api: InProcessApi;
beforeAll(async () => {
  api = await inProcessApi();
});
afterAll(async () => api.close());

interface Operation {
  responses?: Record<string, unknown>;
  security?: unknown[];
}

describe('OpenAPI', () => {
  it('is served without a token and documents every /v1 route with a 200 schema and, unless public, 401', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>> };
    expect(doc.openapi).toBe('3.0.3');
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
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

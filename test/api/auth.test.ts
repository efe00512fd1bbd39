// Auth: every route but the public ones needs this device's token (none, a wrong one and another
// device's are refused with 401 and the error body); unlock is rate-limited per client (429,
// RATE_LIMITED, Retry-After); beyond loopback the API is TLS only and the CLI's client refuses a
// certificate other than the one pinned.
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_DIR, TLS_CERT_FILE, TLS_KEY_FILE } from '../../provisioning/device-files.js';
import { ApiClient } from '../../appliance/cli/api-client.js';
import { startDaemon, type RunningDaemon } from '../../appliance/daemon/daemon.js';
import { readToken } from '../../appliance/daemon/daemon-info.js';
import { rejectionOf } from '../support/error-of.js';
import { inProcessApi, provisionedDevice, type InProcessApi, type ProvisionedDevice } from './api-fixture.js';
import { routesOf, type RouteInfo } from './fuzz-requests.js';

let api: InProcessApi;
let other: ProvisionedDevice;
let otherToken: string;
let routes: RouteInfo[];
beforeAll(async () => {
  api = await inProcessApi();
  other = await provisionedDevice('floe-api-other-');
  otherToken = await readToken(other.dataDir);
  routes = routesOf((await api.app.inject({ method: 'GET', url: '/openapi.json' })).json());
});
afterAll(async () => {
  await api.close();
  await other.cleanup();
});

const PUBLIC = ['GET /v1/health', 'GET /v1/status'];

describe('bearer token', () => {
  it('only health and status are public in the OpenAPI document', () => {
    expect(routes.filter((r) => r.public).map((r) => `${r.method} ${r.path}`).sort()).toEqual(PUBLIC);
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'Bearer 0123456789abcdef'],
    ["another device's token", 'other'],
    ['a malformed header', 'Token abc'],
  ])('refuses %s on every non-public route with 401 and the error body', async (_what, header) => {
    const authorization = header === 'other' ? `Bearer ${otherToken}` : header;
    expect(otherToken).not.toBe(api.auth.authorization.slice(7));
    for (const r of routes.filter((x) => !x.public)) {
      const url = r.path.replace(/\{[^}]+\}/g, 'x');
      const res = await api.app.inject({ method: r.method as 'GET', url, ...(authorization ? { headers: { authorization } } : {}), ...(r.hasBody ? { payload: {} } : {}) });
      expect(res.statusCode, `${r.method} ${url}`).toBe(401);
      expect(res.json(), `${r.method} ${url}`).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
    }
    expect((await api.app.inject({ method: 'GET', url: '/metrics', ...(authorization ? { headers: { authorization } } : {}) })).statusCode).toBe(401);
  });

  it('serves health, the public part of status, /openapi.json and /docs without a token', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/v1/health' })).json()).toEqual({ ok: true });
    const status = (await api.app.inject({ method: 'GET', url: '/v1/status' })).json();
    expect(Object.keys(status).sort()).toEqual(['since', 'snowballJobState', 'state']);
    const full = (await api.app.inject({ method: 'GET', url: '/v1/status', headers: api.auth })).json();
    expect(full).toMatchObject({ jobId: api.device.jobId, unlocked: false });
    expect((await api.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });
});

describe('unlock rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After after a burst from one client, never a 5xx; other clients and routes go on', async () => {
    const statuses: number[] = [];
    let limited: { headers: Record<string, unknown>; body: unknown } | undefined;
    for (let i = 0; i < 14; i++) {
      const res = await api.app.inject({ method: 'POST', url: '/v1/unlock', headers: api.auth, remoteAddress: '10.9.9.9', payload: { manifest: 'AAAA', code: 'X' } });
      statuses.push(res.statusCode);
      if (res.statusCode === 429 && limited === undefined) limited = { headers: res.headers, body: res.json() };
    }
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true); // MANIFEST_INVALID: checked, not limited
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
    expect(limited?.body).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } });
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const elsewhere = await api.app.inject({ method: 'POST', url: '/v1/unlock', headers: api.auth, remoteAddress: '10.9.9.10', payload: { manifest: 'AAAA', code: 'X' } });
    expect(elsewhere.statusCode).toBe(400);
    const status = await api.app.inject({ method: 'GET', url: '/v1/status', headers: api.auth, remoteAddress: '10.9.9.9' });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ failedUnlockAttempts: 0, state: 'PROVISIONED' });
  });
});

describe('TLS beyond loopback', () => {
  let daemon: RunningDaemon;
  let device: ProvisionedDevice;
  beforeAll(async () => {
    device = await provisionedDevice('floe-api-tls-');
    daemon = await startDaemon({ dataDir: device.dataDir, listen: '0.0.0.0:0' });
  });
  afterAll(async () => {
    await daemon.close();
    await device.cleanup();
  });

  it('serves HTTPS only, with the certificate whose fingerprint provisioning put in the identity', async () => {
    expect(daemon.info.url).toMatch(/^https:\/\//);
    expect(daemon.info.tlsCertificateFingerprint).toBe(daemon.context.device.identity.tlsCertificateFingerprint);
    const client = await ApiClient.forDataDir(device.dataDir);
    expect(await client.get('/v1/status')).toMatchObject({ state: 'PROVISIONED', jobId: device.jobId });
    const plain = new ApiClient({ url: daemon.info.url.replace('https:', 'http:'), token: await readToken(device.dataDir) });
    const err = await rejectionOf(plain.get('/v1/status'));
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('the CLI client refuses a daemon whose certificate is not the pinned one, before sending the token', async () => {
    const token = await readToken(device.dataDir);
    const otherFingerprint = (await startDaemonFingerprint(other.dataDir)) ?? '';
    expect(otherFingerprint).not.toBe(daemon.info.tlsCertificateFingerprint);
    const wrongPin = new ApiClient({ url: daemon.info.url, token, pinnedFingerprint: otherFingerprint });
    const err = await rejectionOf(wrongPin.get('/v1/status'));
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/refusing to talk to it/) });
    const noPin = new ApiClient({ url: daemon.info.url, token });
    expect(await rejectionOf(noPin.get('/v1/status'))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('an impostor with another certificate at the daemon address never receives a request or the token', async () => {
    const dir = join(other.dataDir, DEVICE_DIR);
    const received: string[] = [];
    const impostor = createHttpsServer({ key: await readFile(join(dir, TLS_KEY_FILE)), cert: await readFile(join(dir, TLS_CERT_FILE)) }, (req, res) => {
      received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.end('{}');
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const port = (impostor.address() as { port: number }).port;
      const token = await readToken(device.dataDir);
      const client = new ApiClient({ url: `https://127.0.0.1:${port}`, token, pinnedFingerprint: daemon.info.tlsCertificateFingerprint! });
      expect(await rejectionOf(client.get('/v1/status'))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await rejectionOf(client.post('/v1/unlock', { manifest: 'x', code: 'y' }))).toMatchObject({ code: 'FORBIDDEN' });
      expect(received).toEqual([]);
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
  });
});

/** The TLS fingerprint another provisioned device would present. */
async function startDaemonFingerprint(dataDir: string): Promise<string | undefined> {
  const d = await startDaemon({ dataDir, listen: '0.0.0.0:0' });
  try {
    return d.info.tlsCertificateFingerprint;
  } finally {
    await d.close();
  }
}

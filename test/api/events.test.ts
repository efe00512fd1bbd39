// GET /v1/events: Server-Sent Events from the daemon's EventLog, over a real loopback socket.
// Lifecycle and journal-verify events arrive live; a client that reconnects with Last-Event-ID
// gets exactly what it missed, in order; gaps and daemon restarts are announced; the subscription
// ends with the connection; heartbeats are comment lines.
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { eventRoutes } from '../../appliance/api/routes/event-routes.js';
import { ApiClient } from '../../appliance/cli/api-client.js';
import { EventLog } from '../../appliance/daemon/event-log.js';
import { inProcessApi, type InProcessApi } from './api-fixture.js';
import { SseStream } from './sse-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(): Promise<{ api: InProcessApi; client: ApiClient }> {
  const a = await inProcessApi();
  cleanups.push(() => a.close());
  return { api: a, client: a.client() };
}

async function open(client: ApiClient, lastEventId?: number | string): Promise<SseStream> {
  const s = await SseStream.open(client, lastEventId);
  cleanups.push(() => s.close());
  return s;
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GET /v1/events', () => {
  it('needs the token and answers the error body without it', async () => {
    const { api: a } = await api();
    const res = await a.app.inject({ method: 'GET', url: '/v1/events' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('streams lifecycle events of an unlock live, with ids, as text/event-stream', async () => {
    const { api: a, client } = await api();
    const stream = await open(client);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    await client.post('/v1/unlock', { manifest: a.device.manifest.toString('base64'), code: a.device.code });
    await stream.until((m) => m.some((e) => e.event === 'lifecycle'));
    const lifecycle = stream.messages.find((e) => e.event === 'lifecycle');
    expect(lifecycle?.data).toMatchObject({ type: 'lifecycle', data: { from: 'PROVISIONED', to: 'ON_SITE' } });
    expect(lifecycle?.id).toBe(lifecycle?.data.id);
    const ids = stream.ids;
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resumes after a reconnect with Last-Event-ID without losing or repeating events', async () => {
    const { api: a, client } = await api();
    await client.post('/v1/unlock', { manifest: a.device.manifest.toString('base64'), code: a.device.code });
    const baseline = a.context.events.subscribers; // the daemon's own listeners (log, metrics)
    const first = await open(client);
    a.context.events.publish('warning', { message: 'before the disconnect' });
    await first.until((m) => m.some((e) => e.event === 'warning'));
    const lastSeen = first.ids.at(-1)!;
    first.close();
    await eventually(() => a.context.events.subscribers === baseline);

    // While nobody listens: a journal verify and a lock (lifecycle), plus a burst of events.
    await client.post('/v1/journal/verify');
    for (let i = 0; i < 50; i++) a.context.events.publish('execution.progress', { n: i });
    await client.post('/v1/lock', {});
    const missed = a.context.events.since(lastSeen).map((e) => e.id);
    expect(missed.length).toBeGreaterThan(50);

    const second = await open(client, lastSeen);
    await second.until((m) => m.filter((e) => e.id !== undefined).length >= missed.length);
    expect(second.ids).toEqual(missed);
    const types = second.messages.map((e) => e.event);
    expect(types).toContain('journal.verify.done');
    expect(types).toContain('lifecycle');
    expect(second.messages.find((e) => e.event === 'lifecycle')?.data.data).toMatchObject({ from: 'ON_SITE', to: 'LOCKED' });

    // ...and then live ones, once each.
    a.context.events.publish('warning', { message: 'after the reconnect' });
    await second.until((m) => m.some((e) => e.data.data.message === 'after the reconnect'));
    expect(second.ids).toEqual(a.context.events.since(lastSeen).map((e) => e.id));
  });

  it('takes ?lastEventId= for clients that cannot set headers, and refuses a malformed one', async () => {
    const { api: a, client } = await api();
    for (let i = 0; i < 5; i++) a.context.events.publish('warning', { i });
    const res = await client.stream('/v1/events?lastEventId=3');
    const s = new (SseStream as unknown as { new (r: typeof res): SseStream })(res);
    cleanups.push(() => s.close());
    await s.until((m) => m.length >= 3);
    expect(s.ids).toEqual([4, 5, 6]);
    const bad = await a.app.inject({ method: 'GET', url: '/v1/events?lastEventId=abc', headers: a.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('announces a gap when the log no longer holds what the client missed', async () => {
    const { api: a, client } = await api();
    const { events } = a.context;
    for (let i = 0; i < 10_005; i++) events.publish('warning', { i });
    const s = await open(client, 2);
    await s.until((m) => m.filter((e) => e.id !== undefined).length >= 10_000);
    expect(s.messages[0]).toMatchObject({ event: 'gap', data: { type: 'gap', data: { from: 3, to: events.firstId - 1 } } });
    expect(s.messages[0]?.id).toBeUndefined();
    expect(s.ids).toEqual(events.since(0).map((e) => e.id));
    expect(s.ids.at(-1)).toBe(events.lastId);
  });

  it('announces a reset when the id comes from an earlier daemon run, then replays the new log', async () => {
    const { api: a, client } = await api();
    a.context.events.publish('warning', {});
    const s = await open(client, 5000);
    await s.until((m) => m.filter((e) => e.id !== undefined).length >= 2);
    expect(s.messages[0]).toMatchObject({ event: 'reset', data: { data: { lastEventId: 5000, lastId: 2 } } });
    expect(s.ids).toEqual([1, 2]);
    expect(s.messages[1]?.event).toBe('daemon.started');
  });

  it('unsubscribes when the client goes away, and closing the server ends open streams', async () => {
    const { api: a, client } = await api();
    const baseline = a.context.events.subscribers; // the daemon's own listeners (log, metrics)
    const streams = await Promise.all([open(client), open(client), open(client)]);
    await eventually(() => a.context.events.subscribers === baseline + 3);
    streams[0]!.close();
    await eventually(() => a.context.events.subscribers === baseline + 2);
    const started = Date.now();
    await a.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await eventually(() => streams[1]!.ended && streams[2]!.ended);
    expect(a.context.events.subscribers).toBeLessThanOrEqual(baseline);
  });

  it('sends heartbeat comments while idle', async () => {
    const events = new EventLog();
    const app = Fastify();
    await app.register(eventRoutes({ events } as never, { heartbeatMs: 50 }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const s = await open(new ApiClient({ url }));
    await eventually(() => s.comments.filter((c) => c.startsWith('heartbeat')).length >= 3, 3000);
    expect(s.messages).toEqual([]);
  });
});

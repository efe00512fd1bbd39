// `GET /v1/events`: the daemon's EventLog as Server-Sent Events (HTML Living Standard, "9.2
// Server-sent events"). Each event is sent with `id:` (its EventLog id), `event:` (its type) and
// `data:` (the whole event as JSON: {id, type, at, data}). A client that reconnects sends the last
// id it saw as `Last-Event-ID` (or `?lastEventId=`) and gets every event after it that the log
// still holds, then the live ones, with nothing lost in between: the backlog is read and the
// subscription made in the same tick. When events were dropped from the log (it holds the last
// 10,000) the stream says so first with a `gap` event; when the id is from another daemon run
// (the daemon restarted), with a `reset` event, and then replays the whole new log.
// A comment line every `heartbeatMs` keeps proxies and idle timeouts from closing the stream.
import type { FastifyPluginAsync } from 'fastify';
import type { FloeEvent } from '../../daemon/event-log.js';
import type { ApiContext } from '../api-context.js';
import { EventStreamResponse, EventsQuery } from '../schemas/event-schemas.js';
import { errorResponses } from '../schemas/common-schemas.js';

export interface EventRouteOptions {
  readonly heartbeatMs?: number;
  /** A client that lets this much output pile up unread is dropped; it resumes with Last-Event-ID. */
  readonly maxBufferedBytes?: number;
}

export function formatEvent(event: FloeEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function parseLastId(header: string | string[] | undefined, query: string | undefined): number | undefined {
  const raw = (Array.isArray(header) ? header[0] : header) ?? query;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function eventRoutes(ctx: ApiContext, options: EventRouteOptions = {}): FastifyPluginAsync {
  const { events } = ctx;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  return async (app) => {
    const open = new Set<() => void>();
    // Open streams never end by themselves: end them so that closing the server does not wait.
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });

    app.get<{ Querystring: { lastEventId?: string } }>(
      '/v1/events',
      {
        schema: {
          operationId: 'streamEvents',
          tags: ['events'],
          summary: 'Server-Sent Events: lifecycle, execution progress (about once a second), warnings, errors; resumable with Last-Event-ID',
          querystring: EventsQuery,
          response: { 200: EventStreamResponse, ...errorResponses([]) },
        },
      },
      async (request, reply) => {
        const lastId = parseLastId(request.headers['last-event-id'], request.query.lastEventId);
        const raw = reply.raw;
        reply.hijack();
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        // HEAD (fastify answers it for every GET): the headers of a stream, and no stream.
        if (request.method === 'HEAD') {
          raw.end();
          return;
        }
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          unsubscribe();
          clearInterval(heartbeat);
          open.delete(end);
          raw.end();
        };
        const write = (text: string): void => {
          if (ended) return;
          raw.write(text);
          if (raw.writableLength > maxBuffered) end();
        };

        // Same tick: what the log holds after lastId, then everything published from now on.
        let backlog: FloeEvent[];
        let preface = `retry: 2000\n\n`;
        if (lastId === undefined) backlog = [];
        else if (lastId > events.lastId) {
          preface += formatControl('reset', { reason: 'the daemon restarted: event ids start again', lastEventId: lastId, lastId: events.lastId });
          backlog = events.since(0);
        } else {
          if (lastId + 1 < events.firstId) preface += formatControl('gap', { reason: 'events were dropped from the log', from: lastId + 1, to: events.firstId - 1 });
          backlog = events.since(lastId);
        }
        const unsubscribe = events.subscribe((e) => write(formatEvent(e)));
        const heartbeat = setInterval(() => write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs);
        heartbeat.unref();
        open.add(end);
        raw.on('close', end);
        raw.on('error', end);
        write(preface + backlog.map(formatEvent).join(''));
      },
    );
  };
}

/** A stream control message: an `event:` without an `id:`, so it does not move Last-Event-ID. */
function formatControl(type: 'gap' | 'reset', data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, data })}\n\n`;
}

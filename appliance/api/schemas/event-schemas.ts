// `GET /v1/events` input, the stream it answers, and the shape of each event's `data:` line
// (documented, not serialized by fastify: the stream is written directly).
import { Type } from '@sinclair/typebox';
import { Out } from './common-schemas.js';

export const EventsQuery = Type.Object(
  { lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{0,15}$', description: 'for clients that cannot set the Last-Event-ID header' })) },
  { additionalProperties: false },
);

export const EventSchema = Out(
  {
    id: Type.Integer({ minimum: 1, description: 'strictly increasing within one daemon run; the `id:` line' }),
    type: Type.String({ description: 'lifecycle, unlock.progress, daemon.started, task.created, execution.status, execution.progress, execution.updated, journal.verify.progress, journal.verify.done, warning, error, ...' }),
    at: Type.String({ format: 'date-time' }),
    data: Type.Object({}, { additionalProperties: true }),
  },
  { title: 'Event' },
);

/** The 200 of `GET /v1/events`: a `text/event-stream` body, documented for OpenAPI only. */
export const EventStreamResponse = {
  description: 'Server-Sent Events, resumable with Last-Event-ID',
  content: {
    'text/event-stream': {
      schema: Type.String({
        description:
          'HTML Living Standard "9.2 Server-sent events". First `retry: 2000`; then per event an `id:` line (its id), an `event:` line (its type) and a `data:` line with the whole event as JSON ({id, type, at, data}), then a blank line. `event: gap` ({from, to} of the dropped ids) and `event: reset` (the daemon restarted) carry no `id:` line. A `: heartbeat` comment line every 15 s.',
      }),
    },
  },
};

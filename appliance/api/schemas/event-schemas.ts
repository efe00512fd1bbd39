// `GET /v1/events` input, and the shape of each event's `data:` line (documented, not serialized
// by fastify: the stream is written directly).
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

// Schemas every route shares: the one error body and the error responses a route documents.
// Response objects are open (additionalProperties: true): fastify serializes responses from
// their schema, and an open object keeps a field a service adds before its schema does, so the
// CLI never loses one (test/api/serialization.test.ts compares responses with the services).
import { Type, type ObjectOptions, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { ERROR_TABLE } from '../../errors.js';

export const ErrorBody = Type.Object(
  {
    code: Type.Union(
      Object.keys(ERROR_TABLE).map((c) => Type.Literal(c)),
      { description: 'from the error table (appliance/errors.ts); the CLI exits with the code it maps to' },
    ),
    message: Type.String({ description: 'for people' }),
    details: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'machine-readable specifics, e.g. retryAfterSeconds, field' })),
  },
  { title: 'ErrorBody', additionalProperties: false },
);

/** A response object that keeps fields its schema does not list yet. */
export function Out<T extends TProperties>(properties: T, options: ObjectOptions = {}): TObject<T> {
  return Type.Object(properties, { additionalProperties: true, ...options });
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'INVALID_ARGUMENT (or a more precise 400 code): the request does not match the schema',
  401: 'UNAUTHENTICATED: no token, or not this device\'s token',
  403: 'FORBIDDEN or a more precise 403 code',
  404: 'NOT_FOUND or a more precise 404 code',
  409: 'CONFLICT, INVALID_STATE or a more precise 409 code',
  413: 'the body is over 1 MiB',
  415: 'the body is not application/json',
  423: 'DEVICE_LOCKED: the device holds no key; unlock it first',
  429: 'RATE_LIMITED (too many calls) or UNLOCK_DELAYED (wrong codes)',
  503: 'UNAVAILABLE: the service is not ready',
  507: 'JOURNAL_FULL, or DESTINATION_FULL when a restore target has no space left',
};

export interface ErrorResponseOptions {
  /** Public routes do not answer 401. */
  readonly public?: boolean;
  /** Routes with a JSON body also answer 413 and 415. */
  readonly body?: boolean;
}

/** The error responses of a route: 400 and 401 always (401 unless public), plus `statuses`. */
export function errorResponses(statuses: readonly number[], options: ErrorResponseOptions = {}): Record<number, TSchema> {
  const all = new Set<number>([400, ...(options.public ? [] : [401]), ...(options.body ? [413, 415] : []), ...statuses]);
  const out: Record<number, TSchema> = {};
  for (const status of [...all].sort((a, b) => a - b)) out[status] = { ...ErrorBody, description: DESCRIPTIONS[status] ?? 'see the error body' };
  return out;
}

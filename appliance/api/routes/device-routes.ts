// Lifecycle routes: health, status, unlock, lock, label, erase (ARCHITECTURE.md, "Lifecycle").
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FloeError } from '../../errors.js';
import type { ApiContext } from '../api-context.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { EraseBody, EraseRecordSchema, Health, LockBody, ShippingLabelSchema, StatusResponse, UnlockBody } from '../schemas/lifecycle-schemas.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Unlock runs scrypt behind the device's lock: 10 at once, then 20 a minute per client. */
/** Unlock calls per client: a burst of 10, then 20 a minute (FLOE_UNLOCK_RATE_PER_MINUTE overrides the rate, for tests). */
export const UNLOCK_RATE_LIMIT = { burst: 10, perMinute: Number(process.env.FLOE_UNLOCK_RATE_PER_MINUTE ?? 20) } as const;

export function deviceRoutes(ctx: ApiContext): FastifyPluginAsync {
  const { device } = ctx;
  return async (app) => {
    app.get(
      '/v1/health',
      { config: { public: true }, schema: { operationId: 'getHealth', tags: ['lifecycle'], summary: 'the daemon answers (no token needed)', response: { 200: Health } } },
      async () => ({ ok: true }),
    );

    // Without the token: the state only (what a courier or a dock scanner may see).
    app.get(
      '/v1/status',
      {
        config: { public: true },
        schema: {
          operationId: 'getStatus',
          tags: ['lifecycle'],
          summary: 'lifecycle state; with the token also job, device, keys held, seal and unlock delay',
          response: { 200: StatusResponse, ...errorResponses([], { public: true }) },
        },
      },
      async (request) => {
        const status = device.status();
        if (request.authenticated) return status;
        return { state: status.state, snowballJobState: status.snowballJobState, since: status.since };
      },
    );

    app.post<{ Body: Static<typeof UnlockBody> }>(
      '/v1/unlock',
      {
        config: { rateLimit: UNLOCK_RATE_LIMIT },
        schema: {
          operationId: 'unlockDevice',
          tags: ['lifecycle'],
          summary: 'unlock with the manifest and the unlock code (at the facility: after the seal check)',
          body: UnlockBody,
          response: { 200: StatusResponse, ...errorResponses([403, 409, 429], { body: true }) },
        },
      },
      async (request) => {
        const { manifest, code } = request.body;
        if (!BASE64.test(manifest)) throw new FloeError('MANIFEST_INVALID', 'manifest must be the manifest file in base64');
        return device.unlock(Buffer.from(manifest, 'base64'), code);
      },
    );

    app.post<{ Body: Static<typeof LockBody> | undefined }>(
      '/v1/lock',
      {
        schema: {
          operationId: 'lockDevice',
          tags: ['lifecycle'],
          summary: 'seal the journal, drop every key, answer the shipping label',
          body: LockBody,
          response: { 200: ShippingLabelSchema, ...errorResponses([409, 423], { body: true }) },
        },
      },
      async (request) => device.lock({ cancelRunning: request.body?.cancelRunning === true }),
    );

    app.get(
      '/v1/label',
      { schema: { operationId: 'getLabel', tags: ['lifecycle'], summary: 'the shipping label of a locked device', response: { 200: ShippingLabelSchema, ...errorResponses([409]) } } },
      async () => device.label(),
    );

    app.post<{ Body: Static<typeof EraseBody> | undefined }>(
      '/v1/erase',
      {
        schema: {
          operationId: 'eraseDevice',
          tags: ['lifecycle'],
          summary: 'cryptographic erase (after import, or with force)',
          body: EraseBody,
          response: { 200: EraseRecordSchema, ...errorResponses([409], { body: true }) },
        },
      },
      async (request) => device.erase({ force: request.body?.force === true }),
    );
  };
}

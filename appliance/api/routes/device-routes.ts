// Lifecycle routes: health, status, unlock, lock, label, erase (ARCHITECTURE.md, "Lifecycle").
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FloeError } from '../../errors.js';
import type { ApiContext } from '../api-context.js';

const UnlockBody = Type.Object(
  {
    manifest: Type.String({ minLength: 1, maxLength: 1_000_000, description: 'the <jobId>_manifest.bin file, base64' }),
    code: Type.String({ minLength: 1, maxLength: 100, description: 'the 29-character unlock code' }),
  },
  { additionalProperties: false },
);
const LockBody = Type.Object({ cancelRunning: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const EraseBody = Type.Object({ force: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function deviceRoutes(ctx: ApiContext): FastifyPluginAsync {
  const { device } = ctx;
  return async (app) => {
    app.get('/v1/health', { config: { public: true } }, async () => ({ ok: true }));

    // Without the token: the state only (what a courier or a dock scanner may see).
    app.get('/v1/status', { config: { public: true } }, async (request) => {
      const status = device.status();
      if (request.authenticated) return status;
      return { state: status.state, snowballJobState: status.snowballJobState, since: status.since };
    });

    app.post<{ Body: Static<typeof UnlockBody> }>('/v1/unlock', { schema: { body: UnlockBody } }, async (request) => {
      const { manifest, code } = request.body;
      if (!BASE64.test(manifest)) throw new FloeError('MANIFEST_INVALID', 'manifest must be the manifest file in base64');
      return device.unlock(Buffer.from(manifest, 'base64'), code);
    });

    app.post<{ Body: Static<typeof LockBody> }>('/v1/lock', { schema: { body: Type.Optional(LockBody) } }, async (request) =>
      device.lock({ cancelRunning: request.body?.cancelRunning === true }),
    );

    app.get('/v1/label', async () => device.label());

    app.post<{ Body: Static<typeof EraseBody> }>('/v1/erase', { schema: { body: Type.Optional(EraseBody) } }, async (request) =>
      device.erase({ force: request.body?.force === true }),
    );
  };
}

// Bearer-token auth (issue: the local API as a product): every route needs the device's API token
// except those that declare `config: { public: true }` (health, the public part of status).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto/hash.js';
import { FloeError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without the token. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Whether the request carried the right token (public routes may show more when it did). */
    authenticated: boolean;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function installAuth(app: FastifyInstance, token: string): void {
  const expected = Buffer.from(token, 'utf8');
  app.decorateRequest('authenticated', false);
  app.addHook('onRequest', async (request) => {
    const given = bearerToken(request);
    request.authenticated = given !== undefined && constantTimeEqual(Buffer.from(given, 'utf8'), expected);
    if (request.authenticated || request.routeOptions.config?.public === true) return;
    throw new FloeError('UNAUTHENTICATED', given === undefined ? 'this call needs the API token: Authorization: Bearer <token from the device data folder>' : 'the API token is not valid for this device');
  });
}

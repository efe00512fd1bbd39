// OpenAPI from the routes' TypeBox schemas: `/openapi.json` and browsable docs at `/docs`, both
// public (they describe the API, they reveal nothing of the job). Swagger UI's files come from
// the @fastify/swagger-ui package itself and it is told not to call the online validator, so the
// docs work on a device with no internet.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { FLOE_VERSION } from '../version.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'floe device API',
        version: FLOE_VERSION,
        description:
          'The local API of a floe edge appliance. Every route needs `Authorization: Bearer <token>` (the token file is in the device data folder) except those marked public. Errors are always `{code, message, details}`; see docs/api.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the device API token made at provisioning' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'lifecycle', description: 'unlock, lock, label, erase, status' },
        { name: 'journal', description: 'the encrypted journal' },
        { name: 'tasks', description: 'tasks and executions (DataSync operations)' },
        { name: 'import', description: 'import at the facility, online sync on site, the job completion report' },
        { name: 'restore', description: 'recovery points, a folder at a point, a path\'s history, restore into a folder' },
        { name: 'device', description: 'hardware and disk health' },
        { name: 'events', description: 'Server-Sent Events' },
        { name: 'metrics', description: 'Prometheus text format' },
      ],
    },
    // Public routes say so in the document: no security requirement.
    transform: ({ schema, url, route }) => {
      if (route.config?.public !== true) return { schema, url };
      return { schema: { ...schema, security: [] } as typeof schema, url };
    },
  });
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object | undefined), public: true } as typeof route.config;
    });
    await docs.register(swaggerUi, { routePrefix: DOCS_PREFIX, validatorUrl: false, uiConfig: { deepLinking: true, tryItOutEnabled: false } });
  });
  app.get(OPENAPI_PATH, { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}

// The daemon's HTTP API (ARCHITECTURE.md, "Interfaces"): fastify, versioned paths under /v1,
// bearer-token auth, one error body. The CLI and the terminal UI are clients of it.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiContext } from './api-context.js';
import { installAuth } from './auth.js';
import { handleClientError } from './client-error.js';
import { installDocumentedErrors } from './documented-errors.js';
import { handleError } from './error-body.js';
import { installOpenApi } from './openapi.js';
import { installRequestLog } from './request-log.js';
import { installRateLimit } from './rate-limit.js';
import { registerRoutes } from './routes/index.js';

export interface ServerOptions {
  /** pino logger options, or false for none (tests); ignored when loggerInstance is given. */
  readonly logger?: boolean | Record<string, unknown>;
  /** The daemon's logger (appliance/daemon/daemon-logger.ts). */
  readonly loggerInstance?: FastifyBaseLogger;
  /** TLS key and certificate (PEM) when serving beyond loopback. */
  readonly https?: { key: string; cert: string };
}

/** The API server, as the daemon holds it: the daemon composes it without importing fastify. */
export type ApiServer = FastifyInstance;

/** Starts listening on host:port and answers the port bound (port 0 picks a free one). */
export async function listenServer(app: ApiServer, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

export async function buildServer(ctx: ApiContext, options: ServerOptions = {}): Promise<ApiServer> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    // Requests are logged by route pattern in installRequestLog, never by URL (it may name a task).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Task names (up to 256 characters, percent-encoded) are path parameters.
    routerOptions: { maxParamLength: 1024 },
    // Router errors (bad URL encoding, a parameter over maxParamLength) get the error body too.
    frameworkErrors: handleError,
    clientErrorHandler: handleClientError,
    ...(options.https ? { https: options.https } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  installDocumentedErrors(app);
  installRequestLog(app);
  installAuth(app, ctx.token);
  installRateLimit(app);
  await installOpenApi(app);
  await registerRoutes(app, ctx);
  return app;
}

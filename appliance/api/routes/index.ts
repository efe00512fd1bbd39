// Every route module, one line each.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { deviceRoutes } from './device-routes.js';
import { eventRoutes } from './event-routes.js';
import { hardwareRoutes } from './hardware-routes.js';
import { journalRoutes } from './journal-routes.js';
import { taskRoutes } from './task-routes.js';
import { importRoutes } from './import-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { restoreRoutes } from './restore-routes.js';

export async function registerRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  await app.register(deviceRoutes(ctx));
  await app.register(journalRoutes(ctx));
  await app.register(taskRoutes(ctx));
  await app.register(importRoutes(ctx));
  await app.register(restoreRoutes(ctx));
  await app.register(eventRoutes(ctx));
  await app.register(hardwareRoutes(ctx));
  await app.register(metricsRoutes(ctx));
}

// `GET /v1/device`: CPU, memory, temperatures, disks and network interfaces from the cached
// HardwareMonitor snapshot (appliance/device/), so the call is cheap; probes that failed are
// listed in `missing`, the route itself does not fail.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { HardwareSnapshotSchema } from '../schemas/hardware-schemas.js';

export function hardwareRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/v1/device',
      { schema: { operationId: 'getHardware', tags: ['device'], summary: 'hardware and disk health (cached, refreshed in the background every 10 s)', response: { 200: HardwareSnapshotSchema, ...errorResponses([]) } } },
      async () => ctx.hardware.snapshot(),
    );
  };
}

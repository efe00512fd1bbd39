// A provisioned device and an in-process API server (app.inject) for the API tests; the daemon
// process tests use test/support/daemon-process.ts instead.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../../appliance/api/api-context.js';
import { buildServer } from '../../appliance/api/server.js';
import { readToken } from '../../appliance/daemon/daemon-info.js';
import { EventLog } from '../../appliance/daemon/event-log.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { provision } from '../../provisioning/provision.js';
import { tempDir } from '../journal/journal-fixtures.js';

export const jobSpec = {
  jobType: 'IMPORT',
  description: 'api test',
  deviceType: 'SNC1_SSD',
  destinations: [{ uri: 's3://floe-test-bucket/imports', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1' }],
  returnAddress: { name: 'Receiving', street1: '1 Test Way', city: 'Seattle', stateOrProvince: 'WA', postalCode: '98101', country: 'US' },
};
export const FAST_SCRYPT = { N: 1 << 10, r: 8, p: 1 };

export interface ProvisionedDevice {
  readonly root: string;
  readonly dataDir: string;
  readonly manifest: Buffer;
  readonly manifestPath: string;
  readonly code: string;
  readonly jobId: string;
  readonly cleanup: () => Promise<void>;
}

export async function provisionedDevice(prefix = 'floe-api-'): Promise<ProvisionedDevice> {
  const t = await tempDir(prefix);
  const dataDir = join(t.dir, 'data');
  const p = await provision({ jobSpec, dataDir, outDir: join(t.dir, 'out'), scrypt: FAST_SCRYPT });
  return { root: t.dir, dataDir, manifest: await readFile(p.manifestPath), manifestPath: p.manifestPath, code: p.unlockCode as string, jobId: p.jobId as string, cleanup: t.cleanup };
}

export interface InProcessApi {
  readonly app: FastifyInstance;
  readonly context: ApiContext;
  readonly device: ProvisionedDevice;
  readonly auth: { authorization: string };
  close(): Promise<void>;
}

/** buildServer over a freshly provisioned device; `extend` adds services to the context. */
export async function inProcessApi(extend: (ctx: ApiContext) => ApiContext = (c) => c): Promise<InProcessApi> {
  const device = await provisionedDevice();
  const dev = await Device.load(device.dataDir);
  const token = await readToken(device.dataDir);
  const context = extend({ dataDir: device.dataDir, device: dev, events: new EventLog(), token });
  const app = await buildServer(context);
  await app.ready();
  return {
    app,
    context,
    device,
    auth: { authorization: `Bearer ${token}` },
    async close() {
      await app.close();
      await dev.close();
      await device.cleanup();
    },
  };
}

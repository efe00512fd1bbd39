// A provisioned device and the daemon in this process (app.inject or a loopback socket) for the API tests; the daemon
// process tests use test/support/daemon-process.ts instead.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../../appliance/api/api-context.js';
import { ApiClient } from '../../appliance/cli/api-client.js';
import { startDaemon } from '../../appliance/daemon/daemon.js';
import { provision } from '../../provisioning/provision.js';
import { tempDir } from '../journal/journal-fixtures.js';
import { FAST_SCRYPT, testJobSpec } from '../support/test-job.js';

export const jobSpec = testJobSpec('api test');
export { FAST_SCRYPT };

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
  readonly url: string;
  /** A CLI client with the token. */
  client(): ApiClient;
  /** Stops the daemon, keeping the data folder. */
  stop(): Promise<void>;
  /** Stops the daemon and removes the data folder. */
  close(): Promise<void>;
}

/** The daemon (startDaemon) in this process on 127.0.0.1:0, over a freshly provisioned device. */
export async function inProcessApi(): Promise<InProcessApi> {
  const device = await provisionedDevice();
  const daemon = await startDaemon({ dataDir: device.dataDir, listen: '127.0.0.1:0' });
  const token = daemon.context.token;
  return {
    app: daemon.server,
    context: daemon.context,
    device,
    auth: { authorization: `Bearer ${token}` },
    url: daemon.info.url,
    client: () => new ApiClient({ url: daemon.info.url, token }),
    stop: () => daemon.close(),
    async close() {
      await daemon.close();
      await device.cleanup();
    },
  };
}

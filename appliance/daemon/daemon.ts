// `floe serve`: the daemon owns the device (lifecycle, keys, journal) and the running tasks, and
// serves the API. It always starts holding no key, whatever the lifecycle state.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEVICE_DIR, TLS_CERT_FILE, TLS_KEY_FILE } from '../../provisioning/device-files.js';
import type { ApiContext } from '../api/api-context.js';
import { buildServer, listenServer, type ApiServer } from '../api/server.js';
import { randomBytes } from '../crypto/random.js';
import { FloeError } from '../errors.js';
import { HardwareMonitor } from '../device/hardware-monitor.js';
import { Device } from '../lifecycle/device.js';
import { TaskService } from '../tasks/task-service.js';
import { ImportService } from '../transfer/import-service.js';
import { RestoreService } from '../transfer/restore-service.js';
import { SyncService } from '../transfer/sync-service.js';
import { readToken, removeDaemonInfo, writeDaemonInfo, type DaemonInfo } from './daemon-info.js';
import { createDaemonLogger, logEvents } from './daemon-logger.js';
import { EventLog } from './event-log.js';
import { parseListen } from './listen-address.js';

export interface DaemonOptions {
  readonly dataDir: string;
  /** host:port; 127.0.0.1:4780 by default. Beyond loopback the API is served over TLS only. */
  readonly listen?: string;
  /** true: also log to stderr (`floe serve --log`). The log always goes to <data>/logs/floe.log. */
  readonly logger?: boolean | Record<string, unknown>;
  /** pino level of the log file (default info). */
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

export interface RunningDaemon {
  readonly info: DaemonInfo;
  readonly context: ApiContext;
  readonly server: ApiServer;
  close(): Promise<void>;
}

export const DEFAULT_LISTEN = '127.0.0.1:4780';

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { dataDir } = options;
  const { host, port, loopback } = parseListen(options.listen ?? DEFAULT_LISTEN);
  const device = await Device.load(dataDir);
  // An erased device has no token left: it still answers the public status, and nothing else.
  const token = device.state === 'ERASED' ? randomBytes(32).toString('hex') : await readToken(dataDir);
  const events = new EventLog();
  const log = createDaemonLogger({ dataDir, stderr: options.logger === true, ...(options.logLevel ? { level: options.logLevel } : {}) });
  logEvents(events, log.logger);
  device.on('lifecycle', (change: Record<string, unknown>) => events.publish('lifecycle', change));
  device.on('progress', (progress: Record<string, unknown>) => events.publish('unlock.progress', progress));

  const hardware = HardwareMonitor.start({ dataDir });
  const tasks = new TaskService({ device, events });
  device.setExecutionControl(tasks);
  // Import and online sync publish import.progress (about 1/s) and import.status / sync.progress, sync.status.
  const publish = (type: string, data: unknown) => void events.publish(type, data as Record<string, unknown>);
  const imports = new ImportService(device, { publish });
  const sync = new SyncService(device, { publish });
  // Restore publishes restore.progress (about 1/s) and restore.status.
  const restores = new RestoreService(device, { publish });
  const context: ApiContext = { dataDir, device, events, token, hardware, tasks, imports, sync, restores };
  const https = loopback ? undefined : await tlsFiles(dataDir);
  const server = await buildServer(context, { loggerInstance: log.logger, ...(https ? { https } : {}) });
  // Stops the services, then drops the keys: the order a SIGTERM and a failed start share.
  const stopServices = async (): Promise<void> => {
    hardware.close();
    await tasks.close();
    await sync.close();
    await imports.cancel();
    await restores.cancel();
    restores.close();
    await device.close();
    log.close();
  };
  let boundPort: number;
  try {
    boundPort = await listenServer(server, host, port);
  } catch (err) {
    await stopServices();
    const code = (err as NodeJS.ErrnoException).code;
    throw new FloeError('UNAVAILABLE', `cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the address is in use (is another floe daemon running?)' : (err as Error).message}`, { cause: err });
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const info: DaemonInfo = {
    url: `${https ? 'https' : 'http'}://${urlHost}:${boundPort}`,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    tokenFile: join(DEVICE_DIR, 'api-token'),
    ...(https ? { tlsCertificateFingerprint: device.identity.tlsCertificateFingerprint } : {}),
  };
  await writeDaemonInfo(dataDir, info);
  events.publish('daemon.started', { url: info.url, state: device.state });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await server.close();
      await stopServices();
      await removeDaemonInfo(dataDir);
    })();
    return closing;
  };
  return { info, context, server, close };
}

async function tlsFiles(dataDir: string): Promise<{ key: string; cert: string }> {
  const dir = join(dataDir, DEVICE_DIR);
  return { key: await readFile(join(dir, TLS_KEY_FILE), 'utf8'), cert: await readFile(join(dir, TLS_CERT_FILE), 'utf8') };
}

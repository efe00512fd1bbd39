// How to reach the running daemon: <data>/device/daemon.json, written when `floe serve` listens
// and removed when it stops. Every other command needs only `--data DIR` (or FLOE_DATA).
// It names where the token is, never the token itself.
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { API_TOKEN_FILE, DEVICE_DIR, LIFECYCLE_FILE } from '../../provisioning/device-files.js';
import { FloeError } from '../errors.js';
import { readJsonFile, writeJsonFile } from '../lifecycle/state-files.js';

export const DAEMON_INFO_FILE = 'daemon.json';

export interface DaemonInfo {
  /** Base URL of the API, e.g. http://127.0.0.1:4780. */
  readonly url: string;
  readonly pid: number;
  readonly startedAt: string;
  /** The bearer token's file (mode 0600), relative to the data folder. */
  readonly tokenFile: string;
  /** SHA-256 of the DER TLS certificate when the API is served over TLS; clients pin it. */
  readonly tlsCertificateFingerprint?: string;
}

export function daemonInfoPath(dataDir: string): string {
  return join(dataDir, DEVICE_DIR, DAEMON_INFO_FILE);
}

export function tokenPath(dataDir: string): string {
  return join(dataDir, DEVICE_DIR, API_TOKEN_FILE);
}

export async function writeDaemonInfo(dataDir: string, info: DaemonInfo): Promise<void> {
  await writeJsonFile(daemonInfoPath(dataDir), info, 0o644);
}

export async function removeDaemonInfo(dataDir: string, pid = process.pid): Promise<void> {
  const info = await readJsonFile<DaemonInfo>(daemonInfoPath(dataDir)).catch(() => undefined);
  if (info === undefined || info.pid === pid) await rm(daemonInfoPath(dataDir), { force: true });
}

/**
 * Refuses a folder that is no device: provisioning writes <data>/device/lifecycle.json and erase
 * keeps it, so every device folder, erased or not, has one.
 */
export async function assertDeviceFolder(dataDir: string): Promise<void> {
  try {
    await access(join(dataDir, DEVICE_DIR, LIFECYCLE_FILE));
  } catch {
    throw new FloeError('NOT_FOUND', `${dataDir} is not a provisioned floe device (it has no ${DEVICE_DIR}/${LIFECYCLE_FILE}): give the device's data folder with --data or FLOE_DATA, or provision one with floe provision`);
  }
}

export async function readDaemonInfo(dataDir: string): Promise<DaemonInfo> {
  const info = await readJsonFile<DaemonInfo>(daemonInfoPath(dataDir));
  if (info === undefined) await assertDeviceFolder(dataDir);
  if (info === undefined) throw new FloeError('UNAVAILABLE', `no floe daemon is running for ${dataDir}: start it with floe serve --data ${dataDir}`);
  return info;
}

export async function readToken(dataDir: string): Promise<string> {
  try {
    return (await readFile(tokenPath(dataDir), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FloeError('UNAUTHENTICATED', `no API token at ${tokenPath(dataDir)}: is this a provisioned device?`);
    if ((err as NodeJS.ErrnoException).code === 'EACCES') throw new FloeError('FORBIDDEN', `the API token ${tokenPath(dataDir)} is not readable by this user`);
    throw err;
  }
}

// Shared by the daemon lifecycle tests: devices and daemons cleaned up after each test, CLI shortcuts.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { sampleContent } from './offline-device.js';

export const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export async function device(): Promise<ProvisionedDevice> {
  const dev = await provisionDevice();
  cleanups.push(dev.cleanup);
  return dev;
}

export async function serve(dev: ProvisionedDevice, env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const d = await startDaemonProcess(dev.dataDir, env);
  cleanups.push(() => d.kill('SIGKILL'));
  return d;
}

export interface Status {
  state: string;
  snowballJobState: string;
  unlocked: boolean;
  jobId: string;
  sealFingerprint?: string;
}

export const status = (dev: ProvisionedDevice): Promise<Status> => floeJson<Status>(['status', '--data', dev.dataDir]);
export const unlock = (dev: ProvisionedDevice) => floe(['unlock', '--data', dev.dataDir, '--manifest', dev.manifestPath, '--code', dev.code, '--json']);

/** A folder of `n` sample files, the share a task ingests. */
export async function sourceFolder(dev: ProvisionedDevice, n: number, big = 0): Promise<string> {
  const dir = join(dev.root, 'share');
  await mkdir(dir);
  for (let i = 0; i < n; i++) await writeFile(join(dir, `f${i}.txt`), sampleContent(i));
  if (big > 0) await writeFile(join(dir, 'big.bin'), Buffer.alloc(big, 7));
  return dir;
}

export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}


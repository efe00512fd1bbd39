// s3rver on loopback (TOOLCHAIN.md, "S3: s3rver 3.7.1"): a fake S3, fast to start, used where a
// second S3 implementation catches assumptions RGW would let through.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitForHttp } from './free-port.js';
import { createBucket, type S3Server } from './s3-admin.js';

export interface S3rverServer extends S3Server {
  createBucket(bucket: string): Promise<void>;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface S3rverOptions {
  /** Where its data folder is made (default: the temp folder). */
  readonly parentDir?: string;
}

export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverServer> {
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'floe-s3rver-'));
  const port = await freePort();
  const script = join(dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js');
  // Without --openssl-legacy-provider, Node 20 fails ListObjectsV2 past 1,000 objects (DES page tokens).
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (!exited) child.kill('SIGKILL');
      await exit;
    }
    live.delete(child);
    await rm(dir, { recursive: true, force: true });
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(endpoint, 30_000, () => !exited);
  } catch (err) {
    await stop();
    throw new Error(`s3rver did not start: ${String(err)}\n${stderr}`, { cause: err });
  }
  const server: S3rverServer = {
    endpoint,
    // s3rver accepts only this access key (any secret); the secret is still random so nothing
    // in the repository looks like a credential.
    accessKeyId: 'S3RVER',
    secretAccessKey: randomBytes(20).toString('base64url'),
    region: 'us-east-1',
    createBucket: (bucket) => createBucket(server, bucket),
    stop,
  };
  return server;
}

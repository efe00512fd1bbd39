// Starts null-s3-server.ts in its own process on a free port, shaped like the test harness's
// servers (S3Server plus createBucket and stop), for `import-throughput.ts --servers null`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { freePort } from '../../test/harness/free-port.js';
import type { S3Server } from '../../test/harness/s3-admin.js';

export interface NullS3 extends S3Server {
  createBucket(bucket: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startNullS3(): Promise<NullS3> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'null-s3-server.ts'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'NULLS3',
    secretAccessKey: 'null-s3-stores-nothing',
    region: 'us-east-1',
    createBucket: async () => undefined,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

// The demo's test servers (make demo): an embedded s3rver with the demo bucket, and nfs-ganesha
// exporting the sample data where it can run (root, packages installed), else nothing (the demo
// then ingests the local folder). Writes what it started as one JSON object to the file named by
// the first argument, then runs until SIGTERM or SIGINT and stops everything it started.
import { rename, writeFile } from 'node:fs/promises';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../test/harness/ganesha.js';
import { startS3rver, type S3rverServer } from '../test/harness/s3rver.js';

const [outFile, exportDir, bucket = 'floe-demo'] = process.argv.slice(2);
if (outFile === undefined || exportDir === undefined) {
  process.stderr.write('usage: tsx image/demo-servers.ts OUT.json EXPORT_DIR [BUCKET]\n');
  process.exit(2);
}

let s3: S3rverServer | undefined;
let nfs: Ganesha | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await nfs?.stop().catch(() => undefined);
    await s3?.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGINT', () => void stopAll(0));

try {
  s3 = await startS3rver();
  await s3.createBucket(bucket);
  const why = process.env.FLOE_DEMO_NFS === '0' ? 'FLOE_DEMO_NFS=0' : ganeshaUnavailableReason();
  let nfsUri: string | undefined;
  let nfsSkipped: string | undefined;
  if (why === undefined) {
    try {
      nfs = await startGanesha({ exportDir });
      nfsUri = nfs.uri();
    } catch (err) {
      nfsSkipped = (err as Error).message.split('\n')[0];
    }
  } else {
    nfsSkipped = why;
  }
  const info = { s3: { endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region, bucket }, nfsUri, nfsSkipped };
  await writeFile(`${outFile}.partial`, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  await rename(`${outFile}.partial`, outFile);
} catch (err) {
  process.stderr.write(`demo servers: ${(err as Error).message}\n`);
  await stopAll(1);
}
// Stay up until signalled.
setInterval(() => undefined, 1 << 30);

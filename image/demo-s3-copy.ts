// make demo: copies what the import put in S3 (s3rver stops with the demo) into a folder, so the
// demo can compare its bytes with the source and leave it to look at.
// Usage: tsx image/demo-s3-copy.ts SERVERS.json s3://bucket/prefix OUT_DIR
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { adminClient } from '../test/harness/s3-admin.js';

const [serversFile, uri, outDir] = process.argv.slice(2);
const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri ?? '');
if (serversFile === undefined || outDir === undefined || !match) {
  process.stderr.write('usage: tsx image/demo-s3-copy.ts SERVERS.json s3://bucket/prefix OUT_DIR\n');
  process.exit(2);
}
const [, bucket, rawPrefix] = match as unknown as [string, string, string];
const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
const info = JSON.parse(await readFile(serversFile, 'utf8')) as { s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string } };
const client = adminClient(info.s3);
let objects = 0;
let bytes = 0;
try {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const key = object.Key!;
      const rel = key.slice(prefix.length);
      if (rel === '' || rel.startsWith('.floe-report/')) continue;
      if (rel.endsWith('/')) {
        await mkdir(join(outDir, rel), { recursive: true }); // directories are empty `key/` objects
        continue;
      }
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
      await mkdir(dirname(join(outDir, rel)), { recursive: true });
      await writeFile(join(outDir, rel), body);
      objects += 1;
      bytes += body.length;
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
} finally {
  client.destroy();
}
process.stdout.write(`${objects} objects, ${bytes} bytes from ${uri} copied to ${outDir}\n`);

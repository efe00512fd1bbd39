// Child of import-throughput.ts: the ceiling of this SDK and server. LARGE: every file through
// @aws-sdk/lib-storage's Upload at once (queueSize parts each); SMALL: bare PutObject calls, 16 in
// flight (or the last argument). Reads plaintext from the dataset folder; prints {seconds, files,
// bytes}. With the argument `metadata`, every object also carries the five POSIX metadata keys floe
// writes.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

const [mode, folder, bucket, prefix, endpoint, accessKeyId, secretAccessKey, queueSize, partSize, withMetadata, inFlight] = process.argv.slice(2) as string[];
const client = new S3Client({
  endpoint: endpoint!,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const files = (await readdir(folder!, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
const start = process.hrtime.bigint();
let bytes = 0;
if (mode === 'large') {
  for (const file of files) bytes += (await stat(file)).size;
  await Promise.all(
    files.map(async (file) => {
      const metadata = withMetadata === 'metadata' ? await posixMetadataOf(file) : undefined;
      await new Upload({ client, params: { Bucket: bucket!, Key: `${prefix}/${relative(folder!, file)}`, Body: createReadStream(file), Metadata: metadata }, queueSize: Number(queueSize), partSize: Number(partSize) }).done();
    }),
  );
} else {
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(inFlight ?? 16) }, async () => {
      while (next < files.length) {
        const file = files[next++]!;
        const body = await readFile(file);
        bytes += body.length;
        const metadata = withMetadata === 'metadata' ? await posixMetadataOf(file) : undefined;
        await client.send(new PutObjectCommand({ Bucket: bucket!, Key: `${prefix}/${relative(folder!, file)}`, Body: body, ContentLength: body.length, Metadata: metadata }));
      }
    }),
  );
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
client.destroy();
process.stdout.write(`${JSON.stringify({ seconds, files: files.length, bytes })}\n`);

/** The five POSIX keys floe writes (DOMAIN.md), from the file's own attributes. */
async function posixMetadataOf(file: string): Promise<Record<string, string>> {
  const st = await stat(file, { bigint: true });
  return {
    'file-permissions': `0${st.mode.toString(8)}`,
    'file-owner': String(st.uid),
    'file-group': String(st.gid),
    'file-mtime': `${st.mtimeNs}ns`,
    'file-atime': `${st.atimeNs}ns`,
  };
}

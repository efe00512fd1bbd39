// What the S3 crash tests (import-crash, copy-crash) check of a bucket after the run: every object
// holds its source file's bytes and mtime, and how many successful completing requests (PutObject,
// CompleteMultipartUpload) a counting proxy in front of the server saw per key.
import { expect } from 'vitest';
import type { S3Server } from '../harness/s3-admin.js';
import type { CountingProxy } from '../harness/counting-proxy.js';
import { listS3Keys, readS3Object, type SourceFile } from './transfer-fixtures.js';

/** Asserts the keys under `prefix` are exactly the files' (folders with '/') with their bytes; returns the keys. */
export async function expectObjectsOfSource(server: S3Server, bucket: string, prefix: string, files: readonly SourceFile[]): Promise<string[]> {
  const expected = files.map((f) => `${prefix}${f.path}${f.type === 'directory' ? '/' : ''}`).sort();
  expect(await listS3Keys(server, bucket, prefix)).toEqual(expected);
  for (const f of files.filter((x) => x.type === 'file')) {
    const seen = await readS3Object(server, bucket, `${prefix}${f.path}`);
    expect(seen?.sha256, f.path.toString()).toBe(f.sha256);
    expect(seen?.metadata['file-mtime']).toBe(`${f.mtimeNs}ns`);
  }
  return expected;
}

/** Successful PutObject and CompleteMultipartUpload answers per key, as the proxy saw them. */
export function completionsPerKey(proxy: CountingProxy): Map<string, number> {
  const completions = new Map<string, number>();
  for (const r of proxy.answered) {
    if ((r.operation === 'PutObject' || r.operation === 'CompleteMultipartUpload') && r.status >= 200 && r.status < 300) {
      completions.set(r.key, (completions.get(r.key) ?? 0) + 1);
    }
  }
  return completions;
}

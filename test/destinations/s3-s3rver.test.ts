// The conformance suite on s3rver, a fake S3 (TOOLCHAIN.md, "S3: s3rver 3.7.1"), plus what a
// resume does on a server that cannot list parts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3Destination } from '../../appliance/destinations/s3/s3-destination.js';
import type { ResumeState } from '../../appliance/destinations/destination.js';
import { startS3rver, type S3rverServer } from '../harness/s3rver.js';
import { ContentCounter, contentOf, entryFor, randomData, readAll, rejection, sha256 } from './conformance-helpers.js';
import { describeDestination } from './describe-destination.js';
import { BUCKET, s3Factory, s3Options, S3_TRAITS } from './s3-target.js';

const NO_MULTIPART_LISTING = 's3rver 3.7.1 implements neither ListParts, AbortMultipartUpload nor ListMultipartUploads (405/501)';

describeDestination(
  'S3 on s3rver',
  s3Factory(
    startS3rver,
    {
      'longest-key': 's3rver answers 500 for keys over about 233 bytes and then fails every later listing of the bucket (TOOLCHAIN.md)',
      resume: NO_MULTIPART_LISTING,
      'cleanup-and-stale-resume': NO_MULTIPART_LISTING,
    },
    false,
  ),
);

describe('S3 on s3rver: without ListParts', () => {
  let server: S3rverServer;
  beforeAll(async () => {
    server = await startS3rver();
    await server.createBucket(BUCKET);
  });
  afterAll(async () => server?.stop());

  it('starts a resumed put over from byte 0 and still stores the exact bytes', async () => {
    const destination = await openS3Destination(`s3://${BUCKET}/no-list-parts`, s3Options(server));
    try {
      const data = randomData(S3_TRAITS.largeSize);
      const entry = entryFor('big.bin', 'file', data);
      let state: ResumeState | undefined;
      await rejection(destination.put(entry, contentOf(data, new ContentCounter(), 11 * 1024 * 1024), { onResumeState: (s) => void (state = s) }));
      expect(state).toMatchObject({ kind: 's3-multipart', key: 'no-list-parts/big.bin', partSize: 5 * 1024 * 1024, size: data.length });
      const again = new ContentCounter();
      await destination.put(entry, contentOf(data, again), { resume: state! });
      expect(again.opens).toEqual([0]);
      expect(sha256(await readAll(destination.read('big.bin')))).toEqual(sha256(data));
      const err = await rejection(destination.cleanup());
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain('does not implement');
    } finally {
      await destination.close();
    }
  });
});

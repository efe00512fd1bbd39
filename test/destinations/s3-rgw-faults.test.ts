// S3 destination behaviour the shared suite does not cover, on a real RGW: request counts of a
// resumed multipart upload, error codes for bad credentials and buckets, and a gateway that dies
// in the middle of an upload.
import { createHash } from 'node:crypto';
import { ListPartsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResumeState } from '../../appliance/destinations/destination.js';
import { openS3Destination, type S3Destination } from '../../appliance/destinations/s3/s3-destination.js';
import { isFloeError } from '../../appliance/errors.js';
import { startRgw, type RgwServer } from '../harness/rgw.js';
import { adminClient } from '../harness/s3-admin.js';
import { ContentCounter, contentOf, entryFor, randomData, readAll, rejection, sha256 } from './conformance-helpers.js';
import { BUCKET, PART_SIZE, s3Options } from './s3-target.js';

/**
 * The client keeps each command's resolved middleware stack (cacheMiddleware, s3-send.ts): a
 * middleware added after the first call takes effect once that cache is dropped, as the SDK itself
 * does when a call comes with options.
 */
function forgetResolvedHandlers(destination: S3Destination): void {
  delete (destination.client as unknown as { handlers?: unknown }).handlers;
}

/** Counts the SDK commands a destination sends, by name (e.g. "UploadPartCommand"). */
function countCommands(destination: S3Destination): Map<string, number> {
  const counts = new Map<string, number>();
  destination.client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'floeTestCommandCounter' },
  );
  forgetResolvedHandlers(destination);
  return counts;
}

/**
 * Runs after SigV4 signed each request (the deserialize step is the innermost): hands `see` the
 * command's name and the signed request, whose headers and body it may read or replace.
 */
function afterSigning(destination: S3Destination, see: (command: string, request: { headers: Record<string, string>; body: unknown }) => void): void {
  destination.client.middlewareStack.add(
    (next, context) => async (args) => {
      see(context.commandName ?? '?', args.request as { headers: Record<string, string>; body: unknown });
      return next(args);
    },
    { step: 'deserialize', name: 'floeTestAfterSigning' },
  );
  forgetResolvedHandlers(destination);
}

describe('S3 destination on Ceph RGW: resume, errors and faults', () => {
  let server: RgwServer;
  const opened: S3Destination[] = [];
  const open = async (prefix: string, extra = {}) => {
    const destination = await openS3Destination(`s3://${BUCKET}/${prefix}`, s3Options(server, extra));
    opened.push(destination);
    return destination;
  };

  beforeAll(async () => {
    server = await startRgw();
    await server.createBucket(BUCKET);
  });
  afterAll(async () => {
    for (const destination of opened) await destination.close();
    await server?.stop();
  });

  it('resumes with ListParts and sends UploadPart only for the missing parts', async () => {
    const destination = await open('count');
    const counts = countCommands(destination);
    const data = randomData(4 * PART_SIZE - 1000); // parts of 5, 5, 5 and 5 MiB - 1000 bytes
    const entry = entryFor('four-parts.bin', 'file', data);
    let state: ResumeState | undefined;
    await rejection(destination.put(entry, contentOf(data, new ContentCounter(), 2 * PART_SIZE + 4096), { onResumeState: (s) => void (state = s) }));
    expect(counts.get('CreateMultipartUploadCommand')).toBe(1);
    expect(counts.get('UploadPartCommand')).toBe(2);

    counts.clear();
    const result = await destination.put(entry, contentOf(data), { resume: state! });
    expect(Object.fromEntries(counts)).toEqual({
      ListPartsCommand: 1,
      UploadPartCommand: 2,
      CompleteMultipartUploadCommand: 1,
      HeadObjectCommand: 1, // RGW's CompleteMultipartUpload answers an empty ETag
    });
    expect(result.etag).toMatch(/^"[0-9a-f]{32}-4"$/u);
    expect(sha256(await readAll(destination.read('four-parts.bin')))).toEqual(sha256(data));
  });

  it('sends a whole file with its ingest SHA-256 as the signed payload hash: RGW refuses bytes that do not match it, and stores nothing', async () => {
    const destination = await open('payload-hash');
    const counts = countCommands(destination);
    const data = randomData(40_000);
    const good = entryFor('good.bin', 'file', data);
    expect((await destination.put(good, contentOf(data))).bytes).toBe(data.length);
    expect(sha256(await readAll(destination.read('good.bin')))).toEqual(sha256(data));
    // The entry records the SHA-256 of other bytes: what is sent no longer matches what was ingested.
    const wrong = entryFor('wrong.bin', 'file', data, { sha256: sha256(Buffer.from('other bytes')) });
    const err = await rejection(destination.put(wrong, contentOf(data)));
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect(err.message).toContain('PutObject s3://');
    expect(err.message).toContain('XAmzContentSHA256Mismatch');
    expect(await destination.stat('wrong.bin')).toBeNull();
    expect(counts.get('PutObjectCommand')).toBe(2);
  });

  it('signs each part with its SHA-256: RGW refuses a part damaged after signing, and no object appears', async () => {
    const destination = await open('part-hash');
    const data = randomData(2 * PART_SIZE + 1234);
    let damaged = 0;
    afterSigning(destination, (command, request) => {
      if (command !== 'UploadPartCommand' || damaged > 0 || !Buffer.isBuffer(request.body)) return;
      const copy = Buffer.from(request.body);
      copy[copy.length >> 1]! ^= 0x01;
      request.body = copy;
      damaged++;
    });
    const err = await rejection(destination.put(entryFor('damaged.bin', 'file', data), contentOf(data)));
    expect(damaged).toBe(1);
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect(err.message).toContain('UploadPart');
    expect(err.message).toContain('XAmzContentSHA256Mismatch');
    expect(await destination.stat('damaged.bin')).toBeNull();
  });

  it('sends Content-MD5 only when the contentMd5 option asks for it', async () => {
    const md5Of = (b: Buffer) => createHash('md5').update(b).digest('base64');
    const small = randomData(30_000);
    const large = randomData(PART_SIZE + 777);
    for (const contentMd5 of [false, true]) {
      const destination = await open(`md5-${contentMd5}`, { contentMd5 });
      const seen: Array<[string, string | undefined, string]> = [];
      afterSigning(destination, (command, request) => {
        if (command === 'PutObjectCommand' || command === 'UploadPartCommand') {
          seen.push([command, request.headers['content-md5'], request.headers['x-amz-content-sha256']!]);
        }
      });
      await destination.put(entryFor('small.bin', 'file', small), contentOf(small));
      await destination.put(entryFor('large.bin', 'file', large), contentOf(large));
      const parts = [large.subarray(0, PART_SIZE), large.subarray(PART_SIZE)];
      const md5 = (b: Buffer) => (contentMd5 ? md5Of(b) : undefined);
      expect(seen.sort()).toEqual(
        [
          ['PutObjectCommand', md5(small), sha256(small).toString('hex')],
          ...parts.map((p): [string, string | undefined, string] => ['UploadPartCommand', md5(p), sha256(p).toString('hex')]),
        ].sort(),
      );
      expect(sha256(await readAll(destination.read('large.bin')))).toEqual(sha256(large));
    }
  });

  it('refuses a wrong secret and an unknown access key with DESTINATION_ACCESS_DENIED', async () => {
    const wrongSecret = await rejection(openS3Destination(`s3://${BUCKET}/x`, { ...s3Options(server), credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' } }));
    expect(wrongSecret.code).toBe('DESTINATION_ACCESS_DENIED');
    expect(wrongSecret.message).toContain('SignatureDoesNotMatch');
    const unknownKey = await rejection(openS3Destination(`s3://${BUCKET}/x`, { ...s3Options(server), credentials: { accessKeyId: 'NOSUCHKEY0000000', secretAccessKey: 'x' } }));
    expect(unknownKey.code).toBe('DESTINATION_ACCESS_DENIED');
    expect(unknownKey.message).toContain('InvalidAccessKeyId');
  });

  it('reports a missing bucket as DESTINATION_UNREACHABLE with a clear message', async () => {
    const err = await rejection(openS3Destination('s3://no-such-bucket-here/x', s3Options(server)));
    expect(err.code).toBe('DESTINATION_UNREACHABLE');
    expect(err.message).toContain('bucket "no-such-bucket-here" does not exist');
  });

  it('reports a dead gateway as retryable DESTINATION_UNREACHABLE, works again after restart', async () => {
    const destination = await open('dead', { maxAttempts: 1 });
    await server.kill();
    try {
      const err = await rejection(destination.stat('anything'));
      expect(err.code).toBe('DESTINATION_UNREACHABLE');
      expect(isFloeError(err) && err.retryable).toBe(true);
    } finally {
      await server.restart();
    }
    await destination.put(entryFor('after.txt', 'file', Buffer.from('back')), contentOf(Buffer.from('back')));
    expect((await readAll(destination.read('after.txt'))).toString()).toBe('back');
  });

  it('finishes an upload cut by a gateway crash, re-sending only the parts the server lacks', async () => {
    const destination = await open('crash', { maxAttempts: 1 });
    const data = randomData(4 * PART_SIZE + 333);
    const entry = entryFor('crash.bin', 'file', data);
    let state: ResumeState | undefined;
    let killed: Promise<void> | undefined;
    const content = contentOf(data, new ContentCounter(), Infinity, (total) => {
      if (total >= 2 * PART_SIZE + 1 && killed === undefined) killed = server.kill();
    });
    const err = await rejection(destination.put(entry, content, { onResumeState: (s) => void (state = s) }));
    await killed;
    expect(['DESTINATION_UNREACHABLE', 'DESTINATION_IO']).toContain(err.code);
    await server.restart();

    const admin = adminClient(server);
    const listed = await admin.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'crash/crash.bin', UploadId: String(state!.uploadId) }));
    admin.destroy();
    const stored = (listed.Parts ?? []).map((p) => p.Size ?? 0).reduce((a, b) => a + b, 0);

    const counts = countCommands(destination);
    const again = new ContentCounter();
    await destination.put(entry, contentOf(data, again), { resume: state! });
    expect(again.bytes).toBe(data.length - stored);
    expect(counts.get('UploadPartCommand') ?? 0).toBe(5 - (listed.Parts ?? []).length);
    expect(sha256(await readAll(destination.read('crash.bin')))).toEqual(sha256(data));
  });
});

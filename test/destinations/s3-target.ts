// Conformance targets for the S3 destination on a test server (RGW or s3rver): one bucket per
// server, one fresh prefix per test.
import { S3Destination, openS3Destination } from '../../appliance/destinations/s3/s3-destination.js';
import type { S3DestinationOptions } from '../../appliance/destinations/s3/s3-options.js';
import { openMultipartUploads, type S3Server } from '../harness/s3-admin.js';
import type { DestinationFactory, DestinationTraits, RunningTarget } from './describe-destination.js';

export const PART_SIZE = 5 * 1024 * 1024;
export const BUCKET = 'floe-conformance';

export interface StartedS3Server extends S3Server {
  createBucket(bucket: string): Promise<void>;
  stop(): Promise<void>;
}

export function s3Options(server: S3Server, extra: S3DestinationOptions = {}): S3DestinationOptions {
  return {
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    partSize: PART_SIZE,
    queueSize: 3,
    ...extra,
  };
}

export const S3_TRAITS: Omit<DestinationTraits, 'known'> = {
  largeSize: 16 * 1024 * 1024 + 12_345, // four parts of 5 MiB, the last one short
  // Parts that were read completed before the failure surfaced; the part being read was not sent.
  resumeOffset: (_size, failedAfter) => Math.floor(failedAfter / PART_SIZE) * PART_SIZE,
  acceptsNonUtf8Names: false,
  keepsOwnership: true,
  timePrecision: { ns: 1n },
};

/** `countsUploads`: the server implements ListMultipartUploads (RGW does, s3rver does not). */
export function s3Factory(start: () => Promise<StartedS3Server>, known: DestinationTraits['known'], countsUploads = true): DestinationFactory {
  return {
    traits: { ...S3_TRAITS, known },
    async start(): Promise<RunningTarget> {
      const server = await start();
      await server.createBucket(BUCKET);
      let n = 0;
      return {
        async open() {
          const prefix = `t${++n}`;
          const destination: S3Destination = await openS3Destination(`s3://${BUCKET}/${prefix}`, s3Options(server));
          const leftovers = async () => (await openMultipartUploads(server, BUCKET, `${prefix}/`)).length;
          return countsUploads ? { destination, leftovers } : { destination };
        },
        stop: () => server.stop(),
      };
    },
  };
}

// From a job's destination (the manifest's `destinations`, kept in the device identity) or a
// `--destination URI` override to an open Destination. Credentials never come from the job: the S3
// SDK's chain (AWS_ACCESS_KEY_ID..., profiles, instance role) or the caller's explicit options.
import type { Destination } from '../destinations/destination.js';
import { openDestination } from '../destinations/open-destination.js';
import type { S3DestinationOptions } from '../destinations/s3/s3-options.js';
import { FloeError } from '../errors.js';
import type { DestinationSpec } from '../../provisioning/destination-spec.js';

export type { DestinationSpec };

/** Options added to every S3 destination (credentials, part size, parts in flight). */
export type S3Defaults = Pick<S3DestinationOptions, 'credentials' | 'partSize' | 'queueSize' | 'maxAttempts' | 'idleTimeoutMs'>;

export async function openDestinationSpec(spec: DestinationSpec, defaults: S3Defaults = {}): Promise<Destination> {
  if (typeof spec.uri !== 'string' || spec.uri === '') throw new FloeError('INVALID_ARGUMENT', 'a destination needs a uri (s3://bucket/prefix, efs:///path or fsx:///path)');
  if (!spec.uri.startsWith('s3:')) return openDestination(spec.uri);
  if (spec.serverSideEncryption === 'aws:kms:dsse') {
    throw new FloeError('INVALID_ARGUMENT', `${spec.uri}: serverSideEncryption aws:kms:dsse is not supported by this version; use AES256 or aws:kms`);
  }
  const options: S3DestinationOptions = {
    ...defaults,
    ...(spec.endpoint === undefined ? {} : { endpoint: spec.endpoint }),
    ...(spec.region === undefined ? {} : { region: spec.region }),
    ...(spec.forcePathStyle === undefined ? {} : { forcePathStyle: spec.forcePathStyle }),
    ...(spec.storageClass === undefined ? {} : { storageClass: spec.storageClass }),
    ...(spec.serverSideEncryption === undefined ? {} : { serverSideEncryption: spec.serverSideEncryption }),
    ...(spec.kmsKeyId === undefined ? {} : { kmsKeyId: spec.kmsKeyId }),
    ...(spec.contentMd5 === undefined ? {} : { contentMd5: spec.contentMd5 }),
  };
  return openDestination(spec.uri, options);
}

/**
 * The destinations of a run: the overrides when given (each a URI, or a spec), else the job's.
 * A URI override that names a job destination keeps that destination's options (endpoint, ...).
 */
export function chooseDestinations(jobDestinations: readonly DestinationSpec[] | undefined, overrides: ReadonlyArray<string | DestinationSpec> | undefined): DestinationSpec[] {
  const job = jobDestinations ?? [];
  if (overrides === undefined || overrides.length === 0) {
    if (job.length === 0) throw new FloeError('INVALID_ARGUMENT', 'the job names no destination: give one with --destination URI');
    return [...job];
  }
  return overrides.map((o) => {
    if (typeof o !== 'string') return o;
    const same = job.find((d) => d.uri.replace(/\/+$/u, '') === o.replace(/\/+$/u, ''));
    return same ?? { uri: o };
  });
}

// One entry point from a destination URI to a Destination, by scheme.
import { FloeError } from '../errors.js';
import type { Destination } from './destination.js';
import { openFilesystemDestination } from './filesystem/filesystem-destination.js';
import { openS3Destination } from './s3/s3-destination.js';
import type { S3DestinationOptions } from './s3/s3-options.js';

export type DestinationOptions = S3DestinationOptions;

export const DESTINATION_SCHEMES = ['s3', 'efs', 'fsx', 'file'] as const;

export async function openDestination(uri: string, options: DestinationOptions = {}): Promise<Destination> {
  const scheme = /^([a-z][a-z0-9+.-]*):/iu.exec(uri)?.[1]?.toLowerCase();
  switch (scheme) {
    case 's3':
      return openS3Destination(uri, options);
    case 'efs':
    case 'fsx':
    case 'file':
      return openFilesystemDestination(uri);
    default:
      throw new FloeError('INVALID_ARGUMENT', `unknown destination scheme in "${uri}": expected one of ${DESTINATION_SCHEMES.map((s) => `${s}://`).join(', ')}`, {
        details: { uri },
      });
  }
}

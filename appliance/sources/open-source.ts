// Opens a Source by its URI's scheme (ARCHITECTURE.md, "Sources").
import { FloeError } from '../errors.js';
import { openLocalSource } from './local/local-source.js';
import { openNfsSource, type NfsSourceOptions } from './nfs/nfs-source.js';
import { openS3Source, type S3SourceOptions } from './s3/s3-source.js';
import type { Source } from './source.js';

export type OpenSourceOptions = NfsSourceOptions & {
  /** For s3:// sources: credentials and connection defaults (the URI's endpoint and region win). */
  readonly s3?: Omit<S3SourceOptions, 'signal'>;
};

export async function openSource(uri: string, options: OpenSourceOptions = {}): Promise<Source> {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'nfs':
      return openNfsSource(uri, options);
    case 'file':
      return openLocalSource(uri);
    case 's3':
      return openS3Source(uri, { ...options.s3, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    default:
      throw new FloeError('INVALID_ARGUMENT', `unsupported source URI '${uri}': expected nfs://host/export[/path], s3://bucket[/prefix] or file:///path`);
  }
}

// Opens a Source by its URI's scheme (ARCHITECTURE.md, "Sources").
import { FloeError } from '../errors.js';
import { openLocalSource } from './local/local-source.js';
import { openNfsSource, type NfsSourceOptions } from './nfs/nfs-source.js';
import type { Source } from './source.js';

export type OpenSourceOptions = NfsSourceOptions;

export async function openSource(uri: string, options: OpenSourceOptions = {}): Promise<Source> {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'nfs':
      return openNfsSource(uri, options);
    case 'file':
      return openLocalSource(uri);
    default:
      throw new FloeError('INVALID_ARGUMENT', `unsupported source URI '${uri}': expected nfs://host/export[/path] or file:///path`);
  }
}

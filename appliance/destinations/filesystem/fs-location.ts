// file:///path, efs:///mnt/path and fsx:///mnt/path: a mounted file system (ARCHITECTURE.md,
// "Destinations"). The path may carry percent-encoded bytes (RFC 8089 / RFC 3986), so a root
// whose name is not UTF-8 can still be given.
import { FloeError } from '../../errors.js';

export type FilesystemScheme = 'file' | 'efs' | 'fsx';

export interface FilesystemLocation {
  readonly scheme: FilesystemScheme;
  /** Absolute root path, exact bytes, without a trailing '/' (except for '/'). */
  readonly root: Buffer;
}

export function parseFilesystemUri(uri: string): FilesystemLocation {
  const match = /^(file|efs|fsx):\/\/(\/[^?#]*)$/u.exec(uri);
  if (!match) throw new FloeError('INVALID_ARGUMENT', `expected file:///path, efs:///path or fsx:///path (no host), got ${uri}`);
  const scheme = match[1] as FilesystemScheme;
  let root = percentDecode(match[2]!, uri);
  while (root.length > 1 && root[root.length - 1] === 0x2f) root = root.subarray(0, -1);
  if (root.includes(0)) throw new FloeError('INVALID_ARGUMENT', `path in ${uri} contains a NUL byte`);
  return { scheme, root };
}

function percentDecode(text: string, uri: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '%') {
      run += text[i];
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/u.test(hex)) throw new FloeError('INVALID_ARGUMENT', `bad percent-encoding in ${uri}`);
    parts.push(Buffer.from(run, 'utf8'), Buffer.from([Number.parseInt(hex, 16)]));
    run = '';
    i += 2;
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

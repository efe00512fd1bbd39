// Source URIs of the form nfs://host[:port]/export[/path]?version=3&uid=&gid=&nfsport=&mountport=
// (ARCHITECTURE.md, "Sources"). The port in the authority is the portmapper's (default 111);
// nfsport and mountport skip the portmapper. The path may carry any bytes, percent-encoded.
import { FloeError } from '../../errors.js';
import { DEFAULT_PORTMAPPER_PORT } from './portmap.js';

export interface NfsUri {
  readonly host: string;
  readonly portmapperPort: number;
  readonly nfsPort: number | undefined;
  readonly mountPort: number | undefined;
  readonly uid: number;
  readonly gid: number;
  /** The whole path after the authority, exact bytes, e.g. '/export/sub/dir'; no trailing '/'. */
  readonly path: Buffer;
}

const PARAMETERS = new Set(['version', 'uid', 'gid', 'nfsport', 'mountport']);

function invalid(uri: string, why: string): FloeError {
  return new FloeError('INVALID_ARGUMENT', `invalid NFS URI '${uri}': ${why}`);
}

export function parseNfsUri(uri: string): NfsUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, 'not a URI (expected nfs://host[:port]/export[/path])');
  }
  if (url.protocol !== 'nfs:') throw invalid(uri, `scheme must be nfs:, not ${url.protocol}`);
  if (url.username || url.password) throw invalid(uri, 'user names and passwords are not part of an NFS URI; use ?uid= and ?gid=');
  if (url.hash) throw invalid(uri, 'a #fragment has no meaning here');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!host) throw invalid(uri, 'no host');

  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (!PARAMETERS.has(key)) throw invalid(uri, `unknown parameter '${key}' (known: ${[...PARAMETERS].join(', ')})`);
    if (seen.has(key)) throw invalid(uri, `parameter '${key}' given twice`);
    seen.add(key);
  }
  const version = url.searchParams.get('version');
  if (version !== null && version !== '3') throw invalid(uri, `version must be 3, not '${version}' (floe speaks NFSv3 only)`);

  const path = percentDecode(url.pathname, uri);
  let end = path.length;
  while (end > 1 && path[end - 1] === 0x2f) end--;
  const trimmed = path.subarray(0, end);
  if (trimmed.length < 2 || trimmed[0] !== 0x2f) throw invalid(uri, 'no export path (expected nfs://host/export)');

  return {
    host,
    portmapperPort: url.port ? Number(url.port) : DEFAULT_PORTMAPPER_PORT,
    nfsPort: optionalNumber(url, 'nfsport', 1, 65535, uri),
    mountPort: optionalNumber(url, 'mountport', 1, 65535, uri),
    uid: optionalNumber(url, 'uid', 0, 0xffffffff, uri) ?? 0,
    gid: optionalNumber(url, 'gid', 0, 0xffffffff, uri) ?? 0,
    path: Buffer.from(trimmed),
  };
}

function optionalNumber(url: URL, key: string, min: number, max: number, uri: string): number | undefined {
  const text = url.searchParams.get(key);
  if (text === null) return undefined;
  if (!/^[0-9]{1,10}$/.test(text)) throw invalid(uri, `${key} must be a decimal number, not '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw invalid(uri, `${key} must be between ${min} and ${max}, not ${value}`);
  return value;
}

/** Percent-decoding to bytes, so '%FF' stays the byte 0xff instead of becoming U+FFFD. */
function percentDecode(text: string, uri: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x25) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw invalid(uri, `bad percent-escape '%${hex}' in the path`);
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = byte;
    }
  }
  return out.subarray(0, n);
}

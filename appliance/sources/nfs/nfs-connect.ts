// Getting from a URI to a root file handle: portmapper GETPORT when ports are not given
// (RFC 1833), choosing the export among the server's EXPORT list, MNT (RFC 1813 Appendix I), then
// LOOKUPs from the mounted root down to the URI's sub-path.
import { FloeError, isFloeError } from '../../errors.js';
import { displayPath } from '../../journal/file-entry.js';
import { listExports, mount, unmount, MOUNT_PROGRAM, MOUNT_V3 } from './mount3.js';
import { DEFAULT_JUKEBOX_POLICY, type FsInfo, type JukeboxPolicy, type Nfs3Client } from './nfs3-procedures.js';
import { NFS_PROGRAM, NFS_V3 } from './nfs3-types.js';
import { parseNfsUri, type NfsUri } from './nfs-uri.js';
import { getPort } from './portmap.js';
import { DEFAULT_RETRY_POLICY, RpcClient, type RetryPolicy } from './rpc-client.js';
import { encodeAuthSys } from './rpc-connection.js';

export interface ConnectOptions {
  /** Reconnect and retransmit policy for every RPC. */
  readonly retry?: Partial<RetryPolicy>;
  readonly jukebox?: Partial<JukeboxPolicy>;
  readonly signal?: AbortSignal;
}

/** An export mounted and looked up to the URI's path, with an NFS client on it. */
export interface ConnectedExport<C extends Nfs3Client> {
  readonly uri: NfsUri;
  readonly nfs: C;
  /** The handle of the URI's path (the export's root or a folder below it). */
  readonly handle: Buffer;
  readonly fsInfo: FsInfo;
  /** Sends UMNT for the export (best effort: servers keep no state that matters). */
  unmount(): Promise<void>;
}

/**
 * From a URI to a handle: ports (portmapper unless given), MNT of the export that holds the path,
 * LOOKUPs down to it, FSINFO there. `client` makes the NFS client (read-only or read-write).
 */
export async function connectExport<C extends Nfs3Client>(uri: string, client: (rpc: RpcClient, jukebox: JukeboxPolicy) => C, options: ConnectOptions = {}): Promise<ConnectedExport<C>> {
  const parsed = parseNfsUri(uri);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const credential = encodeAuthSys({ uid: parsed.uid, gid: parsed.gid, gids: [parsed.gid] });
  const { nfsPort, mountPort } = await resolvePorts(parsed, credential, policy, options.signal);

  const mountClient = new RpcClient(parsed.host, mountPort, credential, policy);
  let mounted;
  try {
    mounted = await mountExport(mountClient, parsed.path, options.signal);
  } finally {
    mountClient.close();
  }
  const exportPath = mounted.exportPath;
  const unmountCall = async (): Promise<void> => {
    const umountClient = new RpcClient(parsed.host, mountPort, credential, { ...policy, timeoutMs: Math.min(policy.timeoutMs, 5_000), retries: 1 });
    try {
      await unmount(umountClient, exportPath);
    } finally {
      umountClient.close();
    }
  };

  const nfs = client(new RpcClient(parsed.host, nfsPort, credential, policy), { ...DEFAULT_JUKEBOX_POLICY, ...options.jukebox });
  try {
    let handle = mounted.rootHandle;
    let walked = exportPath;
    for (const name of mounted.subPath) {
      walked = Buffer.concat([walked, SLASH, name]);
      handle = (await nfs.lookup(handle, name, { path: displayPath(walked), signal: options.signal })).fileHandle;
    }
    const fsInfo = await nfs.fsinfo(handle, { path: displayPath(parsed.path), signal: options.signal });
    return { uri: parsed, nfs, handle, fsInfo, unmount: unmountCall };
  } catch (err) {
    nfs.rpc.close();
    await unmountCall().catch(() => undefined);
    throw err;
  }
}

export interface ResolvedPorts {
  readonly nfsPort: number;
  readonly mountPort: number;
}

export async function resolvePorts(uri: NfsUri, credential: Buffer, policy: RetryPolicy, signal?: AbortSignal): Promise<ResolvedPorts> {
  if (uri.nfsPort !== undefined && uri.mountPort !== undefined) return { nfsPort: uri.nfsPort, mountPort: uri.mountPort };
  const portmapper = new RpcClient(uri.host, uri.portmapperPort, credential, { ...policy, retries: Math.min(policy.retries, 2) });
  try {
    const nfsPort = uri.nfsPort ?? (await getPort(portmapper, NFS_PROGRAM, NFS_V3, signal));
    const mountPort = uri.mountPort ?? (await getPort(portmapper, MOUNT_PROGRAM, MOUNT_V3, signal));
    return { nfsPort, mountPort };
  } finally {
    portmapper.close();
  }
}

export interface MountedExport {
  readonly exportPath: Buffer;
  readonly rootHandle: Buffer;
  /** Components of the URI path below the export, to LOOKUP from the root handle. */
  readonly subPath: Buffer[];
}

/**
 * The URI path does not say where the export ends and the sub-path begins, so the longest export
 * in the server's EXPORT list that is a prefix (by whole components) wins. Servers that hide their
 * list get MNT tried on the whole path, then on ever shorter prefixes.
 */
export async function mountExport(mountClient: RpcClient, uriPath: Buffer, signal?: AbortSignal): Promise<MountedExport> {
  const components = splitComponents(uriPath);
  let candidates: number[] = [];
  try {
    const exports = await listExports(mountClient, signal);
    for (const e of exports) {
      const parts = splitComponents(e.dir);
      if (parts.length <= components.length && parts.every((p, i) => p.equals(components[i]!))) candidates.push(parts.length);
    }
    candidates.sort((a, b) => b - a);
  } catch (err) {
    if (isFloeError(err, 'CANCELLED') || isFloeError(err, 'SOURCE_UNREACHABLE') || isFloeError(err, 'TIMEOUT')) throw err;
    candidates = [];
  }
  if (candidates.length === 0) candidates = components.map((_, i) => components.length - i);

  let firstError: unknown;
  for (const length of candidates) {
    const exportPath = joinComponents(components.slice(0, length));
    try {
      const result = await mount(mountClient, exportPath, signal);
      return { exportPath, rootHandle: result.fileHandle, subPath: components.slice(length) };
    } catch (err) {
      if (!isFloeError(err) || err.code === 'CANCELLED' || err.code === 'SOURCE_UNREACHABLE' || err.code === 'TIMEOUT') throw err;
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
  throw new FloeError('SOURCE_NOT_FOUND', `no export of ${mountClient.label} contains '${displayPath(uriPath)}'`);
}

export function splitComponents(path: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === 0x2f) {
      if (i > start) out.push(path.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

function joinComponents(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) out.push(SLASH, p);
  return Buffer.concat(out);
}

const SLASH = Buffer.from('/');

// MOUNT protocol version 3 (RFC 1813 Appendix I): MNT, UMNT and EXPORT.
import { FloeError, type ErrorCode } from '../../errors.js';
import type { RpcClient } from './rpc-client.js';
import { NFS3_FHSIZE } from './nfs3-types.js';

export const MOUNT_PROGRAM = 100005;
export const MOUNT_V3 = 3;
const MOUNTPROC3_MNT = 1;
const MOUNTPROC3_UMNT = 3;
const MOUNTPROC3_EXPORT = 5;
/** RFC 1813 Appendix I: "const MNTPATHLEN = 1024". */
const MNTPATHLEN = 1024;
const MNTNAMLEN = 255;

/** RFC 1813 Appendix I mountstat3. */
const MOUNTSTAT3: Record<number, string> = {
  0: 'MNT3_OK',
  1: 'MNT3ERR_PERM',
  2: 'MNT3ERR_NOENT',
  5: 'MNT3ERR_IO',
  13: 'MNT3ERR_ACCES',
  20: 'MNT3ERR_NOTDIR',
  22: 'MNT3ERR_INVAL',
  63: 'MNT3ERR_NAMETOOLONG',
  10004: 'MNT3ERR_NOTSUPP',
  10006: 'MNT3ERR_SERVERFAULT',
};

export interface MountResult {
  readonly fileHandle: Buffer;
  readonly authFlavors: readonly number[];
}

export interface ExportEntry {
  readonly dir: Buffer;
  readonly groups: readonly Buffer[];
}

function target(procedure: number): { program: number; version: number; procedure: number } {
  return { program: MOUNT_PROGRAM, version: MOUNT_V3, procedure };
}

/** MOUNTPROC3_MNT: mountres3 = mountstat3, then on MNT3_OK fhandle3 and auth_flavors<>. */
export async function mount(client: RpcClient, dirPath: Buffer, signal?: AbortSignal): Promise<MountResult> {
  return client.call(
    target(MOUNTPROC3_MNT),
    (w) => w.opaque(dirPath, MNTPATHLEN),
    (r) => {
      const status = r.uint32();
      if (status !== 0) {
        const name = MOUNTSTAT3[status] ?? `MNT3ERR_UNKNOWN(${status})`;
        const code: ErrorCode = status === 1 || status === 13 ? 'SOURCE_ACCESS_DENIED' : status === 2 ? 'SOURCE_NOT_FOUND' : status === 5 ? 'SOURCE_IO' : 'SOURCE_PROTOCOL';
        throw new FloeError(code, `MOUNT '${dirPath.toString('utf8')}' on ${client.label}: ${name}`, { details: { mountStatus: name } });
      }
      const fileHandle = Buffer.from(r.opaque(NFS3_FHSIZE));
      const count = r.uint32();
      const authFlavors: number[] = [];
      for (let i = 0; i < count; i++) authFlavors.push(r.uint32());
      return { fileHandle, authFlavors };
    },
    signal,
  );
}

/** MOUNTPROC3_UMNT: tells the server's mount list we are gone; void reply. */
export async function unmount(client: RpcClient, dirPath: Buffer, signal?: AbortSignal): Promise<void> {
  await client.call(target(MOUNTPROC3_UMNT), (w) => w.opaque(dirPath, MNTPATHLEN), () => undefined, signal);
}

/** MOUNTPROC3_EXPORT: exports = optional list of exportnode { dirpath, groups, next }. */
export async function listExports(client: RpcClient, signal?: AbortSignal): Promise<ExportEntry[]> {
  return client.call(
    target(MOUNTPROC3_EXPORT),
    () => undefined,
    (r) => {
      const out: ExportEntry[] = [];
      while (r.bool()) {
        const dir = Buffer.from(r.opaque(MNTPATHLEN));
        const groups: Buffer[] = [];
        while (r.bool()) groups.push(Buffer.from(r.opaque(MNTNAMLEN)));
        out.push({ dir, groups });
      }
      return out;
    },
    signal,
  );
}

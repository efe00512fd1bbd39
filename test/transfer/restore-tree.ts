// An independent walk of a tree for restore tests: what lstat (bigint), readlink and a SHA-256 of
// the bytes say about each path, names as exact bytes, and which paths share an inode.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';

export interface SeenEntry {
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly sha256?: string;
  readonly target?: string;
}

export interface SeenTree {
  /** By path relative to the root, as hex of its bytes. */
  readonly entries: Map<string, SeenEntry>;
  /** Paths (hex) that are one file, each group sorted, groups sorted: hard links. */
  readonly linkGroups: string[][];
}

function typeOf(st: Awaited<ReturnType<typeof lstat>>): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}

export async function walkTree(root: string): Promise<SeenTree> {
  const entries = new Map<string, SeenEntry>();
  const byInode = new Map<bigint, string[]>();
  const rootBytes = Buffer.from(root);
  const visit = async (rel: Buffer): Promise<void> => {
    const dir = rel.length === 0 ? rootBytes : Buffer.concat([rootBytes, Buffer.from('/'), rel]);
    for (const name of await readdir(dir, { encoding: 'buffer' })) {
      const childRel = rel.length === 0 ? name : Buffer.concat([rel, Buffer.from('/'), name]);
      const path = Buffer.concat([dir, Buffer.from('/'), name]);
      const st = await lstat(path, { bigint: true });
      const type = typeOf(st as never);
      const key = childRel.toString('hex');
      const seen: SeenEntry = {
        type,
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        size: type === 'file' || type === 'symlink' ? Number(st.size) : 0,
        mtimeNs: st.mtimeNs,
        ...(type === 'file' ? { sha256: createHash('sha256').update(await readFile(path)).digest('hex') } : {}),
        ...(type === 'symlink' ? { target: (await readlink(path, { encoding: 'buffer' })).toString('hex') } : {}),
      };
      entries.set(key, seen);
      if (type === 'file' && st.nlink > 1n) byInode.set(st.ino, [...(byInode.get(st.ino) ?? []), key]);
      if (type === 'directory') await visit(childRel);
    }
  };
  await visit(Buffer.alloc(0));
  const linkGroups = [...byInode.values()].map((g) => g.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  return { entries, linkGroups };
}

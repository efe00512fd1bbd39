// Where a technician's manifest file may be: the working folder, its parent, and inserted media
// (/media/*, /mnt/*, /run/media/<user>/*), one level deep. Named `<job id>_manifest.bin`.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const MANIFEST = /_manifest\.bin$/;

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && MANIFEST.test(e.name)).map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

async function subdirs(dir: string, depth: number): Promise<string[]> {
  if (depth === 0) return [];
  try {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      out.push(join(dir, e.name), ...(await subdirs(join(dir, e.name), depth - 1)));
    }
    return out;
  } catch {
    return [];
  }
}

export async function findManifests(cwd = process.cwd(), mediaRoots: readonly string[] = ['/media', '/mnt', '/run/media']): Promise<string[]> {
  const dirs = [resolve(cwd), resolve(cwd, '..')];
  for (const root of mediaRoots) dirs.push(...(await subdirs(root, 2)));
  const found = new Set<string>();
  for (const d of dirs.slice(0, 200)) for (const f of await list(d)) found.add(f);
  return [...found].sort();
}

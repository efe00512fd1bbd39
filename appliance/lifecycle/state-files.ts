// The device's non-secret state files in <data>/device/, written atomically (temp, fsync, rename,
// fsync the folder) so a crash leaves either the old or the new content, never a torn file.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FloeError } from '../errors.js';
import { fsyncDirectory } from '../fs-durable.js';

export function deviceDir(dataDir: string): string {
  return join(dataDir, 'device');
}

export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new FloeError('INTERNAL', `${path} is not valid JSON`, { cause: err });
  }
}

export async function writeJsonFile(path: string, value: unknown, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const h = await open(tmp, 'w', mode);
  try {
    await h.writeFile(JSON.stringify(value, null, 2) + '\n');
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(tmp, path);
  await fsyncDirectory(dirname(path));
}

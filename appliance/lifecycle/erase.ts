// Cryptographic erase in the sense of NIST SP 800-88 Rev. 1 "purge": the job data key exists only
// inside the manifest (never on the device), so destroying the device's copies of everything
// derived from the job makes the journal unrecoverable. As defence in depth every journal file,
// the identity and the API token are overwritten with random bytes, synced, and removed.
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../crypto/random.js';

export interface OverwriteResult {
  files: number;
  bytes: number;
}

const BLOCK = 1 << 20;

export async function overwriteAndRemove(path: string, result: OverwriteResult): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return;
  }
  if (info.isDirectory()) {
    for (const name of await readdir(path)) await overwriteAndRemove(join(path, name), result);
    await rm(path, { recursive: true, force: true });
    return;
  }
  const h = await open(path, 'r+');
  try {
    for (let off = 0; off < info.size; off += BLOCK) {
      const n = Math.min(BLOCK, info.size - off);
      await h.write(randomBytes(n), 0, n, off);
    }
    await h.sync();
  } finally {
    await h.close();
  }
  await rm(path, { force: true });
  result.files++;
  result.bytes += info.size;
}

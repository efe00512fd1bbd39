import { open } from 'node:fs/promises';

/**
 * fsync a directory so that a file created, renamed or removed in it is durable: POSIX leaves that
 * to the caller, and a crash can otherwise lose the directory entry of a synced file.
 */
export async function fsyncDirectory(dir: string | Buffer): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

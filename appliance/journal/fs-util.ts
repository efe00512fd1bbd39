import { open } from 'node:fs/promises';

/** fsync a directory so that a created, renamed or removed entry in it is durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

// Spies on FileHandle's methods: every read of a journal segment goes through FileHandle.read, and
// every batch of frames written through FileHandle.writev.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { vi } from 'vitest';

/** Spies on FileHandle.prototype[method] (found through a handle on `journalDir/JOURNAL`); mockRestore when done. */
export async function spyOnFileHandle(journalDir: string, method: 'read' | 'writev') {
  const probe = await open(join(journalDir, 'JOURNAL'), 'r');
  const proto = Object.getPrototypeOf(probe) as Record<typeof method, (...args: unknown[]) => unknown>;
  await probe.close();
  return vi.spyOn(proto, method);
}

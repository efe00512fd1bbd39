// Checks of a restore report against the target, shared by the folder and NFS restore tests.
import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { keyToBytes } from '../../appliance/destinations/path-key.js';
import type { RestoreReportFiles } from '../../appliance/transfer/restore-report.js';

/**
 * A restore that ended with failures (a full target): every selected entry is either in
 * restored.csv or in failures.csv, and every file restored.csv names holds its SHA-256 on the
 * target under `root` (found by its exact bytes). Returns the lines of failures.csv.
 */
export async function expectRestoredWhole(report: RestoreReportFiles, root: string): Promise<string[]> {
  const failures = report['failures.csv'].trimEnd().split('\r\n').slice(1);
  const restored = report['restored.csv'].trimEnd().split('\r\n').slice(1).map((l) => l.split(','));
  const summary = JSON.parse(report['summary.json']) as { filesSelected: number };
  expect(restored.length + failures.length).toBe(summary.filesSelected);
  // Keys escape non-UTF-8 bytes (path-key.ts); the file's name on the target is the original bytes.
  const files = restored.filter(([, key, size]) => !key!.endsWith('/') && Number(size) > 0);
  expect(files.length).toBeGreaterThan(0);
  for (const [, key, , sha] of files) {
    const onTarget = Buffer.concat([Buffer.from(`${root}/`), keyToBytes(key!)]);
    if ((await lstat(onTarget)).isFile()) expect(createHash('sha256').update(await readFile(onTarget)).digest('hex'), key).toBe(sha);
  }
  return failures;
}

// Crash rounds shared by crash-small.test.ts and crash-large.test.ts (issue: foundation and the
// encrypted journal): a child writes into the journal and is
// killed with SIGKILL at random moments. After every kill the journal opens, verify passes, every
// file committed before the kill reads back byte-identical, and nothing uncommitted appears.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { SecretKey } from '../../appliance/crypto/secret-key.js';
import { Journal } from '../../appliance/journal/journal.js';
import { verifyJournal } from '../../appliance/journal/verify.js';
import { datasetFiles, sha256Of, type DatasetName } from './dataset.js';
import { tempDir } from './journal-fixtures.js';

const ROUNDS_PER_DATASET = 25;
// A fresh journal every few rounds keeps the per-round verify (which reads everything) bounded.
const ROUNDS_PER_JOURNAL = 5;
export const ROUNDS = ROUNDS_PER_DATASET;

interface RoundResult {
  committed: string[];
  finished: boolean;
}

/**
 * `from`: the kill is timed from the child's READY, or from its first commit. Under heavy load a
 * 200 MiB file can take longer than the whole kill window, so every other round is timed from the
 * first commit: the rounds then always kill after something was committed, as well as during the
 * first write.
 */
function runChild(dir: string, dek: Buffer, dataset: DatasetName, round: number, create: boolean, killAfterMs: number, from: 'ready' | 'first-commit'): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/journal/crash-writer.ts', dir, dek.toString('hex'), dataset, String(round), create ? 'create' : 'open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const committed: string[] = [];
    let finished = false;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'READY' && from === 'ready') setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line === 'DONE') finished = true;
        else if (line.startsWith('C ')) {
          if (committed.length === 0 && from === 'first-commit') setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          committed.push(line.slice(2));
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`writer failed (${code}): ${stderr}`));
      else resolve({ committed, finished });
    });
  });
}

/** Runs the kill rounds for one dataset; removes its temp folder at the end. */
export async function crashRounds(dataset: DatasetName, killWindowMs: [number, number]): Promise<void> {
  const { dir: root, cleanup } = await tempDir(`floe-crash-${dataset}-`);
  try {
    await roundsIn(root, dataset, killWindowMs);
  } finally {
    await cleanup();
  }
}

async function roundsIn(root: string, dataset: DatasetName, killWindowMs: [number, number]): Promise<void> {
  const expected = new Map<string, string>();
  let committedTotal = 0;
  let dek = randomBytes(32);
  let dir = '';
  for (let round = 0; round < ROUNDS_PER_DATASET; round++) {
    const fresh = round % ROUNDS_PER_JOURNAL === 0;
    if (fresh) {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = join(root, `j${round}`);
      dek = randomBytes(32);
      expected.clear();
    }
    const files = datasetFiles(dataset, round);
    for (const f of files) expected.set(f.path, `${f.size}`);
    const killAfter = killWindowMs[0] + Math.floor(Math.random() * (killWindowMs[1] - killWindowMs[0]));
    const { committed } = await runChild(dir, dek, dataset, round, fresh, killAfter, round % 2 === 0 ? 'ready' : 'first-commit');
    committedTotal += committed.length;

    const journal = await Journal.open(dir, new KeyRing(SecretKey.fromBytes(Buffer.from(dek))));
    try {
      const report = await verifyJournal(journal);
      expect(report.problems, `round ${round}: verify after SIGKILL at ${killAfter} ms`).toEqual([]);
      const catalog = new Map<string, Awaited<ReturnType<Journal['getFile']>>>();
      for await (const e of journal.files()) catalog.set(e.path.toString(), e);
      // Every file reported committed is there, byte-identical.
      for (const path of committed) {
        const entry = catalog.get(path);
        expect(entry, `round ${round}: committed ${path} is missing`).toBeDefined();
      }
      // Nothing uncommitted appears: every entry is a whole, correct file of the dataset.
      for (const [path, entry] of catalog) {
        const size = Number(expected.get(path));
        expect(entry!.size, `${path} size`).toBe(size);
        expect(entry!.sha256.toString('hex'), `${path} recorded SHA-256`).toBe(await sha256Of(path, size));
        if (dataset === 'small' || committed.includes(path)) {
          const h = createHash('sha256');
          for await (const piece of journal.readFile(entry!)) h.update(piece);
          expect(h.digest('hex'), `${path} read back`).toBe(entry!.sha256.toString('hex'));
        }
      }
    } finally {
      await journal.close();
    }
  }
  expect(committedTotal).toBeGreaterThan(0);
}

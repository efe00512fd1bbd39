// Issue 24, Must-show: an ingest of 20,000 small files (1 B to 64 KiB, seeded content) from a
// file:// folder, run by a child process the way `floe serve` runs it (the device unlocked, a task
// execution of the TaskService, TransferMode CHANGED), is SIGKILLed at a random moment in each of
// 50 rounds; every round resumes the same journal. After every kill the device unlocks (the
// journal opens, its torn tail cut and the records since the index's watermark replayed without a
// problem) and every file entry in the journal is a whole file of the source: its recorded size
// and SHA-256 are those of the file written (nothing partial or uncommitted appears); the entries
// of the earlier rounds are all still there, the same; the round added at least as many as the
// child had reported transferred (committed) before the kill; 500 entries (those new in the round
// first) read back byte-identical. The full verify (hash chain, every record and chunk, the
// catalog against the segments) runs every 10 rounds: it reads the whole journal, too slow for
// every round. A last run to the end skips exactly the files committed in the rounds and transfers the
// rest; then the journal verifies and all 20,000 files read back byte-identical.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Device } from '../../appliance/lifecycle/device.js';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import { smallFileTree, writeDataset } from '../journal/dataset.js';
import { provisionDevice, type ProvisionedDevice } from '../support/daemon-process.js';
import { between, pause, startCrashChild, type CrashChild } from '../transfer/crash-child.js';

const FILES = 20_000;
const ROUNDS = 50;
const VERIFY_EVERY = 10;
const SAMPLE = 500;
// The rounds must not finish the ingest: at 512 KiB/s (plus the throttle's one-second burst at
// each start) 50 rounds of at most 0.8 s after the first progress line cover under 50 MB of the
// dataset's 59 MB, whatever the machine's speed. The last run has no limit.
const BYTES_PER_SECOND = 512 * 1024;
const KILL_WINDOW_MS: [number, number] = [100, 800];

interface SourceFacts {
  readonly sha256: Map<string, string>;
  readonly sizes: Map<string, number>;
  readonly dirs: Set<string>;
}

interface JournalCheck {
  /** Every file entry: path -> recorded SHA-256. */
  readonly files: Map<string, string>;
  readonly folders: number;
  /** Everything found wrong, as text (empty when all is well). */
  readonly problems: string[];
  readonly tornBytes: number;
  readonly replayedRecords: number;
}

let dev: ProvisionedDevice | undefined;
/** The last child started: killed at the end if a failure left it running. */
let running: CrashChild | undefined;
afterAll(async () => {
  if (running !== undefined && running.process.exitCode === null && running.process.signalCode === null) {
    running.process.kill('SIGKILL');
    await running.exited;
  }
  await dev?.cleanup();
});

function startIngest(p: ProvisionedDevice, source: string, bytesPerSecond: number): CrashChild {
  return (running = startCrashChild('test/ingest/ingest-crash-child.ts', [p.dataDir, p.manifestPath, p.code, pathToFileURL(source).href, String(bytesPerSecond)]));
}

async function readBack(device: Device, entry: FileEntry): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const piece of device.journal().readFile(entry)) {
    h.update(piece);
    size += piece.length;
  }
  return { sha256: h.digest('hex'), size };
}

/**
 * Unlocks the device as the daemon does after a crash and checks its journal against the source
 * and the previous check; collects every problem. `readAll` reads every file back, else a sample.
 */
async function checkJournal(p: ProvisionedDevice, manifest: Buffer, source: SourceFacts, before: Map<string, string>, how: { verify: boolean; readAll: boolean }): Promise<JournalCheck> {
  const device = await Device.load(p.dataDir);
  await device.unlock(manifest, p.code);
  try {
    const journal = device.journal();
    const problems = journal.recovery.problems.map((x) => `recovery: ${x.message}`);
    if (how.verify) problems.push(...(await device.verifyJournal()).problems.map((x) => `verify: ${x.message}`));
    const files = new Map<string, string>();
    const entries: FileEntry[] = [];
    let folders = 0;
    for await (const entry of journal.files()) {
      const path = entry.path.toString();
      if (entry.type === 'directory') {
        folders++;
        if (!source.dirs.has(path)) problems.push(`unexpected folder ${path}`);
        continue;
      }
      const sha256 = entry.sha256.toString('hex');
      if (entry.type !== 'file' || !source.sha256.has(path)) problems.push(`unexpected ${entry.type} ${path}`);
      else if (entry.size !== source.sizes.get(path) || sha256 !== source.sha256.get(path)) problems.push(`${path}: recorded ${entry.size} B ${sha256}, the source has ${source.sizes.get(path)} B ${source.sha256.get(path)}`);
      files.set(path, sha256);
      entries.push(entry);
    }
    for (const [path, sha256] of before) if (files.get(path) !== sha256) problems.push(`${path}: committed before, now ${files.get(path) ?? 'missing'}`);
    const fresh = entries.filter((e) => !before.has(e.path.toString()));
    const old = entries.filter((e) => before.has(e.path.toString()));
    const sample = how.readAll ? entries : [...pick(fresh, SAMPLE), ...pick(old, Math.max(0, SAMPLE - fresh.length))];
    for (const entry of sample) {
      const path = entry.path.toString();
      const got = await readBack(device, entry);
      if (got.sha256 !== source.sha256.get(path) || got.size !== source.sizes.get(path)) problems.push(`${path} reads back ${got.size} B ${got.sha256}`);
    }
    return { files, folders, problems, tornBytes: journal.recovery.tornBytes, replayedRecords: journal.recovery.replayedRecords };
  } finally {
    await device.close();
  }
}

/** Up to `n` of `items`, chosen at random. */
function pick<T>(items: readonly T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = between(0, i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

describe('ingest survives SIGKILL', () => {
  it(`${ROUNDS} SIGKILLs during an ingest of ${FILES} small files: after each, only whole committed files, none lost; then all ${FILES} identical`, { timeout: 900_000 }, async () => {
    const p = (dev = await provisionDevice(undefined, 'floe-ingest-crash-'));
    const manifest = await readFile(p.manifestPath);
    const sourceDir = join(p.root, 'source');
    const tree = smallFileTree(FILES);
    const source: SourceFacts = {
      sha256: await writeDataset(sourceDir, tree),
      sizes: new Map(tree.map((f) => [f.path, f.size])),
      dirs: new Set(tree.flatMap((f) => [dirname(f.path), dirname(dirname(f.path))])),
    };

    let committed = new Map<string, string>();
    let killsLanded = 0;
    let tornTails = 0;
    const perRound: number[] = [];
    const log: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = Date.now();
      const child = startIngest(p, sourceDir, BYTES_PER_SECOND);
      await child.progressed;
      const transferring = Date.now() - started;
      if (child.lines.some((l) => l.startsWith('DONE'))) throw new Error(`the ingest finished in round ${round}: lower BYTES_PER_SECOND\n${log.join('\n')}`);
      if (child.process.exitCode !== null) throw new Error(`the child exited in round ${round}: ${child.lines.join('\n')}`);
      const delay = between(...KILL_WINDOW_MS);
      await pause(delay);
      const wasRunning = child.process.exitCode === null && !child.lines.some((l) => l.startsWith('DONE'));
      child.process.kill('SIGKILL');
      const exit = await child.exited;
      if (wasRunning && exit.signal === 'SIGKILL') killsLanded++;

      const checking = Date.now();
      const check = await checkJournal(p, manifest, source, committed, { verify: round % VERIFY_EVERY === VERIFY_EVERY - 1, readAll: false });
      const added = check.files.size - committed.size;
      // The child was told of these commits (its last progress line before the kill): none is lost.
      const told = Number(child.lines.filter((l) => l.startsWith('F ')).at(-1)?.slice(2) ?? 0);
      if (added < told) check.problems.push(`the child reported ${told} files transferred; the journal has ${added} new files`);
      expect(check.problems, `round ${round}, killed ${delay} ms after the first progress`).toEqual([]);
      perRound.push(added);
      if (check.tornBytes > 0) tornTails++;
      log.push(
        `round ${round}: +${added} = ${check.files.size} files (the child told of ${told}); killed ${delay} ms after the first progress, ${transferring} ms after the start; ` +
          `torn tail ${check.tornBytes} B, ${check.replayedRecords} records replayed; checked in ${Date.now() - checking} ms`,
      );
      committed = check.files;
    }
    console.log(log.join('\n'));
    expect(killsLanded, 'every kill landed while the ingest ran').toBe(ROUNDS);
    expect(committed.size, 'the rounds committed files').toBeGreaterThan(0);
    expect(committed.size, 'and left files for the last run').toBeLessThan(FILES);

    const last = startIngest(p, sourceDir, -1);
    const exit = await last.exited;
    const done = last.lines.find((l) => l.startsWith('DONE')) ?? last.lines.slice(-5).join('\n');
    expect(done.split(' ').slice(0, 2).join(' '), done).toBe('DONE SUCCESS');
    expect(exit.code).toBe(0);
    const execution = JSON.parse(done.slice('DONE SUCCESS '.length)) as { FilesSkipped: number; FilesTransferred: number; FilesVerified: number; FilesFailed: Record<string, number> };
    // Nothing committed in a round was copied again; everything else was.
    expect({ skipped: execution.FilesSkipped, transferred: execution.FilesTransferred, verified: execution.FilesVerified, failed: execution.FilesFailed }).toEqual({
      skipped: committed.size, transferred: FILES - committed.size, verified: FILES, failed: { Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 },
    });

    const final = await checkJournal(p, manifest, source, committed, { verify: true, readAll: true });
    expect(final.problems).toEqual([]);
    expect([...final.files.keys()].sort()).toEqual([...source.sha256.keys()].sort());
    expect(final.folders).toBe(source.dirs.size);
    console.log(`kills landed ${killsLanded}, torn tails cut ${tornTails}; committed per round ${perRound.join(' ')}; last run transferred ${execution.FilesTransferred}, skipped ${execution.FilesSkipped}`);
  });
});

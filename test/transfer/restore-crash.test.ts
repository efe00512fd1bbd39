// Issue 23, Must-show: the daemon is SIGKILLed during a restore 10 times, each time restarted and
// unlocked again, and the restore is started again (`floe restore` through the CLI the last time).
// The final tree is identical to the source by an independent walk; no file complete on the
// target after one round is written again in a later round (its inode and ctime stay: a file is
// written to a part file and renamed, so writing it again would give it a new inode); no part file
// is left behind. Then `floe journal points`, `ls --point` and `history` through the CLI. The same
// rounds restore into an nfs-ganesha export through floe's NFS client (its export's folder is
// walked and its inodes compared the same way).
import { readdir, lstat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { walkTree, type SeenTree } from './restore-tree.js';

const ROUNDS = 10;
let dev: ProvisionedDevice;
let daemon: DaemonProcess | undefined;
let ganesha: Ganesha | undefined;
let pointId: string;
let original: SeenTree;
const noGanesha = ganeshaUnavailableReason();

async function startUnlocked(): Promise<DaemonProcess> {
  const d = await startDaemonProcess(dev.dataDir);
  const unlocked = await floe(['unlock', '--data', dev.dataDir, '--manifest', dev.manifestPath, '--code', dev.code]);
  expect(unlocked.status, unlocked.stderr).toBe(0);
  return d;
}

/** Complete files on the target (not part files): relative path -> "inode:ctime". */
async function completeFiles(root: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(join(root, rel));
  } catch {
    return out;
  }
  for (const name of names) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(join(root, path), { bigint: true });
    if (st.isDirectory()) for (const [k, v] of await completeFiles(root, path)) out.set(k, v);
    else if (!name.startsWith('.floe-part-')) out.set(path, `${st.ino}:${st.ctimeNs}`);
  }
  return out;
}

async function partFiles(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).filter((p) => p.split('/').at(-1)!.startsWith('.floe-part-'));
}

/**
 * ROUNDS restores into `targetUri` (whose files are in `targetDir`), each SIGKILLed while it runs:
 * every file complete after a round is the same file after every later one. Returns what was complete.
 */
async function killRounds(targetUri: string, targetDir: string): Promise<Map<string, string>> {
  const body = { target: targetUri, point: pointId, options: { BytesPerSecond: 24 * 1024 * 1024 } };
  const seen = new Map<string, string>();
  let killedWhileRunning = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await daemon!.client.post('/v1/restore', body);
    await new Promise((r) => setTimeout(r, 150 + ((round * 97) % 500)));
    // On a loaded machine the first rounds can all end before a file is complete: from the middle
    // round on, a round with nothing complete yet waits for one, so the rounds also kill after progress.
    for (let waited = 0; seen.size === 0 && round >= ROUNDS / 2 && waited < 30_000 && (await completeFiles(targetDir)).size === 0; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const state = (await daemon!.client.get<{ state: string }>('/v1/restore')).state;
    if (state === 'RUNNING') killedWhileRunning++;
    expect(await daemon!.kill('SIGKILL')).toBe('SIGKILL');
    // Every file complete before is the same file (same inode, same ctime): not written again.
    const now = await completeFiles(targetDir);
    for (const [path, id] of seen) expect(now.get(path), `${path} after round ${round + 1}`).toBe(id);
    for (const [path, id] of now) seen.set(path, id);
    daemon = await startUnlocked();
  }
  expect(killedWhileRunning, 'most kills land while the restore runs').toBeGreaterThanOrEqual(ROUNDS - 2);
  expect(seen.size, 'the rounds made progress').toBeGreaterThan(0);
  expect(seen.size, 'and the restore was not complete before the last run').toBeLessThan(original.entries.size);
  return seen;
}

/** The last run through the CLI, to its end: nothing complete before written again, no part file, the tree identical. */
async function finish(targetUri: string, targetDir: string, seen: Map<string, string>): Promise<void> {
  const last = await floe(['restore', '--to', targetUri, '--point', pointId, '--data', dev.dataDir, '--option', 'VerifyMode=POINT_IN_TIME_CONSISTENT', '--stats', '1s']);
  expect(last.status, last.stderr).toBe(0);
  expect(last.stdout).toMatch(/State: +COMPLETED\n/u);
  expect(last.stderr, 'progress lines while stdout is not a terminal').toMatch(/files/u);
  const after = await completeFiles(targetDir);
  for (const [path, id] of seen) expect(after.get(path), `${path} at the end`).toBe(id);
  expect(await partFiles(targetDir)).toEqual([]);
  const restored = await walkTree(targetDir);
  expect([...restored.entries.keys()].sort()).toEqual([...original.entries.keys()].sort());
  for (const [key, want] of original.entries) expect({ key, ...restored.entries.get(key) }).toEqual({ key, ...want });
}

beforeAll(async () => {
  dev = await provisionDevice(undefined, 'floe-restore-crash-');
  const share = join(dev.root, 'share');
  for (let d = 0; d < 8; d++) {
    await mkdir(join(share, `dir-${d}`), { recursive: true });
    for (let f = 0; f < 60; f++) await writeFile(join(share, `dir-${d}`, `f-${f}.bin`), Buffer.alloc(1024 * (1 + ((d * 60 + f) % 48)), (d * 60 + f) % 251));
  }
  for (let i = 0; i < 3; i++) await writeFile(join(share, `large-${i}.bin`), Buffer.alloc(12 << 20, 0x30 + i));
  daemon = await startUnlocked();
  const task = await daemon.client.post<{ TaskId: string }>('/v1/tasks', { Name: 'crash-share', SourceLocationUri: `file://${share}` });
  const started = await daemon.client.post<{ TaskExecutionId: string }>(`/v1/tasks/${task.TaskId}/executions`, {});
  const waited = await floe(['execution', 'wait', started.TaskExecutionId, '--data', dev.dataDir]);
  expect(waited.status, waited.stderr).toBe(0);
  pointId = started.TaskExecutionId;
  original = await walkTree(share);
});
afterAll(async () => {
  await daemon?.kill('SIGKILL');
  await ganesha?.stop();
  await dev?.cleanup();
});

describe('restore survives SIGKILL of the daemon', () => {
  it(`${ROUNDS} SIGKILLs during a restore into a folder, then it completes: the tree identical, nothing complete written twice, no part file left`, async () => {
    const target = join(dev.root, 'target');
    await mkdir(target);
    await finish(`file://${target}`, target, await killRounds(`file://${target}`, target));

    // The CLI's views of the point.
    const points = await floeJson<Array<{ id: string; files: number }>>(['journal', 'points', '--data', dev.dataDir]);
    expect(points.map((p) => [p.id, p.files])).toEqual([[pointId, original.entries.size]]);
    const ls = await floe(['journal', 'ls', 'dir-3', '--point', pointId, '--data', dev.dataDir]);
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout.split('\n').filter((l) => /f-\d+\.bin$/u.test(l))).toHaveLength(60);
    const history = await floeJson<{ versions: Array<{ points: string[]; deleted: boolean }> }>(['journal', 'history', 'large-1.bin', '--data', dev.dataDir]);
    expect(history.versions).toMatchObject([{ deleted: false, points: [pointId] }]);
    const missing = await floe(['restore', '--to', `file://${target}`, '--point', 'exec-nope', '--data', dev.dataDir, '--json']);
    expect(missing.status).toBe(3);
    expect(JSON.parse(missing.stderr)).toMatchObject({ code: 'NOT_FOUND', message: 'recovery point exec-nope does not exist: floe journal points lists the 1 there are' });
  }, 240_000);

  it.skipIf(noGanesha !== undefined)(`${ROUNDS} SIGKILLs during a restore into an nfs-ganesha export, then it completes: the tree identical, nothing complete written twice, no part file left`, async () => {
    const exportDir = join(dev.root, 'export');
    await mkdir(join(exportDir, 'restored'), { recursive: true });
    ganesha = await startGanesha({ exportDir, attrExpirationSeconds: 0 });
    const target = join(exportDir, 'restored');
    await finish(ganesha.uri('restored'), target, await killRounds(ganesha.uri('restored'), target));
  }, 240_000);
});

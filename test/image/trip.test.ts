// The whole trip with dist/floe itself (issue 8): the binary copied where no node_modules is in
// reach, an empty HOME, a bare environment; real servers on loopback (nfs-ganesha where it can
// run, else a local folder; s3rver). provision, serve, unlock, ingest, lock, restart (shipping),
// unlock at the facility, import (checking the imported bytes), report, erase.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../harness/s3-admin.js';
import { ganeshaUnavailableReason, startGanesha, type Ganesha } from '../harness/ganesha.js';
import { startS3rver, type S3rverServer } from '../harness/s3rver.js';
import { ensureImage } from './image-build.js';
import { binarySandbox, nodeModulesInReach, type Sandbox } from './sandbox.js';
import { testJobSpec } from '../support/test-job.js';

let box: Sandbox;
let s3: S3rverServer;
let nfs: Ganesha | undefined;
let daemon: ChildProcess | undefined;
let env: Record<string, string>;
const BUCKET = 'floe-trip';

const paths = () => ({
  source: join(box.root, 'source'),
  data: join(box.root, 'device'),
  station: join(box.root, 'station'),
  efs: join(box.root, 'facility-efs'),
});

/** Runs dist/floe; fails the test with its stderr unless it exits 0. */
function floe(...args: string[]): string {
  const r = box.run(args, env);
  if (r.status !== 0) throw new Error(`floe ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
function floeJson<T>(...args: string[]): T {
  return JSON.parse(floe(...args, '--json')) as T;
}

async function startDaemon(): Promise<void> {
  const child = box.spawn(['serve', '--listen', '127.0.0.1:0'], env);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  daemon = child;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    if (box.run(['status'], env).status === 0) return;
    await sleep(100);
  }
  throw new Error(`floe serve did not start: ${log}`);
}

async function stopDaemon(): Promise<void> {
  const child = daemon;
  daemon = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Sample data: small and mid-size files, an empty file, a duplicate, a symlink, nested folders. */
async function writeSampleData(root: string): Promise<void> {
  await mkdir(join(root, 'projects/alpha'), { recursive: true });
  await mkdir(join(root, 'projects/beta/raw'), { recursive: true });
  await mkdir(join(root, 'home/tech'), { recursive: true });
  for (let i = 1; i <= 30; i++) await writeFile(join(root, `home/tech/note-${i}.txt`), `note ${i}\n`.repeat(i * 11));
  for (let i = 1; i <= 12; i++) await writeFile(join(root, `projects/alpha/sample-${i}.bin`), seeded(i * 5_003, i));
  await writeFile(join(root, 'projects/beta/raw/scan-large.bin'), seeded(3 * 1024 * 1024 + 7, 99));
  await writeFile(join(root, 'projects/beta/duplicate.bin'), seeded(3 * 5_003, 3));
  await writeFile(join(root, 'projects/beta/empty.txt'), '');
  await symlink('../alpha/sample-1.bin', join(root, 'projects/beta/link-to-sample-1'));
}

function seeded(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(`seed ${seed}`).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** Relative path -> SHA-256 of every regular file under `root`. */
async function fileHashes(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.set(relative(root, p), createHash('sha256').update(await readFile(p)).digest('hex'));
    }
  };
  await walk(root);
  return out;
}

beforeAll(async () => {
  const image = await ensureImage();
  box = await binarySandbox(image.binary);
  const p = paths();
  await writeSampleData(p.source);
  await mkdir(p.efs);
  s3 = await startS3rver();
  await s3.createBucket(BUCKET);
  if (ganeshaUnavailableReason() === undefined) nfs = await startGanesha({ exportDir: p.source });
  // The daemon finds S3 credentials through the SDK's usual chain; FLOE_DATA names the device.
  env = { FLOE_DATA: p.data, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region };
}, 600_000);

afterAll(async () => {
  await stopDaemon();
  await nfs?.stop();
  await s3?.stop();
  await box?.cleanup();
});

describe('the whole trip with dist/floe', () => {
  let manifest: string;
  let code: string;

  it('provisions a job from an empty HOME with no node_modules in reach', async () => {
    expect(nodeModulesInReach(box.root)).toEqual([]);
    const p = paths();
    const job = testJobSpec('trip test', [{ uri: `s3://${BUCKET}/imports`, endpoint: s3.endpoint, region: s3.region, forcePathStyle: true }, { uri: `efs://${p.efs}` }]);
    await writeFile(join(box.root, 'job.json'), JSON.stringify(job));
    const out = floeJson<{ manifestPath: string; unlockCode: string; jobId: string }>('provision', '--job', join(box.root, 'job.json'), '--data', p.data, '--out', p.station);
    manifest = out.manifestPath;
    code = out.unlockCode;
    expect(code).toMatch(/^[A-Z0-9]{5}(-[A-Z0-9]{5}){4}$/);
    expect(out.jobId).toMatch(/^JID/);
  });

  it('serves and unlocks on site', async () => {
    await startDaemon();
    expect(floeJson<{ state: string; unlocked: boolean }>('status')).toMatchObject({ state: 'PROVISIONED', unlocked: false });
    expect(floeJson<{ state: string; unlocked: boolean }>('unlock', '--manifest', manifest, '--code', code)).toMatchObject({ state: 'ON_SITE', unlocked: true });
  });

  it('shows the device on the console UI (floe ui, as floe-ui.service runs it)', async () => {
    const session = `floe-image-ui-${process.pid}`;
    const vars = Object.entries({ ...box.env, ...env, TERM: 'xterm', NO_COLOR: '1' }).map(([k, v]) => `${k}=${v}`);
    const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
    expect(tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', 'env', '-i', ...vars, box.floe, 'ui').status).toBe(0);
    try {
      let screen = '';
      for (let i = 0; i < 100 && !/State ON_SITE/.test(screen); i++) {
        await sleep(200);
        screen = tmux('capture-pane', '-p', '-t', session).stdout;
      }
      expect(screen).toContain('State ON_SITE (WithCustomer)');
      expect(screen).toContain('keys held');
    } finally {
      tmux('kill-session', '-t', session);
    }
  });

  it(`ingests the share into the journal (${ganeshaUnavailableReason() === undefined ? 'nfs-ganesha' : 'a local folder'})`, async () => {
    const source = nfs ? nfs.uri() : `file://${paths().source}`;
    floe('task', 'create', '--name', 'share', '--source', source);
    const started = floeJson<{ TaskExecutionId: string }>('task', 'start', 'share');
    floe('execution', 'wait', started.TaskExecutionId, '--interval', '200');
    const done = floeJson<{ Status: string; FilesTransferred: number; FilesVerified: number; BytesWritten: number; FileProblemCount: number }>(
      'execution',
      'describe',
      started.TaskExecutionId,
    );
    const expected = await fileHashes(paths().source);
    let bytes = 0;
    for (const f of expected.keys()) bytes += (await readFile(join(paths().source, f))).length;
    expect(done.Status).toBe('SUCCESS');
    expect(done.FileProblemCount).toBe(0);
    expect(done.BytesWritten).toBe(bytes);
    expect(done.FilesTransferred).toBeGreaterThanOrEqual(expected.size);
  });

  it('locks, survives a restart (shipping) and unlocks at the facility with the seal checked', async () => {
    const locked = floeJson<{ sealFingerprint: string }>('lock');
    expect(locked.sealFingerprint).toMatch(/^[0-9a-f]{32}$/);
    await stopDaemon();
    await startDaemon();
    expect(floeJson<{ state: string; unlocked: boolean }>('status')).toMatchObject({ state: 'LOCKED', unlocked: false });
    expect(floeJson<{ state: string; sealFingerprint: string }>('unlock', '--manifest', manifest, '--code', code)).toMatchObject({
      state: 'AT_FACILITY',
      sealFingerprint: locked.sealFingerprint,
    });
  });

  it('imports into S3 and a folder with every byte as it was at the source', async () => {
    const p = paths();
    const result = floeJson<{ state: string; destinations: Array<{ counters: { FilesTransferred: number; FilesVerified: number; FilesFailed?: unknown } }> }>('import');
    expect(result.state).toBe('COMPLETED');
    expect(result.destinations).toHaveLength(2);
    expect(floeJson<{ state: string }>('status').state).toBe('IMPORTED');

    const expected = await fileHashes(p.source);
    // The folder: the same regular files with the same bytes, and the symlink as a symlink.
    expect(await fileHashes(p.efs)).toEqual(expected);
    expect(await readlink(join(p.efs, 'projects/beta/link-to-sample-1'))).toBe('../alpha/sample-1.bin');
    // S3: one object per regular file under the prefix, with the same bytes.
    const inS3 = await s3Hashes(`imports/`);
    for (const [path, sha256] of expected) expect(inS3.get(path), path).toBe(sha256);
  });

  it('writes the job completion report', async () => {
    const out = join(box.root, 'report');
    const text = floe('report', '--out', out);
    expect(text).toMatch(/: Completed\n/);
    expect((await readdir(out)).sort()).toEqual(['failure-log.csv', 'success-log.csv', 'summary.json', 'summary.txt']);
    expect((await readFile(join(out, 'failure-log.csv'), 'utf8')).trimEnd().split('\r\n')).toHaveLength(1); // the header only
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { status: string };
    expect(summary.status).toBe('Completed');
  });

  it('erases the device once the import is complete', () => {
    const erased = floeJson<{ erasedAt: string; forced: boolean; filesOverwritten: number }>('erase', '--yes');
    expect(erased.forced).toBe(false);
    expect(erased.filesOverwritten).toBeGreaterThan(0);
    // An erased device holds no job: its status names no job, device or keys.
    expect(floeJson('status')).toEqual({ state: 'ERASED', snowballJobState: 'Complete', since: erased.erasedAt });
  });
});

/** Key (without `prefix`) -> SHA-256 of every non-directory object under `prefix`. */
async function s3Hashes(prefix: string): Promise<Map<string, string>> {
  const client = adminClient(s3);
  const out = new Map<string, string>();
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (o.Key!.endsWith('/')) continue;
        const body = await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }))).Body!.transformToByteArray();
        out.set(o.Key!.slice(prefix.length), createHash('sha256').update(body).digest('hex'));
      }
      token = page.NextContinuationToken;
    } while (token !== undefined);
  } finally {
    client.destroy();
  }
  return out;
}

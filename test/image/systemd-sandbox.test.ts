// The real daemon under floe.service's restrictions, without systemd as PID 1 (issue 26). systemd
// cannot apply the unit here, so the test rebuilds the parts that are plain kernel features from the
// unit file itself (not a copy of it): bubblewrap gives the read-only root (ProtectSystem=strict),
// the writable paths (ReadWritePaths, StateDirectory), a private /tmp, /dev, IPC and hostname;
// setpriv gives a non-root uid (DynamicUser/User), the bounding, ambient and inheritable
// capabilities, and no-new-privs. Then status, unlock, an ingest of files only CAP_DAC_READ_SEARCH
// can read, and lock. Not reproduced (systemd's own seccomp and mounts): SystemCallFilter,
// SystemCallArchitectures, RestrictAddressFamilies, RestrictNamespaces, LockPersonality,
// RestrictRealtime, RestrictSUIDSGID, ProtectKernel*, ProtectControlGroups, ProtectProc
// (docs/operations.md, "The service's sandbox").
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../appliance/cli/api-client.js';
import { floeJson, provisionDevice, type ProvisionedDevice } from '../support/daemon-process.js';
import { unitSettings, words } from './systemd-unit.js';

const UNIT = unitSettings('image/systemd/floe.service');
const SERVICE_UID = 61234; // what a DynamicUser= allocation looks like: not root, owns nothing else
const canSandbox = process.getuid?.() === 0 && spawnSync('bwrap', ['--version']).status === 0 && spawnSync('setpriv', ['--version']).status === 0;

const yes = (key: string): boolean => (UNIT.get(key)?.at(-1) ?? 'no') === 'yes';
/** CAP_DAC_READ_SEARCH CAP_X -> "-all,+dac_read_search,+x" for setpriv. */
const capList = (key: string): string => ['-all', ...words(UNIT, key).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)].join(',');

let dev: ProvisionedDevice;
let daemon: ChildProcess | undefined;
let out = '';
let share: string | undefined;

/** bwrap + setpriv arguments for the unit's restrictions, with its paths mapped to the test's. */
function sandboxArgs(dataDir: string, cacheDir: string): string[] {
  expect(UNIT.get('ProtectSystem')).toEqual(['strict']);
  const args = ['--ro-bind', '/', '/', '--die-with-parent', '--new-session', '--unshare-pid', '--proc', '/proc'];
  if (yes('PrivateTmp')) args.push('--perms', '1777', '--tmpfs', '/tmp');
  // The checkout may itself live under /tmp (a CI clone): keep it visible, read-only, as the binary is on a device.
  if (process.cwd().startsWith('/tmp/')) args.push('--ro-bind', process.cwd(), process.cwd());
  if (yes('PrivateDevices')) args.push('--dev', '/dev');
  if (yes('PrivateIPC')) args.push('--unshare-ipc');
  if (yes('ProtectHostname')) args.push('--unshare-uts');
  // The unit's writable paths; StateDirectory and CacheDirectory are the test's own folders.
  const mapped: Record<string, string> = { '/var/lib/floe': dataDir, '/var/cache/floe': cacheDir };
  for (const w of words(UNIT, 'ReadWritePaths')) {
    const optional = w.startsWith('-');
    const path = mapped[w.replace(/^-/, '')] ?? w.replace(/^-/, '');
    if (optional && !existsSync(path)) continue;
    args.push('--bind', path, path);
  }
  args.push('--', 'setpriv');
  if (yes('DynamicUser') || UNIT.has('User')) args.push(`--reuid=${SERVICE_UID}`, `--regid=${SERVICE_UID}`, '--clear-groups');
  args.push(`--bounding-set=${capList('CapabilityBoundingSet')}`, `--inh-caps=${capList('AmbientCapabilities')}`, `--ambient-caps=${capList('AmbientCapabilities')}`);
  if (yes('NoNewPrivileges')) args.push('--no-new-privs');
  return args;
}

beforeAll(async () => {
  if (!canSandbox) return;
  dev = await provisionDevice(undefined, 'floe-sandbox-');
  const cacheDir = join(dev.root, 'cache');
  await mkdir(cacheDir);
  // systemd chowns StateDirectory/CacheDirectory to the service's user; the parent stays root's.
  for (const d of [dev.dataDir, cacheDir]) spawnSync('chown', ['-R', `${SERVICE_UID}:${SERVICE_UID}`, d]);
  const bin = join(process.cwd(), 'appliance/cli/bin.ts');
  daemon = spawn('bwrap', [...sandboxArgs(dev.dataDir, cacheDir), process.execPath, '--import', 'tsx', bin, 'serve', '--data', dev.dataDir, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, TMPDIR: '/tmp', HOME: '/tmp', PKG_NATIVE_CACHE_PATH: cacheDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  daemon.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`floe serve did not start in 30 s:\n${out}`)), 30_000);
    daemon!.stdout!.on('data', () => {
      if (/listening on \S+/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    daemon!.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`floe serve exited (${signal ?? code}) in the sandbox:\n${out}`));
    });
  });
}, 60_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    const exited = new Promise((r) => daemon!.once('exit', r));
    daemon.kill('SIGTERM');
    await exited;
  }
  await dev?.cleanup();
  if (share) await rm(share, { recursive: true, force: true });
});

interface Execution {
  Status: string;
  FilesTransferred: number;
  BytesTransferred: number;
}

describe.skipIf(!canSandbox)("floe serve under floe.service's restrictions (bubblewrap + setpriv)", () => {
  it('runs as the unit says: not root, only the unit capabilities, no new privileges', async () => {
    const pid = /^(\d+)$/m.exec(spawnSync('pgrep', ['-P', String(daemon!.pid)], { encoding: 'utf8' }).stdout)?.[1];
    // bwrap's child is the pid-namespace init; the daemon is its child or itself.
    const pids = [pid, ...spawnSync('pgrep', ['-f', `serve --data ${dev.dataDir}`], { encoding: 'utf8' }).stdout.split('\n')].filter((p): p is string => !!p);
    const statuses = await Promise.all(pids.map((p) => readFile(`/proc/${p}/status`, 'utf8').catch(() => '')));
    const node = statuses.find((s) => /^Name:\s+node/m.test(s));
    expect(node, statuses.join('\n---\n')).toBeDefined();
    expect(/^Uid:\s+(\d+)/m.exec(node!)![1]).toBe(String(SERVICE_UID));
    expect(/^CapEff:\s+(\S+)/m.exec(node!)![1]).toBe('0000000000000004'); // CAP_DAC_READ_SEARCH only
    expect(/^CapBnd:\s+(\S+)/m.exec(node!)![1]).toBe('0000000000000004');
    expect(/^NoNewPrivs:\s+(\d)/m.exec(node!)![1]).toBe('1');
  });

  it('answers status, unlocks, ingests files only CAP_DAC_READ_SEARCH can read, and locks', async () => {
    expect((await floeJson<{ state: string }>(['status', '--data', dev.dataDir])).state).toBe('PROVISIONED');
    const unlocked = await floeJson<{ state: string }>(['unlock', '--data', dev.dataDir, '--manifest', dev.manifestPath, '--code', dev.code]);
    expect(unlocked.state).toBe('ON_SITE');

    // Another user's files: a root-owned 0700 folder of 0600 files, outside /tmp (PrivateTmp hides
    // the host's /tmp from the daemon, as on the device).
    await mkdir('.tmp', { recursive: true });
    share = await mkdtemp(join(process.cwd(), '.tmp', 'sandbox-share-'));
    for (let i = 0; i < 5; i++) await writeFile(join(share, `file-${i}.bin`), Buffer.alloc(4096 + i, i));
    for (let i = 0; i < 5; i++) await chmod(join(share, `file-${i}.bin`), 0o600);
    await chown(share, 0, 0);
    await chmod(share, 0o700);

    const client = await ApiClient.forDataDir(dev.dataDir);
    const task = await client.post<{ TaskId: string }>('/v1/tasks', { Name: 'sandboxed', SourceLocationUri: `file://${share}` });
    const started = await client.post<{ TaskExecutionId: string }>(`/v1/tasks/${task.TaskId}/executions`, {});
    let exec: Execution = { Status: 'QUEUED', FilesTransferred: 0, BytesTransferred: 0 };
    for (let t = 0; t < 120 && !['SUCCESS', 'ERROR'].includes(exec.Status); t++) {
      await new Promise((r) => setTimeout(r, 250));
      exec = await client.get<Execution>(`/v1/executions/${started.TaskExecutionId}`);
    }
    expect(exec, JSON.stringify(exec) + out).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 5, BytesTransferred: 5 * 4096 + 10 });

    const label = await floeJson<Record<string, unknown>>(['lock', '--data', dev.dataDir]);
    expect(label).toBeTypeOf('object');
    expect((await floeJson<{ state: string }>(['status', '--data', dev.dataDir])).state).toBe('LOCKED');
  }, 90_000);
});

// A place to run dist/floe the way a device does: a copy of the binary in a temp folder with no
// node_modules above it, an empty HOME, and a bare environment (like `env -i`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Sandbox {
  readonly root: string;
  readonly floe: string;
  readonly home: string;
  readonly env: Record<string, string>;
  run(args: string[], extraEnv?: Record<string, string>): RunResult;
  spawn(args: string[], extraEnv?: Record<string, string>): ChildProcess;
  cleanup(): Promise<void>;
}

/** Folders named node_modules in `dir` or above it (there must be none for the binary's tests). */
export function nodeModulesInReach(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(join(d, 'node_modules'));
    if (dirname(d) === d) return found;
  }
}

export async function binarySandbox(binary: string): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'floe-image-'));
  const home = join(root, 'home');
  await mkdir(home);
  await mkdir(join(root, 'bin'));
  const floe = join(root, 'bin', 'floe');
  await copyFile(binary, floe);
  const env = { HOME: home, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
  const live = new Set<ChildProcess>();
  return {
    root,
    floe,
    home,
    env,
    run: (args, extraEnv = {}) => {
      const r = spawnSync(floe, args, { cwd: root, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    spawn: (args, extraEnv = {}) => {
      const child = spawn(floe, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      live.add(child);
      child.once('exit', () => live.delete(child));
      return child;
    },
    cleanup: async () => {
      for (const child of live) child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    },
  };
}

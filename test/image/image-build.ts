// The image for tests: `make image` output (dist/floe and the firmware bundle), built once and
// reused while no source is newer than it. Test files running in parallel share one build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { FLOE_VERSION } from '../../appliance/version.js';

export const ROOT = process.cwd();
export const BINARY = join(ROOT, 'dist/floe');
export const BUNDLE = join(ROOT, `dist/floe-${FLOE_VERSION}-linux-x64.tar.gz`);
const LOCK = join(ROOT, '.tmp/image-build.lock');
const SOURCES = ['appliance', 'provisioning', 'ui', 'image', 'package-lock.json'];

function newestSource(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return /\.test\.tsx?$/.test(path) ? 0 : st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestSource(join(path, name)));
  return newest;
}

function fresh(): boolean {
  if (!existsSync(BINARY) || !existsSync(BUNDLE)) return false;
  const built = Math.min(statSync(BINARY).mtimeMs, statSync(BUNDLE).mtimeMs);
  return SOURCES.every((s) => newestSource(join(ROOT, s)) <= built);
}

/** Builds the image unless an up-to-date one exists (FLOE_IMAGE_REUSE=1 reuses any existing one). */
export async function ensureImage(): Promise<{ binary: string; bundle: string }> {
  const reuse = process.env.FLOE_IMAGE_REUSE === '1' && existsSync(BINARY) && existsSync(BUNDLE);
  while (!reuse && !fresh()) {
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    try {
      mkdirSync(LOCK);
    } catch {
      // Another test file is building; a lock older than 5 minutes was left by a killed run.
      if (Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000) rmSync(LOCK, { recursive: true, force: true });
      await sleep(1_000);
      continue;
    }
    try {
      const result = spawnSync('bash', ['image/build.sh'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (result.status !== 0) throw new Error(`make image failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
    break;
  }
  return { binary: BINARY, bundle: BUNDLE };
}

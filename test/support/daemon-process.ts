// The daemon as a process, the way a device runs it: provision a device in a temp folder, start
// `floe serve` (through tsx), run CLI commands against it, kill it with any signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../appliance/cli/api-client.js';
import { provision } from '../../provisioning/provision.js';
import { FAST_SCRYPT, testJobSpec } from './test-job.js';

export { FAST_SCRYPT };
export const TEST_JOB_SPEC = testJobSpec('daemon test');

// `node --import tsx` rather than the tsx wrapper: one process, so SIGKILL reaches the daemon itself.
const NODE_ARGS = ['--import', 'tsx'];
const BIN = join(process.cwd(), 'appliance/cli/bin.ts');

export interface ProvisionedDevice {
  readonly root: string;
  readonly dataDir: string;
  readonly outDir: string;
  readonly manifestPath: string;
  readonly code: string;
  readonly jobId: string;
  cleanup(): Promise<void>;
}

/** A freshly provisioned device in a temp folder (cheap scrypt so unlocks are fast). */
export async function provisionDevice(jobSpec: Record<string, unknown> = TEST_JOB_SPEC, prefix = 'floe-daemon-'): Promise<ProvisionedDevice> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  const outDir = join(root, 'out');
  const p = await provision({ jobSpec, dataDir, outDir, scrypt: FAST_SCRYPT });
  return { root, dataDir, outDir, manifestPath: p.manifestPath, code: p.unlockCode, jobId: p.jobId, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `floe ARGS` to completion. */
export function floe(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `floe ARGS --json`, expects exit 0 and returns the parsed object. */
export async function floeJson<T = Record<string, unknown>>(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const r = await floe([...args, '--json'], env);
  if (r.status !== 0) throw new Error(`floe ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly client: ApiClient;
  /** Sends `signal` and waits for the process to exit; returns its exit code or signal. */
  kill(signal?: NodeJS.Signals): Promise<number | string | null>;
  output(): string;
}

// Daemons still running when the test process exits (a timed-out test, a crash) go with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `floe serve --data DIR --listen 127.0.0.1:0` and waits until it listens. */
export async function startDaemonProcess(dataDir: string, env: NodeJS.ProcessEnv = {}, extraArgs: readonly string[] = []): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, BIN, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', ...extraArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`floe serve did not start in 30 s:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`floe serve exited (${how}) before listening:\n${out}`));
    });
  });
  const token = (await readFile(join(dataDir, 'device', 'api-token'), 'utf8').catch(() => '')).trim();
  return {
    child,
    url,
    client: new ApiClient({ url, token }),
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    output: () => out,
  };
}

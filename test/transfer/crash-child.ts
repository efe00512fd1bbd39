// A child process the crash tests SIGKILL (import-crash.test.ts, copy-crash.test.ts): its stdout
// lines, a promise that resolves at its first progress line ("P <bytes>" with bytes > 0), its
// "DONE" line or its exit, and its exit with the tail of stderr when it failed by itself.
import { spawn, type ChildProcess } from 'node:child_process';

export interface CrashChild {
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly progressed: Promise<void>;
}

/** Runs `script` (a .ts file, through tsx) with `args`. */
export function startCrashChild(script: string, args: readonly string[]): CrashChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  let onProgress!: () => void;
  const progressed = new Promise<void>((resolve) => (onProgress = resolve));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      if ((line.startsWith('P ') && Number(line.slice(2)) > 0) || line.startsWith('DONE')) onProgress();
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0) lines.push(`STDERR ${stderr.slice(-3000)}`);
      onProgress();
      resolve({ code, signal });
    }),
  );
  return { process: child, lines, exited, progressed };
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A random integer in [lo, hi). */
export const between = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo));

// A terminal for UI tests: a detached tmux session of a given size running one command, keys sent
// one at a time with a pause (keys sent together arrive as one chunk), the screen read as text.
//
// The shell in the pane prints `[exited N]` when the command ends, and the command's stderr goes to
// a file that a failed wait quotes. tmux's own "Pane is dead (status N)" is not used: tmux 3.3 built
// with libutempter resets SIGCHLD while its utmp helper runs as the pane closes, and when the
// command exits in that moment tmux never reaps it and never prints the status.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const KEY_PAUSE_MS = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class TmuxSession {
  readonly name: string;
  readonly #scratch: string;

  private constructor(name: string, scratch: string) {
    this.name = name;
    this.#scratch = scratch;
  }

  static async start(command: string, options: { width?: number; height?: number; cwd?: string; env?: Record<string, string> } = {}): Promise<TmuxSession> {
    const name = `floe-ui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const scratch = mkdtempSync(join(tmpdir(), 'floe-tmux-'));
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
    const args = ['new-session', '-d', '-s', name, '-x', String(options.width ?? 80), '-y', String(options.height ?? 24)];
    if (options.cwd) args.push('-c', options.cwd);
    // The trailing sleep keeps the pane, with what the program last printed and its exit status.
    const stderr = shellQuote(join(scratch, 'stderr'));
    await run('tmux', [...args, `env ${env} ${command} 2>${stderr}; echo "[exited $?]"; sleep 600`]);
    return new TmuxSession(name, scratch);
  }

  /** The visible screen, one string per row, trailing blanks trimmed. */
  async capture(): Promise<string> {
    const { stdout } = await run('tmux', ['capture-pane', '-p', '-t', this.name]);
    return stdout.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '');
  }

  /** The visible screen with its SGR escape sequences (colours, bold, inverse). */
  async captureStyled(): Promise<string> {
    const { stdout } = await run('tmux', ['capture-pane', '-p', '-e', '-t', this.name]);
    return stdout;
  }

  /** Sends named keys (Enter, Escape, Tab, Up, ...) one by one. */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) {
      await run('tmux', ['send-keys', '-t', this.name, k]);
      await sleep(KEY_PAUSE_MS);
    }
  }

  /** Types text literally (arrives as one chunk, as a paste does). */
  async type(text: string): Promise<void> {
    await run('tmux', ['send-keys', '-t', this.name, '-l', text]);
    await sleep(KEY_PAUSE_MS);
  }

  /** Waits until the screen matches; returns the capture, or throws with the last screen. */
  async waitFor(test: RegExp | ((screen: string) => boolean), timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = await this.capture();
      if (typeof test === 'function' ? test(screen) : test.test(screen)) return screen;
      await sleep(150);
    }
    throw new Error(`the screen did not show ${String(test)} within ${timeoutMs} ms; it shows:\n${screen}\n--- stderr of the command:\n${this.stderr()}`);
  }

  /** What the command wrote to stderr so far. */
  stderr(): string {
    try {
      return readFileSync(join(this.#scratch, 'stderr'), 'utf8');
    } catch {
      return '';
    }
  }

  async kill(): Promise<void> {
    await run('tmux', ['kill-session', '-t', this.name]).catch(() => undefined);
    rmSync(this.#scratch, { recursive: true, force: true });
  }
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

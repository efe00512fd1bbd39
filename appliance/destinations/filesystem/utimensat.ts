// utimensat(2) with whole nanoseconds, without native code. Node's utimes family hands libuv a
// double of seconds and libuv keeps whole microseconds (TOOLCHAIN.md, "File metadata pitfalls"),
// so one long-lived perl (perl-base is Essential on Debian: every device has it) makes the system
// call with the exact timespec pair and AT_SYMLINK_NOFOLLOW. Requests are pipelined on its stdin,
// one line each (path as hex, so any byte is allowed; then the four timespec fields), and answered
// in order with 0 or the errno. Where perl or the system call number is missing, `available()` is
// false and fs-times.ts keeps microseconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** SYS_utimensat by Node's process.arch. */
const SYS_UTIMENSAT: Readonly<Partial<Record<string, number>>> = { x64: 280, arm64: 88 };
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const NS = 1_000_000_000n;

const SCRIPT = `
use strict; use warnings;
my ($nr, $cwd, $flags) = map { $_ + 0 } @ARGV;
$| = 1;
while (my $line = <STDIN>) {
  chomp $line;
  my ($hex, $as, $an, $ms, $mn) = split / /, $line;
  my $path = pack('H*', $hex);
  my $ts = pack('q4', $as, $an, $ms, $mn);
  my $r = syscall($nr, $cwd, $path, $ts, $flags);
  print $r == 0 ? "0\\n" : (0 + $!) . "\\n";
}
`;

/** Thrown for requests in flight when the helper cannot run (no perl) or died: fall back. */
export class HelperUnavailable extends Error {}

interface Pending {
  readonly path: Buffer;
  resolve(): void;
  reject(err: Error): void;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** A timespec {tv_sec, tv_nsec} with 0 <= tv_nsec < 1e9, also before 1970. */
export function timespec(ns: bigint): [bigint, bigint] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS;
  }
  return [sec, nsec];
}

class UtimensatProcess {
  readonly #child: ChildProcess;
  readonly #pending: Pending[] = [];
  #buffered = '';
  #dead: Error | undefined;

  constructor(nr: number) {
    this.#child = spawn('perl', ['-e', SCRIPT, String(nr), String(AT_FDCWD), String(AT_SYMLINK_NOFOLLOW)], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.#child.on('error', (err) => this.#die(new HelperUnavailable(`perl for utimensat: ${err.message}`)));
    this.#child.on('exit', (code, signal) => this.#die(new HelperUnavailable(`perl for utimensat exited (${signal ?? code})`)));
    this.#child.stdin!.on('error', () => undefined); // an exit is reported by 'exit'
    this.#child.stdout!.setEncoding('latin1');
    this.#child.stdout!.on('data', (text: string) => this.#answer(text));
    this.#idle();
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  set(path: Buffer, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const [as, an] = timespec(atimeNs);
    const [ms, mn] = timespec(mtimeNs);
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.length === 0) this.#busy();
      this.#pending.push({ path, resolve, reject });
      this.#child.stdin!.write(`${path.toString('hex')} ${as} ${an} ${ms} ${mn}\n`);
    });
  }

  close(): void {
    this.#child.stdin!.end();
    this.#child.kill();
  }

  #answer(text: string): void {
    this.#buffered += text;
    let nl;
    while ((nl = this.#buffered.indexOf('\n')) >= 0) {
      const errno = Number(this.#buffered.slice(0, nl));
      this.#buffered = this.#buffered.slice(nl + 1);
      const next = this.#pending.shift();
      if (next === undefined) continue;
      if (errno === 0) next.resolve();
      else next.reject(errnoError(errno, next.path));
    }
    if (this.#pending.length === 0) this.#idle();
  }

  #die(err: Error): void {
    if (this.#dead !== undefined) return;
    this.#dead = err;
    for (const p of this.#pending.splice(0)) p.reject(err);
  }

  // The helper keeps the event loop alive only while a request is in flight.
  #busy(): void {
    this.#child.ref();
    (this.#child.stdout as unknown as { ref?: () => void }).ref?.();
  }

  #idle(): void {
    this.#child.unref();
    (this.#child.stdout as unknown as { unref?: () => void }).unref?.();
    (this.#child.stdin as unknown as { unref?: () => void }).unref?.();
  }
}

function errnoError(errno: number, path: Buffer): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(-errno) ?? ERRNO_NAMES.get(errno) ?? `E${errno}`;
  const err: NodeJS.ErrnoException = new Error(`${code}: utimensat '${path.toString('utf8')}'`);
  err.code = code;
  err.errno = -errno;
  err.syscall = 'utimensat';
  return err;
}

let helper: UtimensatProcess | undefined;
let unavailable = SYS_UTIMENSAT[process.arch] === undefined;

/** Sets both times to the nanosecond; rejects with HelperUnavailable when it cannot (then fall back). */
export async function utimensat(path: Buffer, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  if (unavailable) throw new HelperUnavailable(`no utimensat system call number for ${process.arch}`);
  if (helper === undefined || helper.dead) helper = new UtimensatProcess(SYS_UTIMENSAT[process.arch]!);
  const current = helper;
  try {
    await current.set(path, atimeNs, mtimeNs);
  } catch (err) {
    // perl is missing (spawn ENOENT): never try again in this process. A helper that died is
    // started again by the next call.
    if (err instanceof HelperUnavailable && /ENOENT|EACCES/u.test(err.message)) unavailable = true;
    throw err;
  }
}

/** Stops the helper (tests; the daemon lets it end with the process). */
export function stopUtimensat(): void {
  helper?.close();
  helper = undefined;
}

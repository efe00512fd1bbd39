// System calls Node does not offer, without native code: utimensat(2) with whole nanoseconds
// (Node's utimes family hands libuv a double of seconds and libuv keeps whole microseconds:
// TOOLCHAIN.md, "File metadata pitfalls") and mknodat(2) (FIFOs, sockets, device files). One
// long-lived perl (perl-base is Essential on Debian: every device has it) makes the calls.
// Requests are pipelined on its stdin, one line each (an operation letter, the path as hex so any
// byte is allowed, then numbers), and answered in order with 0 or the errno. Where perl or the
// system call numbers are missing the calls reject with HelperUnavailable: fs-times.ts then keeps
// microseconds, and special files cannot be made.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** SYS_utimensat and SYS_mknodat by Node's process.arch. */
const SYSCALLS: Readonly<Partial<Record<string, { utimensat: number; mknodat: number }>>> = { x64: { utimensat: 280, mknodat: 259 }, arm64: { utimensat: 88, mknodat: 33 } };
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const NS = 1_000_000_000n;

const SCRIPT = `
use strict; use warnings;
my ($utimensat, $mknodat, $cwd, $nofollow) = map { $_ + 0 } @ARGV;
$| = 1;
while (my $line = <STDIN>) {
  chomp $line;
  my ($op, $hex, @n) = split / /, $line;
  my $path = pack('H*', $hex);
  my $r;
  if ($op eq 't') {
    my $ts = pack('q4', @n);
    $r = syscall($utimensat, $cwd, $path, $ts, $nofollow);
  } elsif ($op eq 'n') {
    $r = syscall($mknodat, $cwd, $path, $n[0] + 0, $n[1] + 0);
  } else {
    $r = -1; $! = 22;
  }
  print $r == 0 ? "0\\n" : (0 + $!) . "\\n";
}
`;

/** Thrown for requests in flight when the helper cannot run (no perl) or died: fall back. */
export class HelperUnavailable extends Error {}

interface Pending {
  readonly path: Buffer;
  readonly syscall: string;
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

class SyscallProcess {
  readonly #child: ChildProcess;
  readonly #pending: Pending[] = [];
  #buffered = '';
  #dead: Error | undefined;

  constructor(numbers: { utimensat: number; mknodat: number }) {
    const args = [numbers.utimensat, numbers.mknodat, AT_FDCWD, AT_SYMLINK_NOFOLLOW].map(String);
    this.#child = spawn('perl', ['-e', SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.#child.on('error', (err) => this.#die(new HelperUnavailable(`perl for system calls: ${err.message}`)));
    this.#child.on('exit', (code, signal) => this.#die(new HelperUnavailable(`perl for system calls exited (${signal ?? code})`)));
    this.#child.stdin!.on('error', () => undefined); // an exit is reported by 'exit'
    this.#child.stdout!.setEncoding('latin1');
    this.#child.stdout!.on('data', (text: string) => this.#answer(text));
    this.#idle();
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /** One call: 't' utimensat (atime sec, nsec, mtime sec, nsec) or 'n' mknodat (mode, dev). */
  call(op: 't' | 'n', syscall: string, path: Buffer, numbers: readonly bigint[]): Promise<void> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.length === 0) this.#busy();
      this.#pending.push({ path, syscall, resolve, reject });
      this.#child.stdin!.write(`${op} ${path.toString('hex')} ${numbers.join(' ')}\n`);
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
      else next.reject(errnoError(errno, next.syscall, next.path));
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

function errnoError(errno: number, syscall: string, path: Buffer): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path.toString('utf8')}'`);
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  return err;
}

let helper: SyscallProcess | undefined;
let unavailable = SYSCALLS[process.arch] === undefined;

async function call(op: 't' | 'n', syscall: string, path: Buffer, numbers: readonly bigint[]): Promise<void> {
  if (unavailable) throw new HelperUnavailable(`no system call numbers for ${process.arch}`);
  if (helper === undefined || helper.dead) helper = new SyscallProcess(SYSCALLS[process.arch]!);
  try {
    await helper.call(op, syscall, path, numbers);
  } catch (err) {
    // perl is missing (spawn ENOENT): never try again in this process. A helper that died is
    // started again by the next call.
    if (err instanceof HelperUnavailable && /ENOENT|EACCES/u.test(err.message)) unavailable = true;
    throw err;
  }
}

/** Sets both times of a path (not following a symlink) to the nanosecond. */
export function utimensat(path: Buffer, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  return call('t', 'utimensat', path, [...timespec(atimeNs), ...timespec(mtimeNs)]);
}

const S_IFMT = { fifo: 0o010000, char: 0o020000, block: 0o060000, socket: 0o140000 } as const;

/** Linux's makedev(3): the dev_t of a device number. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** Makes a FIFO, socket or device node (devices need CAP_MKNOD: EPERM otherwise). */
export function mknodat(path: Buffer, type: keyof typeof S_IFMT, permissions: number, dev = 0n): Promise<void> {
  return call('n', 'mknodat', path, [BigInt(S_IFMT[type] | (permissions & 0o7777)), dev]);
}

/** Stops the helper (tests; the daemon lets it end with the process). */
export function stopSyscallHelper(): void {
  helper?.close();
  helper = undefined;
}

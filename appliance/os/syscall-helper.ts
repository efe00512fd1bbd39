// System calls Node does not offer, without native code: utimensat(2) with whole nanoseconds
// (Node's utimes family hands libuv a double of seconds and libuv keeps whole microseconds:
// TOOLCHAIN.md, "File metadata pitfalls"), mknodat(2) (FIFOs, sockets, device files) and the
// extended-attribute calls llistxattr, lgetxattr, lsetxattr and lremovexattr, and the data
// extents of a sparse file (lseek SEEK_DATA / SEEK_HOLE), and the end of a part file's put in one
// request (finishPart: fchown, fchmod, futimens, rename). One long-lived perl (perl-base is
// Essential on Debian: every device has it) makes the calls. Requests are pipelined on its stdin,
// one line each (an operation letter, the path as hex so any byte is allowed, then numbers or hex),
// and answered in order, one line each: the errno (0 for success; a failed finishPart adds the step
// that failed), then any data as hex. Where perl or the system call numbers are missing the calls
// reject with HelperUnavailable: fs-times.ts then keeps microseconds, special files cannot be made
// and no xattr is read or written.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';

interface Numbers {
  readonly utimensat: number;
  readonly mknodat: number;
  readonly lsetxattr: number;
  readonly lgetxattr: number;
  readonly llistxattr: number;
  readonly lremovexattr: number;
}

/** System call numbers by Node's process.arch (Linux x86_64 and aarch64 tables). */
const SYSCALLS: Readonly<Partial<Record<string, Numbers>>> = {
  x64: { utimensat: 280, mknodat: 259, lsetxattr: 189, lgetxattr: 192, llistxattr: 195, lremovexattr: 198 },
  arm64: { utimensat: 88, mknodat: 33, lsetxattr: 6, lgetxattr: 9, llistxattr: 12, lremovexattr: 15 },
};
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
/** XATTR_SIZE_MAX and XATTR_LIST_MAX. */
const XATTR_MAX = 65536;
const NS = 1_000_000_000n;
/** How 'f' opens a part file: read-only, not through a symlink, not waiting on a FIFO put in its place. */
const OPEN_PART = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

const SCRIPT = `
use strict; use warnings;
my ($utimensat, $mknodat, $lsetxattr, $lgetxattr, $llistxattr, $lremovexattr, $cwd, $nofollow, $max, $openPart) = map { $_ + 0 } @ARGV;
$| = 1;
while (my $line = <STDIN>) {
  chomp $line;
  my ($op, $hex, @n) = split / /, $line, -1;
  my $path = pack('H*', $hex);
  my ($r, $out, $stage) = (-1, '', '');
  if ($op eq 't') {
    my $ts = pack('q4', @n);
    $r = syscall($utimensat, $cwd, $path, $ts, $nofollow);
  } elsif ($op eq 'n') {
    $r = syscall($mknodat, $cwd, $path, $n[0] + 0, $n[1] + 0);
  } elsif ($op eq 'l' || $op eq 'g') {
    my $buf = "\\0" x $max;
    if ($op eq 'l') { $r = syscall($llistxattr, $path, $buf, $max); }
    else { my $name = pack('H*', $n[0]); $r = syscall($lgetxattr, $path, $name, $buf, $max); }
    $out = unpack('H*', substr($buf, 0, $r)) if $r >= 0;
  } elsif ($op eq 'h') {
    # Data extents (SEEK_DATA 3, SEEK_HOLE 4) of a file up to its size, at most $n[1] of them:
    # "start-end,..." as hex, or "*" when there are more (read it all).
    my ($size, $most) = ($n[0] + 0, $n[1] + 0);
    if (open(my $fh, '<:raw', $path)) {
      my ($at, @ext) = (0);
      $r = 0;
      while ($at < $size) {
        my $d = sysseek($fh, $at, 3);
        if (!defined $d) { last if $! == 6; $r = -1; last; }   # ENXIO: no data after $at
        my $h = sysseek($fh, $d, 4);
        if (!defined $h) { $r = -1; last; }
        push @ext, ($d + 0) . '-' . ($h + 0);
        if (@ext > $most) { @ext = ('*'); last; }
        $at = $h + 0;
      }
      close($fh);
      $out = unpack('H*', join(',', @ext)) if $r == 0;
    }
  } elsif ($op eq 'f') {
    # A part file written and closed: its owner (unless uid -1), mode and times set through a
    # descriptor (opened O_NOFOLLOW: never through a symlink put in its place), then renamed over
    # the target. The step that failed is answered after the errno.
    my ($uid, $gid, $mode) = map { $_ + 0 } @n[0 .. 2];
    my $ts = pack('q4', @n[3 .. 6]);
    my $to = pack('H*', $n[7]);
    $stage = 'open';
    if (sysopen(my $fh, $path, $openPart)) {
      if (!-f $fh) { $! = 21; }
      elsif ($uid >= 0 && !chown($uid, $gid, $fh)) { $stage = 'fchown'; }
      elsif (!chmod($mode, $fh)) { $stage = 'fchmod'; }
      elsif (syscall($utimensat, fileno($fh), 0, $ts, 0) == -1) { $stage = 'futimens'; }
      elsif (!rename($path, $to)) { $stage = 'rename'; }
      else { $r = 0; }
      my $e = 0 + $!;
      close($fh);
      $! = $e;
    }
  } elsif ($op eq 'r') {
    my $name = pack('H*', $n[0]);
    $r = syscall($lremovexattr, $path, $name);
  } elsif ($op eq 's') {
    my $name = pack('H*', $n[0]);
    my $value = pack('H*', $n[1]);
    $r = syscall($lsetxattr, $path, $name, $value, length($value), 0);
  } else {
    $! = 22;
  }
  print $r == -1 ? (0 + $!) . ($stage eq '' ? '' : " $stage") . "\\n" : "0 $out\\n";
}
`;

/** Thrown for requests in flight when the helper cannot run (no perl) or died: fall back. */
export class HelperUnavailable extends Error {}

interface Pending {
  readonly path: Buffer;
  readonly syscall: string;
  resolve(data: Buffer): void;
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
  readonly #unsent: string[] = [];
  #dead: Error | undefined;

  constructor(numbers: Numbers) {
    const args = [numbers.utimensat, numbers.mknodat, numbers.lsetxattr, numbers.lgetxattr, numbers.llistxattr, numbers.lremovexattr, AT_FDCWD, AT_SYMLINK_NOFOLLOW, XATTR_MAX, OPEN_PART].map(String);
    // A clean environment: no PERL5OPT or PERL5LIB reaches the helper.
    this.#child = spawn('perl', ['-e', SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    this.#child.on('error', (err) => this.#die(new HelperUnavailable(`perl for system calls: ${err.message}`)));
    // 'close', not 'exit': answers still in the pipe are read first.
    this.#child.on('close', (code, signal) => this.#die(new HelperUnavailable(`perl for system calls exited (${signal ?? code})`)));
    this.#child.stdin!.on('error', () => undefined); // an exit is reported by 'close'
    this.#child.stdout!.setEncoding('latin1');
    this.#child.stdout!.on('data', (text: string) => this.#answer(text));
    this.#idle();
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /** One call (see SCRIPT); resolves with the data it answers (xattr list or value), else empty. */
  call(op: Op, syscall: string, path: Buffer, args: readonly (bigint | string)[]): Promise<Buffer> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    return new Promise<Buffer>((resolve, reject) => {
      if (this.#pending.length === 0) this.#busy();
      this.#pending.push({ path, syscall, resolve, reject });
      // Requests made in the same tick go to perl in one write (one pipe write and one wake-up).
      if (this.#unsent.length === 0) process.nextTick(() => this.#send());
      this.#unsent.push(`${[op, path.toString('hex'), ...args].join(' ')}\n`);
    });
  }

  #send(): void {
    const lines = this.#unsent.join('');
    this.#unsent.length = 0;
    if (this.#dead === undefined) this.#child.stdin!.write(lines);
  }

  close(): void {
    this.#child.stdin!.end();
    this.#child.kill();
  }

  #answer(text: string): void {
    this.#buffered += text;
    let nl;
    while ((nl = this.#buffered.indexOf('\n')) >= 0) {
      const line = this.#buffered.slice(0, nl);
      this.#buffered = this.#buffered.slice(nl + 1);
      const space = line.indexOf(' ');
      const errno = Number(space < 0 ? line : line.slice(0, space));
      const next = this.#pending.shift();
      if (next === undefined) continue;
      if (errno === 0) next.resolve(Buffer.from(space < 0 ? '' : line.slice(space + 1), 'hex'));
      // A request of several calls names the one that failed.
      else next.reject(errnoError(errno, space < 0 ? next.syscall : line.slice(space + 1), next.path));
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

type Op = 't' | 'n' | 'l' | 'g' | 's' | 'r' | 'h' | 'f';

let helper: SyscallProcess | undefined;
let unavailable = SYSCALLS[process.arch] === undefined;

async function call(op: Op, syscall: string, path: Buffer, args: readonly (bigint | string)[]): Promise<Buffer> {
  if (unavailable) throw new HelperUnavailable(`no system call numbers for ${process.arch}`);
  if (helper === undefined || helper.dead) helper = new SyscallProcess(SYSCALLS[process.arch]!);
  try {
    return await helper.call(op, syscall, path, args);
  } catch (err) {
    // perl is missing (spawn ENOENT): never try again in this process. A helper that died is
    // started again by the next call.
    if (err instanceof HelperUnavailable && /ENOENT|EACCES/u.test(err.message)) unavailable = true;
    throw err;
  }
}

/** utimensat's "leave this time as it is". */
const UTIME_OMIT = (1n << 30n) - 2n;

/** Sets both times of a path (not following a symlink) to the nanosecond; `'omit'` leaves one as it is. */
export async function utimensat(path: Buffer, atimeNs: bigint | 'omit', mtimeNs: bigint | 'omit'): Promise<void> {
  const spec = (ns: bigint | 'omit') => (ns === 'omit' ? [0n, UTIME_OMIT] : timespec(ns));
  await call('t', 'utimensat', path, [...spec(atimeNs), ...spec(mtimeNs)]);
}

/**
 * Finishes a part file written and closed, in one request instead of four calls: owner (`owner`
 * undefined: left as it is), then mode (chown clears setuid and setgid), then both times to the
 * nanosecond, each through a descriptor of `part` opened without following a symlink; then
 * renames it to `target`. A failure's syscall names the step (open, fchown, fchmod, futimens, rename).
 */
export async function finishPart(part: Buffer, target: Buffer, owner: { uid: number; gid: number } | undefined, mode: number, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  const id = owner === undefined ? [-1n, -1n] : [BigInt(owner.uid), BigInt(owner.gid)];
  await call('f', 'finish', part, [...id, BigInt(mode & 0o7777), ...timespec(atimeNs), ...timespec(mtimeNs), target.toString('hex')]);
}

/** Whether the helper cannot run in this process at all (no perl, unknown architecture). */
export function helperMissing(): boolean {
  return unavailable;
}

/**
 * The data extents [start, end) of a regular file up to `size` (SEEK_DATA / SEEK_HOLE), or
 * undefined when it has more than `most` (read it whole). [] is a file that is one hole.
 */
export async function dataExtents(path: Buffer, size: number, most = 4096): Promise<Array<[number, number]> | undefined> {
  const text = (await call('h', 'lseek', path, [BigInt(size), BigInt(most)])).toString('latin1');
  if (text === '*') return undefined;
  if (text === '') return [];
  return text.split(',').map((e) => {
    const [start, end] = e.split('-').map(Number) as [number, number];
    return [start, Math.min(end, size)];
  });
}

export async function lremovexattr(path: Buffer, name: Buffer): Promise<void> {
  await call('r', 'lremovexattr', path, [name.toString('hex')]);
}

/** The names of a path's extended attributes (not following a symlink), as the kernel lists them. */
export async function llistxattr(path: Buffer): Promise<Buffer[]> {
  const list = await call('l', 'llistxattr', path, []);
  const names: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] !== 0) continue;
    if (i > start) names.push(list.subarray(start, i));
    start = i + 1;
  }
  return names;
}

export function lgetxattr(path: Buffer, name: Buffer): Promise<Buffer> {
  return call('g', 'lgetxattr', path, [name.toString('hex')]);
}

export async function lsetxattr(path: Buffer, name: Buffer, value: Buffer): Promise<void> {
  await call('s', 'lsetxattr', path, [name.toString('hex'), value.toString('hex')]);
}

const S_IFMT = { fifo: 0o010000, char: 0o020000, block: 0o060000, socket: 0o140000 } as const;

/** Linux's makedev(3): the dev_t of a device number. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** Makes a FIFO, socket or device node (devices need CAP_MKNOD: EPERM otherwise). */
export async function mknodat(path: Buffer, type: keyof typeof S_IFMT, permissions: number, major = 0, minor = 0): Promise<void> {
  // The system call takes a 32-bit dev (12 bits of major, 20 of minor); glibc refuses more with EINVAL.
  if (major >= 1 << 12 || minor >= 1 << 20) throw errnoError(22, 'mknodat', path);
  const dev = makedev(major, minor);
  await call('n', 'mknodat', path, [BigInt(S_IFMT[type] | (permissions & 0o7777)), dev]);
}

/** Stops the helper (tests; the daemon lets it end with the process). */
export function stopSyscallHelper(): void {
  helper?.close();
  helper = undefined;
}

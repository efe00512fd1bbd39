// nfs-ganesha on 127.0.0.1 for tests (TOOLCHAIN.md, "NFS: nfs-ganesha").
//
// ganesha will not serve NFSv3 unless it can register with rpcbind, and rpcbind is a machine-wide
// singleton (its socket is /run/rpcbind.sock). So each server gets its own: a private mount
// namespace with a tmpfs on /run holds an rpcbind of its own, and ganesha joins that namespace.
// rpcbind itself sees a netconfig listing only local transports (Debian's rpcbind aborts with -h),
// so it opens no network port at all, unless `portmapper: true` asks for TCP port 111 too.
// Ports are picked free, so test files running in parallel do not collide. Needs root.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface GaneshaOptions {
  /** The directory to export as /export. */
  readonly exportDir: string;
  /** Let rpcbind listen on TCP port 111 so clients can use the portmapper. */
  readonly portmapper?: boolean;
  /**
   * EXPORT Attr_Expiration_Time: seconds ganesha trusts its cached attributes (its default, 60,
   * when absent). 0 makes changes made directly in `exportDir`, behind ganesha's back, visible at
   * once, as a NAS that serves its own disk shows them.
   */
  readonly attrExpirationSeconds?: number;
}

export interface Ganesha {
  readonly host: string;
  readonly nfsPort: number;
  readonly mountPort: number;
  readonly exportPath: '/export';
  /** nfs://127.0.0.1/export[/path]?nfsport=&mountport=[&params]. */
  uri(subPath?: string, params?: Record<string, string | number>): string;
  /** Kills ganesha (SIGKILL when `hard`) and starts it again on the same ports. */
  restart(options?: { hard?: boolean; downMs?: number }): Promise<void>;
  /** Stops ganesha only; `start()` brings it back. */
  kill(hard?: boolean): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const NETCONFIG_LOCAL = ['local      tpi_cots_ord  -     loopback  -      -       -', 'unix       tpi_cots_ord  -     loopback  -      -       -'];
const NETCONFIG_TCP = 'tcp        tpi_cots_ord  v     inet     tcp     -       -';

/** Why ganesha cannot run here, or undefined when it can. */
export function ganeshaUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'nfs-ganesha tests need root (rpcbind runs in a private mount namespace made with unshare)';
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  for (const bin of ['ganesha.nfsd', 'rpcbind', 'unshare', 'nsenter', 'mount']) {
    if (!dirs.some((d) => d && existsSync(path.join(d, bin)))) return `${bin} is missing: run bash test/harness/install-system-deps.sh`;
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** True when something listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startGanesha(options: GaneshaOptions): Promise<Ganesha> {
  const reason = ganeshaUnavailableReason();
  if (reason) throw new Error(reason);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'floe-ganesha-'));
  const [nfsPort, mountPort, nlmPort, rquotaPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const conf = path.join(dir, 'ganesha.conf');
  const log = path.join(dir, 'ganesha.log');
  const pidFile = path.join(dir, 'ganesha.pid');
  await writeFile(path.join(dir, 'netconfig'), [...(options.portmapper ? [NETCONFIG_TCP] : []), ...NETCONFIG_LOCAL, ''].join('\n'));
  await writeFile(
    conf,
    `NFS_CORE_PARAM {
  Bind_addr = 127.0.0.1; NFS_Port = ${nfsPort}; MNT_Port = ${mountPort}; NLM_Port = ${nlmPort}; Rquota_Port = ${rquotaPort};
  Protocols = 3, 4; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; Mount_Path_Pseudo = true;
}
NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = ${path.join(dir, 'recovery')}; Only_Numeric_Owners = true; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
  Export_Id = 1; Path = ${options.exportDir}; Pseudo = /export; Access_Type = RW; Transports = TCP;
  Squash = No_Root_Squash; SecType = sys; Protocols = 3, 4;${options.attrExpirationSeconds === undefined ? '' : ` Attr_Expiration_Time = ${options.attrExpirationSeconds};`}
  FSAL { Name = VFS; }
}
`,
  );

  // The namespace holder: mounts a private /run, starts rpcbind in a nested namespace that sees
  // our netconfig, and takes everything down when the test process goes away.
  const holderScript = `
mount -t tmpfs tmpfs /run || exit 1
unshare -m --propagation private sh -c 'mount --bind "$0" /etc/netconfig && exec rpcbind -f' "$1/netconfig" &
echo $! > "$1/rpcbind.pid"
while kill -0 "$2" 2>/dev/null && [ ! -e "$1/stop" ]; do sleep 0.2; done
[ -e "$1/ganesha.pid" ] && kill -9 $(cat "$1/ganesha.pid") 2>/dev/null
kill $(cat "$1/rpcbind.pid") 2>/dev/null
wait
`;
  const holder = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', holderScript, 'holder', dir, String(process.pid)], { stdio: 'ignore' });
  const holderExit = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  await waitFor(async () => {
    if (holder.exitCode !== null) throw new Error(`the rpcbind namespace holder exited with ${holder.exitCode}`);
    return rpcbindReady(holder.pid!);
  }, 5_000, 'rpcbind to start').catch(async (err: unknown) => {
    holder.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  });

  let ganesha: ChildProcess | undefined;
  let ganeshaExit: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    await rm(log, { force: true });
    const child = spawn('nsenter', ['-t', String(holder.pid), '-m', `--wd=${dir}`, '--', 'ganesha.nfsd', '-F', '-f', conf, '-L', log, '-p', pidFile], { stdio: 'ignore' });
    ganesha = child;
    ganeshaExit = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`ganesha.nfsd exited with ${child.exitCode}: ${await tail(log)}`);
      return (await readFile(log, 'utf8').catch(() => '')).includes('NFS SERVER INITIALIZED');
    }, 15_000, 'ganesha to say NFS SERVER INITIALIZED');
  };

  const kill = async (hard = false): Promise<void> => {
    const child = ganesha;
    if (!child || child.exitCode !== null) return;
    child.kill(hard ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await ganeshaExit;
    clearTimeout(timer);
    ganesha = undefined;
  };

  const stop = async (): Promise<void> => {
    await kill();
    await writeFile(path.join(dir, 'stop'), '');
    const timer = setTimeout(() => holder.kill('SIGKILL'), 5_000);
    await holderExit;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    host: '127.0.0.1',
    nfsPort,
    mountPort,
    exportPath: '/export',
    uri(subPath = '', params = {}) {
      const query = new URLSearchParams({ nfsport: String(nfsPort), mountport: String(mountPort) });
      for (const [k, v] of Object.entries(params)) query.set(k, String(v));
      const suffix = subPath ? `/${subPath.replace(/^\/+/, '')}` : '';
      return `nfs://127.0.0.1/export${suffix}?${query.toString()}`;
    },
    async restart({ hard = false, downMs = 0 } = {}) {
      await kill(hard);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    kill,
    start,
    stop,
  };
}

/** rpcbind is ready once its socket exists inside the holder's namespace. */
async function rpcbindReady(holderPid: number): Promise<boolean> {
  return existsSync(path.join('/proc', String(holderPid), 'root', 'run', 'rpcbind.sock')) && (await readFile(`/proc/${holderPid}/mountinfo`, 'utf8').catch(() => '')).includes(' /run ');
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no log)');
  return text.split('\n').slice(-8).join('\n');
}

// A throwaway Ceph cluster with a RADOS Gateway on loopback: one monitor, one memstore OSD, one
// radosgw, following TOOLCHAIN.md's "A real S3: Ceph RADOS Gateway" recipe. Each call makes a
// fresh cluster in its own temp folder, on free ports, with fresh random credentials.
// Needs the Debian packages in system-packages.txt (radosgw ceph-mon ceph-osd ceph-common).
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForHttp } from './free-port.js';
import { createBucket, type S3Server } from './s3-admin.js';

const run = promisify(execFile);

export interface RgwServer extends S3Server {
  /** Kills radosgw (SIGKILL, like a crash) and starts it again on the same port; resolves when it answers. */
  restart(): Promise<void>;
  /** Kills radosgw and leaves it down until `restart()` (for "server gone" tests). */
  kill(): Promise<void>;
  createBucket(bucket: string): Promise<void>;
  /**
   * Puts many small objects into `bucket` through RGW's bulk upload (Swift's PUT
   * ?extract-archive=tar: one request carries a tar archive of them), for tests that need tens of
   * thousands of keys: the same objects PutObject makes (key, bytes, ETag, owner), listed by
   * ListObjectsV2 alike, at a fraction of the cost of a request each. No user metadata; the
   * Content-Type is RGW's default. Resolves with the number created, or fails naming the errors.
   */
  putObjects(bucket: string, objects: Iterable<SmallObject>): Promise<number>;
  /** Stops every daemon and removes the state folder. */
  stop(): Promise<void>;
}

export interface SmallObject {
  /** At most 100 bytes of UTF-8 (a tar name field); no leading '/'. */
  readonly key: string;
  readonly body: Buffer;
}

const DAEMONS = ['client.rgw', 'osd.0', 'mon.a'] as const;
/** Objects per bulk-upload archive, and archives in flight (more in flight only costs RGW more CPU per object). */
const BULK_PER_ARCHIVE = 2_500;
const BULK_IN_FLIGHT = 2;
const live = new Set<string>();
let exitHookInstalled = false;

export interface RgwOptions {
  /** Where the OSD keeps objects: RAM (memstore, the default, for modest test data) or a bluestore
   *  block file of `blockBytes` in the state folder (for benchmarks with gigabytes). */
  readonly store?: 'memstore' | 'bluestore';
  readonly blockBytes?: number;
  /** The memstore's size (default 1 GiB). A full OSD does not refuse writes: RGW holds them unanswered. */
  readonly memstoreBytes?: number;
}

export async function startRgw(options: RgwOptions = {}): Promise<RgwServer> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-rgw-'));
  live.add(dir);
  installExitHook();
  try {
    return await bootCluster(dir, options);
  } catch (err) {
    await stopCluster(dir).catch(() => undefined);
    const log = await readFile(join(dir, 'client.rgw.log'), 'utf8').catch(() => '');
    throw new Error(`Ceph RGW did not start: ${String(err)}\n${log.slice(-2000)}`, { cause: err });
  }
}

async function bootCluster(dir: string, options: RgwOptions): Promise<RgwServer> {
  const fsid = randomUUID();
  const monPort = await freePort();
  const rgwPort = await freePort();
  const conf = join(dir, 'ceph.conf');
  await writeFile(conf, cephConf(dir, fsid, monPort, rgwPort, options));
  // ceph-osd --mkfs writes into its data folder but does not make it.
  for (const sub of ['osd.0', 'rgw', 'crash']) await mkdir(join(dir, sub));
  const env = { ...process.env, CEPH_CONF: conf };
  const timeout = 60_000;
  const cmd = (file: string, args: string[]) => run(file, ['--conf', conf, ...args], { env, timeout });

  await run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, join(dir, 'monmap')], { env, timeout });
  await cmd('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap')]);
  await daemon('ceph-mon', ['--conf', conf, '-i', 'a'], env);
  const osdUuid = randomUUID();
  const { stdout: osdId } = await cmd('ceph', ['--connect-timeout', '30', 'osd', 'new', osdUuid]);
  if (osdId.trim() !== '0') throw new Error(`expected osd id 0, got "${osdId.trim()}"`);
  await cmd('ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
  await daemon('ceph-osd', ['--conf', conf, '-i', '0'], env);
  const startGateway = () => daemon('radosgw', ['--conf', conf, '-n', 'client.rgw'], env);
  await startGateway();

  const accessKeyId = randomBytes(10).toString('hex').toUpperCase();
  const secretAccessKey = randomBytes(20).toString('base64url');
  await cmd('radosgw-admin', ['user', 'create', '--uid=floe-test', '--display-name=floe test', `--access-key=${accessKeyId}`, `--secret=${secretAccessKey}`]);
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  await waitForHttp(endpoint, 60_000);

  // A Swift subuser of the same user, made on first use: bulk upload is a Swift API.
  let swift: Promise<{ storageUrl: string; token: string }> | undefined;
  const swiftSession = (): Promise<{ storageUrl: string; token: string }> =>
    (swift ??= (async () => {
      const key = randomBytes(20).toString('base64url');
      await cmd('radosgw-admin', ['subuser', 'create', '--uid=floe-test', '--subuser=floe-test:bulk', '--access=full', '--key-type=swift', `--secret=${key}`]);
      const answer = await fetch(`${endpoint}/auth/1.0`, { headers: { 'X-Auth-User': 'floe-test:bulk', 'X-Auth-Key': key } });
      await answer.arrayBuffer();
      const storageUrl = answer.headers.get('x-storage-url');
      const token = answer.headers.get('x-auth-token');
      if (!answer.ok || storageUrl === null || token === null) throw new Error(`RGW Swift auth answered ${answer.status}`);
      return { storageUrl, token };
    })());

  const server: RgwServer = {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region: 'us-east-1',
    async kill() {
      await killDaemon(dir, 'client.rgw', 'SIGKILL');
    },
    async restart() {
      await killDaemon(dir, 'client.rgw', 'SIGKILL');
      await startGateway();
      await waitForHttp(endpoint, 60_000);
    },
    createBucket: (bucket) => createBucket(server, bucket),
    async putObjects(bucket, objects) {
      const { storageUrl, token } = await swiftSession();
      const iterator = objects[Symbol.iterator]();
      let created = 0;
      const uploadArchives = async (): Promise<void> => {
        for (;;) {
          const entries: Buffer[] = [];
          let count = 0;
          while (count < BULK_PER_ARCHIVE) {
            const next = iterator.next();
            if (next.done === true) break;
            entries.push(...tarEntry(next.value.key, next.value.body));
            count++;
          }
          if (count === 0) return;
          entries.push(Buffer.alloc(1024)); // the archive's end: two zero blocks
          const answer = await fetch(`${storageUrl}/${encodeURIComponent(bucket)}?extract-archive=tar`, {
            method: 'PUT',
            headers: { 'X-Auth-Token': token, Accept: 'application/json', 'Content-Type': 'application/x-tar' },
            body: Buffer.concat(entries),
          });
          const text = await answer.text();
          let result: { 'Number Files Created'?: number; Errors?: unknown[] } = {};
          try {
            result = JSON.parse(text) as typeof result;
          } catch {
            // reported below
          }
          if (!answer.ok || result['Number Files Created'] !== count || (result.Errors ?? []).length > 0) {
            throw new Error(`RGW bulk upload of ${count} objects into ${bucket} answered ${answer.status}: ${text.slice(0, 500)}`);
          }
          created += count;
        }
      };
      await Promise.all(Array.from({ length: BULK_IN_FLIGHT }, uploadArchives));
      return created;
    },
    stop: () => stopCluster(dir),
  };
  return server;
}

/** One ustar entry (header, data, padding to 512 bytes) for a regular file `name` holding `body`. */
function tarEntry(name: string, body: Buffer): Buffer[] {
  const header = Buffer.alloc(512);
  if (name.startsWith('/') || Buffer.byteLength(name) > 100) throw new Error(`not a key for a tar name field: ${name}`);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100); // mode
  header.write('0000000\0', 108); // uid
  header.write('0000000\0', 116); // gid
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136); // mtime
  header.write('        ', 148); // the checksum field counts as spaces while summing
  header.write('0', 156); // a regular file
  header.write('ustar\u000000', 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return [header, body, Buffer.alloc((512 - (body.length % 512)) % 512)];
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number, options: RgwOptions): string {
  const store =
    options.store === 'bluestore'
      ? `osd objectstore = bluestore\nbluestore block create = true\nbluestore block size = ${options.blockBytes ?? 16 * 1024 ** 3}\n`
      : `osd objectstore = memstore\nmemstore device bytes = ${options.memstoreBytes ?? 1024 ** 3}\n`;
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv6 = false
ms bind msgr1 = false
ms mon client mode = crc secure
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
mon warn on insecure global id reclaim allowed = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
paxos propose interval = 0.01
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
run dir = ${dir}
log file = ${dir}/$name.log
admin socket = ${dir}/$name.asok
pid file = ${dir}/$name.pid
crash dir = ${dir}/crash

[mon]
mon data = ${dir}/mon.$id

[osd]
osd data = ${dir}/osd.$id
${store}
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw data = ${dir}/rgw
`;
}

/** Starts a Ceph daemon; it forks itself, so this waits for the launcher to exit, then for the pid file. */
async function daemon(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}`))));
  });
}

async function readPid(dir: string, name: string): Promise<number | undefined> {
  const text = await readFile(join(dir, `${name}.pid`), 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killDaemon(dir: string, name: string, signal: NodeJS.Signals): Promise<void> {
  const pid = await readPid(dir, name);
  if (pid === undefined || !alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 15_000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 200));
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await rm(join(dir, `${name}.pid`), { force: true });
}

async function stopCluster(dir: string): Promise<void> {
  for (const name of DAEMONS) await killDaemon(dir, name, 'SIGTERM');
  await rm(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** If a test process dies without afterAll, still kill the daemons it started (pids from their pid files). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of live) {
      for (const name of DAEMONS) {
        try {
          const text = readFileSync(join(dir, `${name}.pid`), 'utf8');
          const pid = Number.parseInt(text.trim(), 10);
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

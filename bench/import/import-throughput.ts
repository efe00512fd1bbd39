// Import throughput (issue 5, "Benchmarks"): LARGE (4 files of 512 MiB) and SMALL (20,000 files of
// 1-64 KiB) into Ceph RGW (bluestore on a file: memstore cannot hold this much) and into s3rver.
// floe imports from its encrypted journal (every chunk decrypted and hashed, every delivery
// recorded durably); beside it, from the same plaintext folder: `aws s3 sync`, `rclone copy`, and
// the SDK's ceiling (bare @aws-sdk/lib-storage uploads for LARGE, bare PutObject 16 in flight for
// SMALL). Wall time, CPU seconds per GiB and peak RSS of every process, and the CPU the rest of
// the machine (the server) spent meanwhile; ratios printed. Every tool runs `--rounds` times, the
// tools alternating within each round (each round starting with the next tool), each run against
// a fresh server (floe from a fresh copy of its device, written back to disk before it starts:
// `sync` before every run); each tool's fastest round counts, and every round is printed: on this
// shared machine the server's and the tools' rates swing 10-15% between runs.
// floe and the bare SDK run bundled on the Node.js the binary embeds (Node 22), floe with its
// defaults but for the part size and queue the bare SDK is given too.
// `--servers null` adds a diagnostic target (null-s3-server.ts) that answers every request at once
// and stores nothing: the tools' own client cost, without a server's work to wait for.
//
//   node_modules/.bin/tsx bench/import/import-throughput.ts [--large-count 4] [--large-mib 512]
//       [--small-files 20000] [--servers rgw,s3rver[,null]] [--verify NONE] [--rounds 2] [--tsx]
//       [--floe-concurrency N] [--floe-large-concurrency N] [--bare-concurrency 16]
//       [--tools bare,floe,aws,rclone[,baremeta]] [--device-dir DIR] [--s3rver-dir /dev/shm] [--node PATH]
// s3rver keeps its store in memory (tmpfs) by default: it is there to show what the tools themselves
// cost, and on disk its rate swung 346-599 files/s between rounds of the same tool.
//
// Needs radosgw/ceph (bluestore), awscli, rclone, /usr/bin/time (test/harness/system-packages.txt).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Device } from '../../appliance/lifecycle/device.js';
import { DEFAULT_CONCURRENCY, DEFAULT_LARGE_CONCURRENCY } from '../../appliance/transfer/transfer-engine.js';
import { provision } from '../../provisioning/provision.js';
import { startRgw, type RgwServer } from '../../test/harness/rgw.js';
import { startS3rver, type S3rverServer } from '../../test/harness/s3rver.js';
import type { S3Server } from '../../test/harness/s3-admin.js';
import { seededBytes } from '../../test/journal/journal-fixtures.js';
import { mib, ratio, runTimed, table } from '../bench-util.js';
import { childArgs, daemonNodeOptions, shippedNode } from '../bundled-child.js';
import { startNullS3, type NullS3 } from './null-s3.js';

const { values } = parseArgs({
  options: {
    'large-count': { type: 'string', default: '4' },
    'large-mib': { type: 'string', default: '512' },
    'small-files': { type: 'string', default: '20000' },
    servers: { type: 'string', default: 'rgw,s3rver' },
    verify: { type: 'string', default: 'NONE' },
    tools: { type: 'string', default: 'bare,floe,aws,rclone' },
    rounds: { type: 'string', default: '2' },
    // floe's files in flight for SMALL (by default the engine's own default).
    'floe-concurrency': { type: 'string', default: String(DEFAULT_CONCURRENCY) },
    // floe's large files at once for LARGE (each with the S3 destination's queueSize parts in
    // flight): by default the engine's own default, as floe ships.
    'floe-large-concurrency': { type: 'string', default: String(DEFAULT_LARGE_CONCURRENCY) },
    // The bare SDK's PutObject calls in flight for SMALL (issue 5 defines its ceiling with 16).
    'bare-concurrency': { type: 'string', default: '16' },
    tsx: { type: 'boolean', default: false },
    // The node that runs floe and the bare SDK: by default the one the binary embeds (Node 22).
    node: { type: 'string' },
    'device-dir': { type: 'string' },
    's3rver-dir': { type: 'string', default: fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir() },
  },
});
const MIB = 1 << 20;
const GIB = 1 << 30;
const LARGE_COUNT = Number(values['large-count']);
const LARGE_BYTES = Number(values['large-mib']) * MIB;
const SMALL_FILES = Number(values['small-files']);
const ROUNDS = Math.max(1, Number(values.rounds));
const PART_SIZE = 8 * MIB;
const QUEUE_SIZE = 4;
const HERE = import.meta.dirname;
const FAST_SCRYPT = { N: 1 << 10, r: 8, p: 1 };
// floe and the bare SDK run bundled, as the binary runs floe (bench/bundled-child.ts); --tsx runs
// them as written instead.
const FLOE_CHILD = await childArgs(path.join(HERE, 'import-child.ts'), values.tsx);
const BARE_CHILD = await childArgs(path.join(HERE, 'bare-sdk-child.ts'), values.tsx);
// Both on the Node.js the binary ships (its allocator and Buffer paths differ from Node 20's).
const CHILD_NODE = values.node ?? shippedNode();
// floe runs with the daemon's V8 settings from its systemd unit (a bounded old generation), the
// peers with their defaults.
const FLOE_ENV = { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', daemonNodeOptions()].join(' ').trim() };

type Dataset = 'LARGE' | 'SMALL';
interface Measured {
  tool: string;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  files: number;
  bytes: number;
  /** CPU seconds the rest of the machine (the server, mostly) spent while the tool ran. */
  serverCpuSeconds: number;
}

async function makeDatasets(root: string): Promise<{ large: string; small: string; largeBytes: number; smallBytes: number }> {
  const large = path.join(root, 'large');
  const small = path.join(root, 'small');
  await mkdir(large, { recursive: true });
  await mkdir(small, { recursive: true });
  let largeBytes = 0;
  for (let i = 0; i < LARGE_COUNT; i++) {
    const fd = fs.openSync(path.join(large, `big-${i}.bin`), 'w');
    for (let off = 0; off < LARGE_BYTES; off += 8 * MIB) fs.writeSync(fd, seededBytes(i * 100_000 + off / MIB + 1, Math.min(8 * MIB, LARGE_BYTES - off)));
    fs.closeSync(fd);
    largeBytes += LARGE_BYTES;
  }
  let smallBytes = 0;
  for (let i = 0; i < SMALL_FILES; i++) {
    const dir = path.join(small, `d${String(i % 100).padStart(2, '0')}`);
    if (i < 100) await mkdir(dir, { recursive: true });
    const size = 1024 + ((i * 7919) % (63 * 1024));
    await writeFile(path.join(dir, `f${i}.dat`), seededBytes(i + 7, size));
    smallBytes += size;
  }
  return { large, small, largeBytes, smallBytes };
}

interface DeviceFiles {
  dataDir: string;
  manifestPath: string;
  code: string;
}

/** A device that ingested `folder` on site, was locked and is unlocked at the facility (then closed). */
async function deviceWith(folder: string, root: string, name: string): Promise<DeviceFiles> {
  const dataDir = path.join(root, `${name}-device`);
  const p = await provision({
    jobSpec: {
      jobType: 'IMPORT',
      description: `bench ${name}`,
      deviceType: 'SNC1_SSD',
      destinations: [{ uri: 's3://floe-bench/placeholder', endpoint: 'http://127.0.0.1:1', region: 'us-east-1', forcePathStyle: true }],
      returnAddress: { name: 'Bench', street1: '1 Test Way', city: 'Seattle', stateOrProvince: 'WA', postalCode: '98101', country: 'US' },
    },
    dataDir,
    outDir: path.join(root, `${name}-out`),
    scrypt: FAST_SCRYPT,
  });
  const manifest = await readFile(p.manifestPath);
  const device = await Device.load(dataDir);
  await device.unlock(manifest, p.unlockCode);
  const journal = device.journal();
  const files = (fs.readdirSync(folder, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  let next = 0;
  await Promise.all(
    Array.from({ length: name === 'large' ? 2 : 16 }, async () => {
      while (next < files.length) {
        const file = files[next++]!;
        const st = fs.statSync(file, { bigint: true });
        await journal.writeFile(
          {
            path: Buffer.from(path.relative(folder, file)),
            type: 'file',
            mode: 0o644,
            uid: 1000,
            gid: 1000,
            size: Number(st.size),
            atimeNs: st.atimeNs,
            mtimeNs: st.mtimeNs,
            ctimeNs: st.ctimeNs,
            fsId: 1n,
            fileId: st.ino,
            nlink: 1,
            rdevMajor: 0,
            rdevMinor: 0,
          },
          fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>,
        );
      }
    }),
  );
  await device.lock({});
  const arrived = await Device.load(dataDir);
  await arrived.unlock(manifest, p.unlockCode);
  await arrived.close();
  return { dataDir, manifestPath: p.manifestPath, code: p.unlockCode };
}

/**
 * The device as it was before any import: the first call keeps a copy of its data folder, later
 * calls put that copy back, so every floe round imports everything from the same journal.
 */
async function freshCopy(device: DeviceFiles): Promise<DeviceFiles> {
  const pristine = `${device.dataDir}.pristine`;
  if (!fs.existsSync(pristine)) fs.cpSync(device.dataDir, pristine, { recursive: true });
  else {
    fs.rmSync(device.dataDir, { recursive: true, force: true });
    fs.cpSync(pristine, device.dataDir, { recursive: true });
  }
  return device;
}

function floe(device: DeviceFiles, server: S3Server, bucket: string, dataset: Dataset): Measured {
  const tuning = dataset === 'LARGE'
    ? { concurrency: LARGE_COUNT, largeConcurrency: Number(values['floe-large-concurrency']), queueSize: QUEUE_SIZE, partSize: PART_SIZE, verifyMode: values.verify }
    : { concurrency: Number(values['floe-concurrency']), largeConcurrency: DEFAULT_LARGE_CONCURRENCY, queueSize: QUEUE_SIZE, partSize: PART_SIZE, verifyMode: values.verify };
  const t = runTimed(CHILD_NODE, [...cpuProfile(), ...FLOE_CHILD, device.dataDir, device.manifestPath, device.code, `s3://${bucket}/data`, server.endpoint, server.accessKeyId, server.secretAccessKey, JSON.stringify(tuning)], FLOE_ENV);
  const r = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { seconds: number; cpuSeconds: number; files: number; bytes: number; state: string; error: unknown; phases: Record<string, number> | null };
  if (r.state !== 'COMPLETED') throw new Error(`floe import ended ${r.state}: ${JSON.stringify(r.error)}`);
  // CPU of the import itself (the process's whole run, with the facility unlock's seal check, is
  // t.cpuSeconds): the peers' figures have no unlock in them either.
  say(`  floe ${dataset}: CPU ${r.cpuSeconds.toFixed(2)} s in the import, ${t.cpuSeconds.toFixed(2)} s for the whole process (start-up and the unlock's seal check included); phases (ms) ${JSON.stringify(r.phases)} of ${Math.round(r.seconds * 1000)}`);
  return { tool: 'floe import', seconds: r.seconds, cpuSeconds: r.cpuSeconds, peakRssMiB: t.peakRssMiB, files: r.files, bytes: r.bytes, serverCpuSeconds: t.otherCpuSeconds };
}

/** With FLOE_BENCH_PROFILE=DIR, floe and the bare SDK write V8 CPU profiles there. */
function cpuProfile(): string[] {
  const dir = process.env.FLOE_BENCH_PROFILE;
  return dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', dir];
}

function bare(folder: string, server: S3Server, bucket: string, dataset: Dataset, withMetadata = false): Measured {
  const t = runTimed(CHILD_NODE, [...cpuProfile(), ...BARE_CHILD, dataset === 'LARGE' ? 'large' : 'small', folder, bucket, 'data', server.endpoint, server.accessKeyId, server.secretAccessKey, String(QUEUE_SIZE), String(PART_SIZE), withMetadata ? 'metadata' : '', values['bare-concurrency']]);
  const r = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { seconds: number; files: number; bytes: number };
  const tool = dataset === 'LARGE' ? 'bare lib-storage' : `bare PutObject x${values['bare-concurrency']}`;
  return { tool: withMetadata ? `${tool} + POSIX metadata` : tool, seconds: r.seconds, cpuSeconds: t.cpuSeconds, peakRssMiB: t.peakRssMiB, files: r.files, bytes: r.bytes, serverCpuSeconds: t.otherCpuSeconds };
}

function awsSync(folder: string, server: S3Server, bucket: string, files: number, bytes: number): Measured {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' };
  delete env.AWS_CA_BUNDLE;
  const t = runTimed('/usr/bin/aws', ['--endpoint-url', server.endpoint, 's3', 'sync', '--only-show-errors', folder, `s3://${bucket}/data`], env);
  return { tool: 'aws s3 sync', seconds: t.seconds, cpuSeconds: t.cpuSeconds, peakRssMiB: t.peakRssMiB, files, bytes, serverCpuSeconds: t.otherCpuSeconds };
}

function rclone(folder: string, server: S3Server, bucket: string, provider: string, files: number, bytes: number, dataset: Dataset): Measured {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: provider,
    RCLONE_CONFIG_BENCH_ENDPOINT: server.endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: server.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: server.secretAccessKey,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
  };
  delete env.AWS_CA_BUNDLE;
  const extra = dataset === 'SMALL' ? ['--transfers', '16', '--checkers', '16'] : ['--s3-chunk-size', '8M', '--s3-upload-concurrency', String(QUEUE_SIZE)];
  const t = runTimed('rclone', ['copy', '--config', '/dev/null', ...extra, folder, `bench:${bucket}/data`], env);
  return { tool: 'rclone copy', seconds: t.seconds, cpuSeconds: t.cpuSeconds, peakRssMiB: t.peakRssMiB, files, bytes, serverCpuSeconds: t.otherCpuSeconds };
}

/** A fresh server of this kind, with an empty store. */
function startServer(name: string): Promise<RgwServer | S3rverServer | NullS3> {
  if (name === 'rgw') return startRgw({ store: 'bluestore', blockBytes: 16 * GIB });
  return name === 'null' ? startNullS3() : startS3rver({ parentDir: values['s3rver-dir'] });
}

function row(m: Measured, dataset: Dataset) {
  return {
    tool: m.tool,
    seconds: m.seconds.toFixed(1),
    [dataset === 'LARGE' ? 'MiB/s' : 'files/s']: dataset === 'LARGE' ? mib(m.bytes / m.seconds) : (m.files / m.seconds).toFixed(0),
    'CPU s/GiB': (m.cpuSeconds / (m.bytes / GIB)).toFixed(1),
    'peak RSS MiB': m.peakRssMiB.toFixed(0),
    'server CPU s': m.serverCpuSeconds.toFixed(1),
  };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-import-'));
// --device-dir: where floe's devices (journal, index, ledger) live, apart from the datasets and
// the servers' stores (a tmpfs there separates floe's disk writes from the server's).
const deviceRoot = values['device-dir'] === undefined ? tmp : fs.mkdtempSync(path.join(values['device-dir'], 'floe-bench-devices-'));
const report: string[] = [];
const resultFile = path.join(os.tmpdir(), 'floe-bench-import-result.txt');
fs.writeFileSync(resultFile, '');
const say = (line: string) => {
  console.log(line);
  report.push(line);
  fs.appendFileSync(resultFile, `${line}\n`);
};
try {
  say(`datasets: LARGE ${LARGE_COUNT} x ${values['large-mib']} MiB, SMALL ${SMALL_FILES} files of 1-64 KiB; floe VerifyMode ${values.verify}; floe and the bare SDK on node ${spawnSync(CHILD_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim()}; ${new Date().toISOString()}`);
  const data = await makeDatasets(tmp);
  const ingestStart = Date.now();
  const largeDevice = await deviceWith(data.large, deviceRoot, 'large');
  const smallDevice = await deviceWith(data.small, deviceRoot, 'small');
  say(`datasets made and ingested into two journals in ${((Date.now() - ingestStart) / 1000).toFixed(0)} s`);
  for (const name of values.servers.split(',')) {
    const provider = name === 'rgw' ? 'Ceph' : 'Other';
    for (const dataset of ['LARGE', 'SMALL'] as const) {
      if ((dataset === 'LARGE' && LARGE_COUNT === 0) || (dataset === 'SMALL' && SMALL_FILES === 0)) continue;
      const folder = dataset === 'LARGE' ? data.large : data.small;
      const files = dataset === 'LARGE' ? LARGE_COUNT : SMALL_FILES;
      const bytes = dataset === 'LARGE' ? data.largeBytes : data.smallBytes;
      const tools = ['bare', 'floe', 'aws', 'rclone', 'baremeta'].filter((t) => values.tools.split(',').includes(t));
      const rounds = new Map<string, Measured[]>(tools.map((t) => [t, []]));
      const device = dataset === 'LARGE' ? largeDevice : smallDevice;
      for (let round = 1; round <= ROUNDS; round++) {
        // Each round starts with the next tool, so that no tool always runs first.
        const order = [...tools.slice((round - 1) % tools.length), ...tools.slice(0, (round - 1) % tools.length)];
        for (const tool of order) {
          const bucket = `${tool}-${dataset.toLowerCase()}-r${round}`;
          const floeDevice = tool === 'floe' ? await freshCopy(device) : undefined;
          // Every run meets a fresh server: RGW's bluestore slows as it fills (in one shared
          // cluster the same tool made 479 files/s first and 310 last), so a shared server would
          // rank the tools by the order they ran in.
          const server = await startServer(name);
          try {
            await server.createBucket(bucket);
            // Every tool starts with nothing left to write back: floe's fresh copy of its device
            // would otherwise go to disk during its run, beside the server's writes (a device's
            // journal is at rest when its import starts).
            spawnSync('sync');
            let m: Measured;
            if (tool === 'bare') m = bare(folder, server, bucket, dataset);
            else if (tool === 'baremeta') m = bare(folder, server, bucket, dataset, true);
            else if (floeDevice !== undefined) m = floe(floeDevice, server, bucket, dataset);
            else if (tool === 'aws') m = awsSync(folder, server, bucket, files, bytes);
            else m = rclone(folder, server, bucket, provider, files, bytes, dataset);
            rounds.get(tool)!.push(m);
            say(`  ${name} ${dataset} round ${round} ${JSON.stringify(m)}`);
          } finally {
            await server.stop();
          }
        }
      }
      const rate = (m: Measured) => (dataset === 'LARGE' ? m.bytes : m.files) / m.seconds;
      const results = tools.map((t) => rounds.get(t)!.reduce((best, m) => (rate(m) > rate(best) ? m : best)));
      say(`\n${name} ${dataset} (fastest of ${ROUNDS} rounds each):\n${table(results.map((m) => row(m, dataset)))}`);
      const unit = dataset === 'LARGE' ? 'MiB/s' : 'files/s';
      const shown = (m: Measured) => (dataset === 'LARGE' ? mib(m.bytes / m.seconds) : (m.files / m.seconds).toFixed(0));
      say(`rounds (${unit}): ${tools.map((t) => `${t} ${rounds.get(t)!.map(shown).join(' / ')}`).join('; ')}`);
      if (!['bare', 'floe', 'aws', 'rclone'].every((t) => tools.includes(t))) continue;
      const [sdk, floeRun, aws, rc] = results as [Measured, Measured, Measured, Measured];
      const fasterPeer = rate(aws) > rate(rc) ? aws : rc;
      say(`floe / bare SDK: ${ratio(rate(floeRun), rate(sdk))} (goal >= 0.90x); floe / faster peer (${fasterPeer.tool}): ${ratio(rate(floeRun), rate(fasterPeer))} (goal >= 1.00x)`);
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(deviceRoot, { recursive: true, force: true });
}

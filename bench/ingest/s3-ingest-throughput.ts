// Ingest from an S3 bucket (issue 23, "Benchmarks": "Ingest from an RGW bucket beside rclone copy
// and aws s3 sync of the same bucket into a folder"; goal: floe >= the faster peer). A Ceph RGW
// on loopback (bluestore on a file) holds LARGE (4 x 512 MiB) and SMALL (20,000 x 1-64 KiB);
// floe ingests each prefix as an s3:// source into a new journal on disk (bench/ingest/ingest-child.ts,
// the engine as a task runs it), and `rclone copy` and `aws s3 sync` copy the same prefix into a
// new folder on the same disk. One run, one machine, ratios printed; CPU and peak RSS of each.
//
//   node_modules/.bin/tsx bench/ingest/s3-ingest-throughput.ts [--small-files 20000] [--large-mib 512] [--large-files 4] [--tsx]
//     [--small-only] [--rounds N] [--with-heads]
//
// --small-only skips LARGE; --rounds N runs floe and rclone N times each, alternating (aws s3
// sync once); --with-heads adds, each round, floe as it was before issue 23's fix: a HeadObject per
// object in the listing (ingest-child.ts "attributesFromRead": false). Each tool's row is its
// median round (of an even count, the faster of the two middle ones); every round is printed.
//
// floe's ingest takes an object's POSIX metadata from its GET's headers (a HeadObject only for
// folders and objects of up to 4,095 bytes, which may be symlinks or devices), and does the
// journal's encryption and hashing, which the peers do not.
// Needs radosgw/ceph, rclone, awscli and /usr/bin/time (test/harness/system-packages.txt).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mib, ratio, runTimed, table, writeSmallDataset } from '../bench-util.js';
import { childArgs } from '../bundled-child.js';
import { startRgw, type RgwServer } from '../../test/harness/rgw.js';
import { writeSeededFile } from '../../test/ingest/ingest-fixtures.js';

const { values } = parseArgs({
  options: {
    'small-files': { type: 'string', default: '20000' },
    'large-mib': { type: 'string', default: '512' },
    'large-files': { type: 'string', default: '4' },
    tsx: { type: 'boolean', default: false },
    'small-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    'with-heads': { type: 'boolean', default: false },
  },
});
const MIB = 1 << 20;
const GIB = 1 << 30;
const BUCKET = 'ingest-bench';
const CHILD = await childArgs(path.join(import.meta.dirname, 'ingest-child.ts'), values.tsx);

interface Measured {
  readonly tool: string;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly files: number;
  readonly bytes: number;
  readonly serverCpuSeconds: number;
}

const say = (text: string): void => void process.stdout.write(`${text}\n`);

function credentialsEnv(server: RgwServer): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1' };
  delete env.AWS_CA_BUNDLE; // TOOLCHAIN.md: rclone and aws-cli on loopback
  return env;
}

function rcloneEnv(server: RgwServer): NodeJS.ProcessEnv {
  return {
    ...credentialsEnv(server),
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
    RCLONE_CONFIG_BENCH_ENDPOINT: server.endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: server.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: server.secretAccessKey,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
  };
}

function floe(server: RgwServer, prefix: string, journalDir: string, heads = false): Measured {
  // Endpoint in the URI, credentials from the environment (the SDK's chain), as on the device.
  const uri = `s3://${BUCKET}/${prefix}?endpoint=${server.endpoint}&forcePathStyle=true`;
  const options = heads ? { VerifyMode: 'NONE', attributesFromRead: false } : { VerifyMode: 'NONE' };
  const t = runTimed(process.execPath, [...CHILD, uri, journalDir, JSON.stringify(options)], credentialsEnv(server));
  const r = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { seconds: number; files: number; bytes: number; error: unknown; cpuSeconds: number };
  if (r.error) throw new Error(`floe ingest ended in error: ${JSON.stringify(r.error)}`);
  return { tool: heads ? 'floe ingest (s3://), HeadObject per object' : 'floe ingest (s3://)', seconds: r.seconds, cpuSeconds: t.cpuSeconds, peakRssMiB: t.peakRssMiB, files: r.files, bytes: r.bytes, serverCpuSeconds: t.otherCpuSeconds };
}

function rclone(server: RgwServer, prefix: string, folder: string, small: boolean, files: number, bytes: number): Measured {
  const extra = small ? ['--transfers', '16', '--checkers', '16'] : ['--transfers', '4', '--multi-thread-streams', '4'];
  const t = runTimed('rclone', ['copy', '--config', '/dev/null', ...extra, `bench:${BUCKET}/${prefix}`, folder], rcloneEnv(server));
  return { tool: 'rclone copy', seconds: t.seconds, cpuSeconds: t.cpuSeconds, peakRssMiB: t.peakRssMiB, files, bytes, serverCpuSeconds: t.otherCpuSeconds };
}

function awsSync(server: RgwServer, prefix: string, folder: string, files: number, bytes: number): Measured {
  const t = runTimed('/usr/bin/aws', ['--endpoint-url', server.endpoint, 's3', 'sync', '--only-show-errors', `s3://${BUCKET}/${prefix}`, folder], credentialsEnv(server));
  return { tool: 'aws s3 sync', seconds: t.seconds, cpuSeconds: t.cpuSeconds, peakRssMiB: t.peakRssMiB, files, bytes, serverCpuSeconds: t.otherCpuSeconds };
}

function countTree(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

function row(m: Measured, large: boolean): Record<string, string> {
  return {
    tool: m.tool,
    seconds: m.seconds.toFixed(1),
    [large ? 'MiB/s' : 'files/s']: large ? mib(m.bytes / m.seconds) : (m.files / m.seconds).toFixed(0),
    'CPU s': m.cpuSeconds.toFixed(1),
    'peak RSS MiB': m.peakRssMiB.toFixed(0),
    'server CPU s': m.serverCpuSeconds.toFixed(1),
  };
}

const rate = (m: Measured, large: boolean): number => (large ? m.bytes : m.files) / m.seconds;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-s3-ingest-bench-'));
let server: RgwServer | undefined;
try {
  server = await startRgw({ store: 'bluestore', blockBytes: 16 * GIB });
  await server.createBucket(BUCKET);
  const plain = path.join(work, 'plain');
  const largeFiles = Number(values['large-files']);
  const largeBytes = Number(values['large-mib']) * MIB;
  const smallOnly = values['small-only'];
  const rounds = Math.max(1, Number(values.rounds));
  fs.mkdirSync(path.join(plain, 'large'), { recursive: true });
  if (!smallOnly) for (let i = 0; i < largeFiles; i++) writeSeededFile(path.join(plain, 'large', `large-${i}.bin`), largeBytes, 100 + i);
  const smallBytes = writeSmallDataset(path.join(plain, 'small'), Number(values['small-files']));
  say(`datasets: LARGE ${largeFiles} x ${values['large-mib']} MiB, SMALL ${values['small-files']} files (${mib(smallBytes)} MiB); uploading with rclone`);
  for (const prefix of smallOnly ? ['small'] : ['large', 'small']) {
    runTimed('rclone', ['copy', '--config', '/dev/null', '--transfers', '32', '--checkers', '32', path.join(plain, prefix), `bench:${BUCKET}/${prefix}`], rcloneEnv(server));
  }
  fs.rmSync(plain, { recursive: true, force: true });

  const stages: ReadonlyArray<readonly [string, boolean]> = smallOnly ? [['small', false]] : [['large', true], ['small', false]];
  for (const [prefix, large] of stages) {
    const journalDir = path.join(work, 'journal');
    const floeOnce = (heads: boolean): Measured => {
      const m = floe(server!, prefix, journalDir, heads);
      fs.rmSync(journalDir, { recursive: true, force: true });
      return m;
    };
    const peerOnce = (tool: 'rclone' | 'aws', files: number, bytes: number): Measured => {
      const folder = path.join(work, `copy-${tool}`);
      const m = tool === 'rclone' ? rclone(server!, prefix, folder, !large, files, bytes) : awsSync(server!, prefix, folder, files, bytes);
      const copied = countTree(folder);
      if (copied.files !== files || copied.bytes !== bytes) throw new Error(`${tool} copied ${copied.files} files / ${copied.bytes} bytes, floe ${files} / ${bytes}`);
      fs.rmSync(folder, { recursive: true, force: true });
      return m;
    };
    const runs: Measured[] = [];
    const floeRuns: Measured[] = [];
    const headRuns: Measured[] = [];
    const rcloneRuns: Measured[] = [];
    for (let round = 0; round < rounds; round++) {
      const f = floeOnce(false);
      floeRuns.push(f);
      rcloneRuns.push(peerOnce('rclone', f.files, f.bytes));
      runs.push(f, rcloneRuns.at(-1)!);
      if (values['with-heads']) {
        headRuns.push(floeOnce(true));
        runs.push(headRuns.at(-1)!);
      }
      say(`${prefix} round ${round + 1}, ${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    }
    const { files, bytes } = floeRuns[0]!;
    const aws = peerOnce('aws', files, bytes);
    runs.push(aws);
    const median = (ms: Measured[]): Measured => [...ms].sort((a, b) => a.seconds - b.seconds)[Math.floor((ms.length - 1) / 2)]!;
    const floeRun = median(floeRuns);
    const rc = median(rcloneRuns);
    const results = [floeRun, ...(headRuns.length > 0 ? [median(headRuns)] : []), rc, aws];
    const faster = rate(rc, large) >= rate(aws, large) ? rc : aws;
    say(`\n${prefix.toUpperCase()} (${files} files, ${mib(bytes)} MiB), ${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (rounds > 1) {
      say('every run, in order:');
      say(table(runs.map((m) => row(m, large))));
      say('medians (of an even count, the faster of the two middle runs):');
    }
    say(table(results.map((m) => row(m, large))));
    say(`floe / ${faster.tool} (the faster peer): ${ratio(rate(floeRun, large), rate(faster, large))}; floe / rclone ${ratio(rate(floeRun, large), rate(rc, large))}; floe / aws ${ratio(rate(floeRun, large), rate(aws, large))}`);
  }
} finally {
  await server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
}

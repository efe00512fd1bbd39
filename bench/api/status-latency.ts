// p99 latency of `GET /v1/status` under autocannon, idle and while an ingest keeps the machine busy
// (issue 6, goal: under 50 ms). The daemon runs as `floe serve` in its own process; the ingest
// re-reads a folder of incompressible files with TransferMode ALL, one execution after another,
// for the whole measurement; CPU use of both cores is sampled from /proc/stat meanwhile.
//
//   node_modules/.bin/tsx bench/api/status-latency.ts [MiB of source data, default 512] [seconds, default 20]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { ApiClient } from '../../appliance/cli/api-client.js';
import { randomBytes } from '../../appliance/crypto/random.js';
import { provision } from '../../provisioning/provision.js';
import { FAST_SCRYPT, testJobSpec } from '../../test/support/test-job.js';
import { machineCpuTicks, table } from '../bench-util.js';

const MIB = Number(process.argv[2] ?? 512);
const SECONDS = Number(process.argv[3] ?? 20);
const CONNECTIONS = 10;

const jobSpec = testJobSpec('api benchmark', [{ uri: 's3://floe-bench/imports', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1' }]);

/** Percent busy of all cores while `fn` runs. */
async function withCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpuPercent: number }> {
  const before = machineCpuTicks();
  const value = await fn();
  const after = machineCpuTicks();
  return { value, cpuPercent: Math.round((100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total)) };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'floe-bench-api-'));
  const dataDir = join(root, 'data');
  const share = join(root, 'share');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const p = await provision({ jobSpec, dataDir, outDir: join(root, 'out'), scrypt: FAST_SCRYPT });
    await mkdir(share);
    const fileMiB = 16;
    for (let i = 0; i < Math.max(1, Math.round(MIB / fileMiB)); i++) await writeFile(join(share, `f${i}.bin`), randomBytes(fileMiB * 1024 * 1024));

    child = spawn(process.execPath, ['--import', 'tsx', 'appliance/cli/bin.ts', 'serve', '--data', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child!.on('exit', (code) => reject(new Error(`floe serve exited ${code}`)));
    });
    const token = (await readFile(join(dataDir, 'device', 'api-token'), 'utf8')).trim();
    const client = new ApiClient({ url, token });
    await client.post('/v1/unlock', { manifest: (await readFile(p.manifestPath)).toString('base64'), code: p.unlockCode });
    const load = (): Promise<Result> => autocannon({ url: `${url}/v1/status`, connections: CONNECTIONS, duration: SECONDS, headers: { authorization: `Bearer ${token}` } });

    const idle = await withCpu(load);

    const task = await client.post<{ TaskId: string }>('/v1/tasks', { Name: 'bench', SourceLocationUri: `file://${share}`, Options: { TransferMode: 'ALL', VerifyMode: 'NONE' } });
    let running = true;
    let executions = 0;
    let ingestBytes = 0;
    const ingestLoop = (async () => {
      while (running) {
        const e = await client.post<{ TaskExecutionId: string }>(`/v1/tasks/${task.TaskId}/executions`, {});
        executions++;
        for (;;) {
          const d = await client.get<{ Status: string; BytesTransferred: number }>(`/v1/executions/${e.TaskExecutionId}`);
          if (['SUCCESS', 'ERROR'].includes(d.Status)) {
            ingestBytes += d.BytesTransferred;
            break;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 2000)); // let the first execution get going
    const busy = await withCpu(load);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
    running = false;
    await ingestLoop;

    const row = (what: string, r: { value: Result; cpuPercent: number }) => ({
      what,
      'requests/s': Math.round(r.value.requests.average),
      'p50 ms': r.value.latency.p50,
      'p99 ms': r.value.latency.p99,
      'max ms': r.value.latency.max,
      'non-2xx': r.value.non2xx,
      errors: r.value.errors + r.value.timeouts,
      'CPU both cores %': r.cpuPercent,
    });
    console.log(table([row('GET /v1/status, daemon idle', idle), row('GET /v1/status, during ingest', busy)]));
    console.log(`ingest during the run: ${executions} execution(s), ${(ingestBytes / 1048576).toFixed(0)} MiB read; ${CONNECTIONS} connections, ${SECONDS} s each`);
    console.log(metrics.split('\n').filter((l) => l.startsWith('floe_event_loop_delay_seconds')).join('\n'));
    console.log(`p99 under ingest: ${busy.value.latency.p99} ms (goal < 50 ms): ${busy.value.latency.p99 < 50 ? 'met' : 'NOT met'}`);
    console.log(JSON.stringify({ idle: { p99: idle.value.latency.p99, rps: idle.value.requests.average, cpu: idle.cpuPercent }, ingest: { p99: busy.value.latency.p99, rps: busy.value.requests.average, cpu: busy.cpuPercent, executions, ingestBytes } }));
  } finally {
    child?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(root, { recursive: true, force: true });
  }
}

await main();

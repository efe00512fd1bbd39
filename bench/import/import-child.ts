// Child of import-throughput.ts: unlocks a device at the facility and imports it into one S3
// destination; prints one JSON line {seconds, cpuSeconds, files, bytes, state}.
// Run under /usr/bin/time.
import { readFile } from 'node:fs/promises';
import { Device } from '../../appliance/lifecycle/device.js';
import { ImportService } from '../../appliance/transfer/import-service.js';

const [dataDir, manifestPath, code, uri, endpoint, accessKeyId, secretAccessKey, tuningJson] = process.argv.slice(2) as string[];
const tuning = JSON.parse(tuningJson!) as { concurrency: number; largeConcurrency: number; queueSize: number; partSize: number; verifyMode: string };
const device = await Device.load(dataDir!);
await device.unlock(await readFile(manifestPath!), code!);
const service = new ImportService(device, {
  s3: { credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! }, partSize: tuning.partSize, queueSize: tuning.queueSize },
  engine: { concurrency: tuning.concurrency, largeConcurrency: tuning.largeConcurrency, largeFileBytes: tuning.partSize },
});
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
const status = await service.run({ destinations: [{ uri: uri!, endpoint: endpoint!, forcePathStyle: true, region: 'us-east-1' }], options: { VerifyMode: tuning.verifyMode as 'NONE' } });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
// The import's CPU time, every thread of the process: not the start-up or the unlock before it,
// whose seal check reads the whole journal once at the facility.
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const c = status.destinations[0]?.counters;
// The execution's own phases (ms); `seconds` also holds what the service does around it (the
// ledger's replay, the summary, the device's state changes).
const r = status.report?.destinations[0]?.result;
const phases = r === undefined ? null : { prepareMs: r.PrepareDuration, transferMs: r.TransferDuration, verifyMs: r.VerifyDuration, executionMs: r.TotalDuration };
await device.close();
process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds, files: c?.FilesTransferred ?? 0, bytes: c?.BytesWritten ?? 0, state: status.state, error: status.error ?? null, phases })}\n`);

// Child process of import-crash.test.ts: loads the device, unlocks it (facility side), runs the
// import and prints READY, progress lines ("P <bytes transferred>") and "DONE <state>". The parent
// SIGKILLs it at random moments and kills the S3 server under it.
import { readFile } from 'node:fs/promises';
import { Device } from '../../appliance/lifecycle/device.js';
import { ImportService, type RunStatus } from '../../appliance/transfer/import-service.js';

const [dataDir, manifestPath, code, accessKeyId, secretAccessKey, bytesPerSecond] = process.argv.slice(2) as [string, string, string, string, string, string];
const device = await Device.load(dataDir);
await device.unlock(await readFile(manifestPath), code);
const service = new ImportService(device, {
  s3: { credentials: { accessKeyId, secretAccessKey }, partSize: 5 * 1024 * 1024, queueSize: 2, maxAttempts: 2 },
  engine: { largeFileBytes: 5 * 1024 * 1024, concurrency: 8, retry: { maxAttempts: 20, baseDelayMs: 100, maxDelayMs: 2_000 } },
  progressIntervalMs: 100,
  publish: (type, data) => {
    if (type !== 'import.progress') return;
    const bytes = (data as RunStatus).destinations.reduce((n, d) => n + d.counters.BytesTransferred, 0);
    process.stdout.write(`P ${bytes}\n`);
  },
});
await service.start({ options: { VerifyMode: 'ONLY_FILES_TRANSFERRED', BytesPerSecond: Number(bytesPerSecond) } });
process.stdout.write('READY\n');
const status = await service.wait();
await device.close();
process.stdout.write(`DONE ${status.state} ${JSON.stringify(status.error ?? null)}\n`);

// Child process of copy-crash.test.ts: unlocks the device, runs one agentless copy (file:// ->
// s3://, no journal between for the data) and prints progress lines ("P <bytes transferred>") and
// "DONE <status> <counters JSON>". The parent SIGKILLs it at random moments.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Device } from '../../appliance/lifecycle/device.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { createExecutionCounters } from '../../appliance/tasks/execution-status.js';
import { createFilter } from '../../appliance/tasks/filters.js';
import { parseOptions } from '../../appliance/tasks/options.js';
import { executionThrottle } from '../../appliance/tasks/throttle.js';
import { openCopyDestination, runCopy } from '../../appliance/transfer/copy-run.js';

const [dataDir, manifestPath, code, source, destinationUri, accessKeyId, secretAccessKey, bytesPerSecond, executionId] = process.argv.slice(2) as [
  string, string, string, string, string, string, string, string, string,
];
const device = await Device.load(dataDir);
await device.unlock(await readFile(manifestPath), code);
const options = parseOptions({ VerifyMode: 'ONLY_FILES_TRANSFERRED', TransferMode: 'ALL', BytesPerSecond: Number(bytesPerSecond) });
const counters = createExecutionCounters();
const timer = setInterval(() => process.stdout.write(`P ${counters.BytesTransferred}\n`), 100);
const result = await runCopy({
  source: await openSource(pathToFileURL(source).href),
  destination: await openCopyDestination(destinationUri, { credentials: { accessKeyId, secretAccessKey }, partSize: 5 * 1024 * 1024, maxAttempts: 2 }),
  journal: device.journal(),
  executionId,
  options,
  filter: createFilter({}),
  throttle: executionThrottle(options.BytesPerSecond),
  counters,
  concurrency: 8,
});
clearInterval(timer);
await device.close();
process.stdout.write(`DONE ${result.status} ${JSON.stringify({ counters: result.counters, failures: result.failures })}\n`);

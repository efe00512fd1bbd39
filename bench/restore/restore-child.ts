// Child of restore-throughput.ts, in two modes, each a separate process so RSS and CPU are floe's
// alone:
//   ingest SOURCE_DIR JOURNAL_DIR KEY_FILE   ingests a folder into a new journal and ends the
//                                            execution (a recovery point); the bench's key goes to KEY_FILE
//   restore JOURNAL_DIR KEY_FILE TARGET      restores the latest point into TARGET (a folder, or an
//                                            nfs:// URI: floe's NFS client), as the daemon's restore
//                                            runs it (TransferEngine, VerifyMode NONE)
// and prints JSON: seconds, files, bytes, failures, peak RSS, CPU seconds.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { SecretKey } from '../../appliance/crypto/secret-key.js';
import { FilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { openNfsDestination } from '../../appliance/destinations/nfs/nfs-destination.js';
import { openDestination } from '../../appliance/destinations/open-destination.js';
import { runIngest } from '../../appliance/ingest/ingest-engine.js';
import { Journal } from '../../appliance/journal/journal.js';
import { findPoint } from '../../appliance/journal/recovery-points.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { createExecutionCounters } from '../../appliance/tasks/execution-status.js';
import { createFilter } from '../../appliance/tasks/filters.js';
import { parseOptions } from '../../appliance/tasks/options.js';
import { executionThrottle } from '../../appliance/tasks/throttle.js';
import { DeliveryLedger } from '../../appliance/transfer/delivery-ledger.js';
import { TransferEngine } from '../../appliance/transfer/transfer-engine.js';

const [mode, a, b, c] = process.argv.slice(2) as [string, string, string, string];
const start = process.hrtime.bigint();
const ring = (keyFile: string) => new KeyRing(SecretKey.fromBytes(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex')));
let out: Record<string, unknown>;
if (mode === 'ingest') {
  writeFileSync(c, randomBytes(32).toString('hex'), { mode: 0o600 });
  const journal = await Journal.create(b, ring(c));
  const source = await openSource(`file://${a}`);
  const options = parseOptions({ VerifyMode: 'NONE', TransferMode: 'ALL' });
  const counters = createExecutionCounters();
  const result = await runIngest({ source, journal, options, filter: createFilter({}), throttle: executionThrottle(options.BytesPerSecond), signal: new AbortController().signal, counters });
  await journal.appendEvent({ kind: 'task.execution.finished', execution: { TaskExecutionId: 'exec-bench', TaskId: 'task-bench', TaskName: 'bench', Status: 'SUCCESS', StartTime: '', EndTime: '' } });
  await source.close();
  await journal.close();
  out = { files: counters.FilesTransferred, bytes: counters.BytesWritten, error: result.error ?? null };
} else {
  const journal = await Journal.open(a, ring(b));
  const point = await findPoint(journal, 'latest');
  const uri = c.startsWith('nfs://') ? c : `file://${c}`;
  const destination = c.startsWith('nfs://') ? await openNfsDestination(uri) : await openDestination(uri);
  if (destination instanceof FilesystemDestination) destination.deferDurability();
  const engine = new TransferEngine({
    journal,
    ledger: await DeliveryLedger.open(journal),
    destination,
    destinationId: `restore ${uri}`,
    executionId: 'restore-bench',
    transfer: 'restore',
    options: parseOptions({ VerifyMode: 'NONE' }),
    catalog: () => journal.catalogAt(point.seq),
    checkTarget: true,
  });
  const r = await engine.run();
  if (destination instanceof FilesystemDestination) await destination.syncAll();
  await destination.close();
  await journal.close();
  const failed = r.counters.FilesFailed;
  out = { files: r.counters.FilesTransferred, bytes: r.counters.BytesWritten, error: failed.Prepare + failed.Transfer + failed.Verify > 0 ? r.failures.slice(0, 3) : null };
}
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ ...out, seconds: Number(process.hrtime.bigint() - start) / 1e9, peakRssMiB: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');

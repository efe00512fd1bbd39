// Child of ingest-throughput.ts: one ingest execution (the engine, as the task service runs it)
// from a source URI into a new journal, printed as JSON: seconds, the transfer phase's seconds,
// counters, peak RSS and CPU seconds. A separate process so RSS and CPU are floe's alone.
//
//   tsx bench/ingest/ingest-child.ts SOURCE_URI JOURNAL_DIR '{"VerifyMode":"NONE"}' [KEY_FILE]
//
// Beside the task options, the JSON may carry "concurrency" and, for an s3:// source,
// "attributesFromRead" (default true, as the task service opens it).
//
// With KEY_FILE (changed-rerun.ts) the journal's data key is kept there as hex: the first run
// writes it and creates the journal, a later run reads it and opens the same journal again.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { SecretKey } from '../../appliance/crypto/secret-key.js';
import { runIngest } from '../../appliance/ingest/ingest-engine.js';
import { Journal } from '../../appliance/journal/journal.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { createExecutionCounters } from '../../appliance/tasks/execution-status.js';
import { createFilter } from '../../appliance/tasks/filters.js';
import { parseOptions } from '../../appliance/tasks/options.js';
import { executionThrottle } from '../../appliance/tasks/throttle.js';

const [uri, journalDir, optionsJson, keyFile] = process.argv.slice(2) as [string, string, string | undefined, string | undefined];
const { concurrency, attributesFromRead, ...optionInput } = JSON.parse(optionsJson ?? '{}') as { concurrency?: number; attributesFromRead?: boolean } & Record<string, unknown>;
const options = parseOptions(optionInput);
const start = process.hrtime.bigint();
const journal = await openJournal();
// As the task service opens an ingest's source: an S3 object's metadata from its GET
// ("attributesFromRead": false in the options: a HeadObject per object, as before issue 23's fix).
const source = await openSource(uri, { s3: { attributesFromRead: attributesFromRead ?? true } });
const counters = createExecutionCounters();
let transferStart = 0n;
let transferEnd = 0n;
const result = await runIngest({
  source,
  journal,
  options,
  filter: createFilter({}),
  throttle: executionThrottle(options.BytesPerSecond),
  signal: new AbortController().signal,
  counters,
  ...(concurrency === undefined ? {} : { concurrency }),
  onPhase: (p) => {
    if (p === 'TRANSFERRING') transferStart = process.hrtime.bigint();
    else transferEnd = process.hrtime.bigint();
  },
});
await source.close();
await journal.close();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage();
process.stdout.write(
  JSON.stringify({
    seconds,
    transferSeconds: Number(transferEnd - transferStart) / 1e9,
    files: counters.FilesTransferred,
    bytes: counters.BytesWritten,
    skipped: counters.FilesSkipped,
    listed: counters.FilesListed.AtSource,
    failed: counters.FilesFailed,
    error: result.error ?? null,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }) + '\n',
);

/** A new journal with a new key, or with KEY_FILE the journal and key of an earlier run. */
async function openJournal(): Promise<Journal> {
  if (keyFile === undefined) return Journal.create(journalDir, new KeyRing(KeyRing.generateDataKey()));
  if (existsSync(keyFile)) return Journal.open(journalDir, new KeyRing(SecretKey.fromBytes(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex'))));
  const key = KeyRing.generateDataKey();
  writeFileSync(keyFile, key.bytes.toString('hex') + '\n', { mode: 0o600 });
  return Journal.create(journalDir, new KeyRing(key));
}

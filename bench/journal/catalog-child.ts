// Child of catalog-memory.ts: writes N small files into a new journal (64 in flight), iterates the
// catalog, then plans an import of it: the transfer engine's own PREPARING (every file read from
// the catalog, keyed, fingerprinted and put in its class, the plan written out in runs past its
// memory budget), stopped as TRANSFERRING starts. Prints timings and peak RSS as JSON. A separate
// process so RSS is measured alone.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { openFilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { isFloeError } from '../../appliance/errors.js';
import { Journal } from '../../appliance/journal/journal.js';
import { DeliveryLedger } from '../../appliance/transfer/delivery-ledger.js';
import { TransferEngine } from '../../appliance/transfer/transfer-engine.js';
import { ExecutionPlan, PLAN_OTHER } from '../../appliance/transfer/execution-plan.js';
import { encodeFileEntry } from '../../appliance/journal/records.js';
import { sha256 } from '../../appliance/crypto/hash.js';

const [dir, countText] = process.argv.slice(2) as [string, string];
const count = Number(countText);
const journal = await Journal.create(join(dir, 'journal'), new KeyRing(KeyRing.generateDataKey()));
const t0 = process.hrtime.bigint();
let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    const i = next++;
    const content = Buffer.from(`file ${i} `.repeat(8));
    await journal.writeFile(
      {
        path: Buffer.from(`d${i % 1000}/f${i}.txt`), type: 'file', mode: 0o644, uid: 1000, gid: 1000, size: content.length,
        atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, fsId: 1n, fileId: BigInt(i), nlink: 1, rdevMajor: 0, rdevMinor: 0,
      },
      (async function* () {
        yield content;
      })(),
    );
  }
}
await Promise.all(Array.from({ length: 64 }, worker));
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const writeSeconds = seconds(t0);
const rssAfterWrite = process.resourceUsage().maxRSS / 1024;
const t1 = process.hrtime.bigint();
let seen = 0;
let bytes = 0;
for await (const e of journal.files()) {
  seen++;
  bytes += e.size;
}
const iterateSeconds = seconds(t1);
const rssAfterIterate = process.resourceUsage().maxRSS / 1024;

await mkdir(join(dir, 'efs'));
const destination = await openFilesystemDestination(`efs://${join(dir, 'efs')}`);
const ledger = await DeliveryLedger.open(journal);
const controller = new AbortController();
const t2 = process.hrtime.bigint();
let planSeconds = 0;
let prepared = 0;
const engine = new TransferEngine({
  journal, ledger, destination, executionId: 'bench-plan', transfer: 'import', signal: controller.signal,
  onPhase: (phase) => {
    if (phase !== 'TRANSFERRING') return;
    planSeconds = seconds(t2);
    prepared = engine.counters.FilesPrepared;
    controller.abort();
  },
});
await engine.run().then(
  () => {
    throw new Error('the import ran to its end instead of stopping after PREPARING');
  },
  (err: unknown) => {
    if (!isFloeError(err, 'CANCELLED')) throw err;
  },
);
await destination.close();
const rssAfterPlan = process.resourceUsage().maxRSS / 1024;

// The plan read back: the same catalog planned as the engine plans small files (class OTHER, in
// journal order) and read whole, a merge of its runs, as TRANSFERRING reads it.
const t3 = process.hrtime.bigint();
const plan = new ExecutionPlan({ scratchDir: join(dir, 'journal', 'scratch') });
for await (const { entry, seq } of journal.catalog()) {
  const record = encodeFileEntry(entry);
  plan.add(PLAN_OTHER, Number(seq), record, sha256(record));
  if (plan.full) await plan.spill();
}
const spilledMiB = plan.spilledBytes / 1024 / 1024;
let read = 0;
let readBytes = 0;
for await (const f of plan.files(PLAN_OTHER)) {
  read++;
  readBytes += f.entry.size;
}
if (readBytes !== bytes) throw new Error(`the plan read back holds ${readBytes} bytes of files, the catalog ${bytes}`);
await plan.close();
const readBackSeconds = seconds(t3);
await journal.close();
process.stdout.write(
  JSON.stringify({
    count, seen, bytes, prepared, read, spilledMiB, writeSeconds, iterateSeconds, planSeconds, readBackSeconds,
    rssAfterWriteMiB: rssAfterWrite, rssAfterIterateMiB: rssAfterIterate, rssAfterPlanMiB: rssAfterPlan, peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);

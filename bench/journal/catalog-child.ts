// Child of catalog-memory.ts: writes N small files into a new journal (64 in flight), then iterates
// the catalog, and prints peak RSS as JSON. A separate process so RSS is measured alone.
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { Journal } from '../../appliance/journal/journal.js';

const [dir, countText] = process.argv.slice(2) as [string, string];
const count = Number(countText);
const journal = await Journal.create(dir, new KeyRing(KeyRing.generateDataKey()));
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
const writeSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rssAfterWrite = process.resourceUsage().maxRSS / 1024;
const t1 = process.hrtime.bigint();
let seen = 0;
let bytes = 0;
for await (const e of journal.files()) {
  seen++;
  bytes += e.size;
}
const iterateSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
await journal.close();
process.stdout.write(JSON.stringify({ count, seen, bytes, writeSeconds, iterateSeconds, rssAfterWriteMiB: rssAfterWrite, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');

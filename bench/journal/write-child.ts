// Child of write-throughput.ts: writes every file of a folder into a new journal with two files in
// flight, and prints seconds and peak RSS as JSON. A separate process so RSS is floe's alone.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { Journal } from '../../appliance/journal/journal.js';

const [src, dest] = process.argv.slice(2) as [string, string];
const names = (await readdir(src)).sort();
const start = process.hrtime.bigint();
const journal = await Journal.create(dest, new KeyRing(KeyRing.generateDataKey()));
let next = 0;
let bytes = 0;
async function worker(): Promise<void> {
  while (next < names.length) {
    const name = names[next++]!;
    const path = join(src, name);
    const s = await stat(path, { bigint: true });
    await journal.writeFile(
      {
        path: Buffer.from(name), type: 'file', mode: Number(s.mode & 0o7777n), uid: Number(s.uid), gid: Number(s.gid), size: Number(s.size),
        atimeNs: s.atimeNs, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, fsId: s.dev, fileId: s.ino, nlink: Number(s.nlink), rdevMajor: 0, rdevMinor: 0,
      },
      createReadStream(path, { highWaterMark: 1 << 20 }),
    );
    bytes += Number(s.size);
  }
}
await Promise.all([worker(), worker()]);
await journal.close();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ seconds, bytes, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');

// Child process of crash.test.ts: writes a dataset into a journal and prints "C <path>" after each
// file is committed. The parent kills it with SIGKILL at a random moment.
import { KeyRing } from '../../appliance/crypto/key-ring.js';
import { SecretKey } from '../../appliance/crypto/secret-key.js';
import { Journal } from '../../appliance/journal/journal.js';
import { contentOf, datasetFiles, type DatasetName } from './dataset.js';

const [dir, dekHex, dataset, roundText, create] = process.argv.slice(2) as [string, string, DatasetName, string, string];
const ring = new KeyRing(SecretKey.fromBytes(Buffer.from(dekHex, 'hex')));
const journal = create === 'create' ? await Journal.create(dir, ring, { segmentLimit: 64 << 20 }) : await Journal.open(dir, ring, { segmentLimit: 64 << 20 });
process.stdout.write('READY\n');
const files = datasetFiles(dataset, Number(roundText));
const concurrency = dataset === 'small' ? 16 : 2;
let next = 0;
async function worker(): Promise<void> {
  while (next < files.length) {
    const f = files[next++]!;
    await journal.writeFile(
      {
        path: Buffer.from(f.path), type: 'file', mode: 0o640, uid: 1001, gid: 1002, size: f.size,
        atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, fsId: 1n, fileId: BigInt(next), nlink: 1, rdevMajor: 0, rdevMinor: 0,
      },
      contentOf(f.path, f.size),
    );
    process.stdout.write(`C ${f.path}\n`);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await journal.close();
process.stdout.write('DONE\n');

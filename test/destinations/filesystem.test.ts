// The conformance suite on the filesystem destination, in a temp folder (what an EFS or FSx mount
// looks like to floe).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFilesystemDestination } from '../../appliance/destinations/filesystem/filesystem-destination.js';
import { describeDestination } from './describe-destination.js';

/** Part files anywhere under `root`, counted with a walk of our own (not through the destination). */
async function partFiles(root: Buffer): Promise<number> {
  let count = 0;
  for (const entry of await readdir(root, { withFileTypes: true, encoding: 'buffer' })) {
    const name = Buffer.from(entry.name);
    const path = Buffer.concat([root, Buffer.from('/'), name]);
    if (entry.isDirectory()) count += await partFiles(path);
    else if (name.toString('latin1').startsWith('.floe-part-')) count++;
  }
  return count;
}

describeDestination('filesystem (efs://)', {
  traits: {
    largeSize: 16 * 1024 * 1024 + 12_345,
    // Every byte handed to the part file was written and fsynced before the put failed.
    resumeOffset: (_size, failedAfter) => failedAfter,
    acceptsNonUtf8Names: true,
    keepsOwnership: process.getuid?.() === 0,
    timePrecision: { ns: 1000n, reason: "Node's utimes keeps microseconds (TOOLCHAIN.md, File metadata pitfalls)" },
    known: {},
  },
  async start() {
    const base = await mkdtemp(join(tmpdir(), 'floe-fs-dest-'));
    let n = 0;
    return {
      async open() {
        const root = await mkdtemp(join(base, `t${++n}-`));
        return { destination: await openFilesystemDestination(`efs://${root}`), leftovers: () => partFiles(Buffer.from(root)) };
      },
      stop: () => rm(base, { recursive: true, force: true }),
    };
  },
});

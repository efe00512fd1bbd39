// Reads one large file through floe's NFSv3 client and through libnfs's nfs-cat (the reference
// client, TOOLCHAIN.md) on the same nfs-ganesha, and prints MiB/s for each.
//
//   node_modules/.bin/tsx bench/ingest/nfs-read.ts [--size-mib 256] [--runs 3] [--depth 12] [--read-kib 1024]
//   node_modules/.bin/tsx bench/ingest/nfs-read.ts --uri 'nfs://host/export/file?nfsport=..&mountport=..'
//
// Without --uri it writes a random file of --size-mib into a temp folder, serves it with the test
// harness's ganesha (root needed), and removes everything afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openNfsSource } from '../../appliance/sources/nfs/nfs-source.js';
import { startGanesha, type Ganesha } from '../../test/harness/ganesha.js';

const { values } = parseArgs({
  options: {
    uri: { type: 'string' },
    'size-mib': { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    depth: { type: 'string', default: '12' },
    'read-kib': { type: 'string', default: '1024' },
  },
});

const MIB = 1024 * 1024;

async function floeRead(fileUri: string): Promise<number> {
  const url = new URL(fileUri);
  const slash = url.pathname.lastIndexOf('/');
  const fileName = Buffer.from(decodeURIComponent(url.pathname.slice(slash + 1)));
  url.pathname = url.pathname.slice(0, slash);
  const source = await openNfsSource(url.toString(), { readDepth: Number(values.depth), readSize: Number(values['read-kib']) * 1024 });
  try {
    const entry = await source.stat(fileName);
    let bytes = 0;
    for await (const chunk of source.read(entry)) bytes += chunk.length;
    if (bytes !== entry.size) throw new Error(`read ${bytes} bytes of ${entry.size}`);
    return bytes;
  } finally {
    await source.close();
  }
}

async function nfsCat(fileUri: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('nfs-cat', [fileUri], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`nfs-cat exited with ${code}`))));
  });
}

async function measure(name: string, run: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const started = process.hrtime.bigint();
    const bytes = await run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(bytes / MIB / seconds);
  }
  const best = Math.max(...rates);
  console.log(`${name.padEnd(10)} ${rates.map((r) => r.toFixed(0).padStart(6)).join(' ')}  MiB/s (best ${best.toFixed(0)})`);
  return best;
}

let server: Ganesha | undefined;
let tmp: string | undefined;
let fileUri = values.uri;
try {
  if (!fileUri) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-nfs-'));
    const exportDir = path.join(tmp, 'export');
    fs.mkdirSync(exportDir);
    const fd = fs.openSync(path.join(exportDir, 'large.bin'), 'w');
    const block = randomBytes(8 * MIB);
    for (let left = Number(values['size-mib']) * MIB; left > 0; left -= block.length) fs.writeSync(fd, block, 0, Math.min(block.length, left));
    fs.closeSync(fd);
    server = await startGanesha({ exportDir });
    fileUri = server.uri('large.bin');
  }
  console.log(`file: ${fileUri}\nruns: ${values.runs}, floe depth ${values.depth} x ${values['read-kib']} KiB`);
  await nfsCat(fileUri); // warm the page cache and ganesha's handle cache for both
  const ours = await measure('floe', () => floeRead(fileUri!));
  const theirs = await measure('nfs-cat', () => nfsCat(fileUri!));
  console.log(`floe / nfs-cat: ${(ours / theirs).toFixed(2)}`);
} finally {
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

// Child of ingest-throughput.ts: the NFS side of an ingest alone. Walks a source (READDIRPLUS)
// and reads every regular file whole, 16 files at once as the ingest engine does, and throws the
// bytes away: no journal, no hashing. What it reaches is the ceiling of any ingest through floe's
// NFS client from this server on this machine. Prints {seconds, files, bytes}.
//
//   node bench/ingest/nfs-walk-child.ts SOURCE_URI
import { openSource } from '../../appliance/sources/open-source.js';
import type { Source, SourceEntry } from '../../appliance/sources/source.js';

const CONCURRENCY = 16;
const [uri] = process.argv.slice(2) as [string];
const start = process.hrtime.bigint();
const source = await openSource(uri);
let files = 0;
let bytes = 0;

/** Every regular file under `dir`, depth first, as the listing gives them. */
async function* walk(src: Source, dir: Buffer): AsyncGenerator<SourceEntry> {
  const dirs: Buffer[] = [];
  for await (const e of src.list(dir)) {
    if (e.type === 'directory') dirs.push(e.path);
    else if (e.type === 'file') yield e;
  }
  for (const d of dirs) yield* walk(src, d);
}

const entries = walk(source, Buffer.alloc(0));
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const next = await entries.next();
      if (next.done === true) return;
      for await (const piece of source.read(next.value)) bytes += piece.length;
      files++;
    }
  }),
);
await source.close();
process.stdout.write(`${JSON.stringify({ seconds: Number(process.hrtime.bigint() - start) / 1e9, files, bytes })}\n`);

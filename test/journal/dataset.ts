// Deterministic datasets for the crash tests: content is a pure function of the path, so the
// parent can check any file the child may have committed without being told its bytes.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type DatasetName = 'small' | 'large';

export interface DatasetFile {
  readonly path: string;
  readonly size: number;
}

export function datasetFiles(name: DatasetName, round: number): DatasetFile[] {
  if (name === 'large') {
    return [0, 1, 2].map((i) => ({ path: `r${round}/big-${i}.bin`, size: 200 * 1024 * 1024 + i * 4099 }));
  }
  const files: DatasetFile[] = [];
  for (let i = 0; i < 3000; i++) files.push({ path: `r${round}/d${i % 40}/f${i}.dat`, size: 1 + ((i * 7919) % (16 * 1024)) });
  return files;
}

/**
 * `count` small files for a folder ingest (test/ingest/ingest-crash.test.ts): 1 B to 64 KiB, most
 * under 2 KiB and one in 16 up to 64 KiB (about 3 KiB on average), 64 folders of 4 subfolders each.
 */
export function smallFileTree(count: number): DatasetFile[] {
  const files: DatasetFile[] = [];
  for (let i = 0; i < count; i++) {
    const limit = i % 16 === 15 ? 64 * 1024 : 2048;
    files.push({ path: `d${i % 64}/s${(i >> 6) % 4}/f${i}.dat`, size: 1 + ((i * 7919) % limit) });
  }
  return files;
}

/** Writes `files` under `root` with their content; returns path -> SHA-256 (hex) of what was written. */
export async function writeDataset(root: string, files: readonly DatasetFile[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const dir of new Set(files.map((f) => dirname(f.path)))) await mkdir(join(root, dir), { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      const pieces: Buffer[] = [];
      for await (const p of contentOf(f.path, f.size)) pieces.push(p);
      const data = Buffer.concat(pieces);
      hashes.set(f.path, createHash('sha256').update(data).digest('hex'));
      await writeFile(join(root, f.path), data);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return hashes;
}

function seedOf(path: string): number {
  return createHash('sha256').update(path).digest().readInt32LE(0) | 1;
}

/** The file's content, streamed in 1 MiB pieces (xorshift32 seeded by the path). */
export async function* contentOf(path: string, size: number): AsyncGenerator<Buffer> {
  let x = seedOf(path);
  const piece = 1 << 20;
  for (let off = 0; off < size; off += piece) {
    const n = Math.min(piece, size - off);
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b.writeInt32LE(x | 0, i);
    }
    for (; i < n; i++) b[i] = (off + i) & 0xff;
    yield b;
  }
}

export async function sha256Of(path: string, size: number): Promise<string> {
  const h = createHash('sha256');
  for await (const p of contentOf(path, size)) h.update(p);
  return h.digest('hex');
}

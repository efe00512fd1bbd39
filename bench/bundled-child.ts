// Benchmark children run as the binary runs floe: bundled by image/bundle.mjs (esbuild, the same
// options as the shipped bundle) and started with plain node. Under tsx every function literal is
// wrapped to keep its name (esbuild's keepNames, about 1-3 us per closure made), a cost the
// shipped binary does not pay; a benchmark of floe should not count it.
import path from 'node:path';
import { bundle } from '../image/bundle.mjs';

const ROOT = path.join(import.meta.dirname, '..');

/**
 * Bundles `entry` (a .ts file) into dist/bench/<name>/ and returns the file to give node. The
 * bundle sits inside the checkout so that its externals (classic-level) resolve from node_modules.
 */
export async function bundledChild(entry: string): Promise<string> {
  const name = path.basename(entry).replace(/\.[cm]?ts$/, '');
  const { entryFile } = await bundle({ quiet: true, entry, outdir: path.join(ROOT, 'dist', 'bench', name) });
  return entryFile;
}

/** The arguments that start `entry`: bundled, or through tsx as written when `tsx` is set. */
export async function childArgs(entry: string, tsx: boolean): Promise<string[]> {
  return tsx ? ['--import', 'tsx', entry] : [await bundledChild(entry)];
}

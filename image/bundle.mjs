#!/usr/bin/env node
// Bundles the `floe` CLI (image/floe-entry.ts, i.e. appliance/cli/bin.ts) into ESM files in dist/app/, the input of the
// single binary (image/build-binary.mjs). TOOLCHAIN.md, "The single binary with @yao-pkg/pkg".
//
// - classic-level (LevelDB) stays outside the bundle: it finds its native addon from its own
//   folder (node-gyp-build(__dirname)), so pkg packs node_modules/classic-level as it is and
//   ships its prebuilt addon as an asset.
// - The firmware public key is embedded here (esbuild `define`); its private half never enters the
//   repository or the binary (image/firmware-key.mjs).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
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

/**
 * Optional dependencies that are not installed and never run in floe: ink imports React's devtools
 * only when DEV=true. A stub keeps the import resolvable.
 */
const STUBS = {
  'react-devtools-core': 'export default { initialize() {}, connectToDevTools() {} };',
};
const stubPlugin = {
  name: 'floe-stubs',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(STUBS).map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'floe-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'floe-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

/**
 * Writes `outdir/floe.mjs` and, split from it, `outdir/chunks/*.mjs`: the code a bare
 * `floe --version` never loads (image/floe-entry.ts), so starting the binary parses little.
 */
export async function bundle({ quiet = false, entry = join(root, 'image/floe-entry.ts'), outdir = join(root, 'dist/app') } = {}) {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const versionSource = await readFile(join(root, 'appliance/version.ts'), 'utf8');
  const version = /FLOE_VERSION = '([^']+)'/.exec(versionSource)?.[1];
  if (version !== pkg.version) {
    throw new Error(`appliance/version.ts says ${version ?? '(none)'} but package.json says ${pkg.version}: make them equal`);
  }
  const key = await loadFirmwareKey();
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { floe: entry },
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: Object.keys(EXTERNAL_PACKAGES),
    plugins: [stubPlugin],
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
  if (!quiet) process.stdout.write(`bundle: ${relative(root, outdir)}/floe.mjs (floe ${version}, firmware key ${createHash('sha256').update(Buffer.from(key.publicKeyHex, 'hex')).digest('hex').slice(0, 16)} from ${key.source})\n`);
  return { entryFile: join(outdir, 'floe.mjs'), version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  bundle().catch((err) => {
    process.stderr.write(`bundle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

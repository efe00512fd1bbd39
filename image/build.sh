#!/usr/bin/env bash
# make image: dist/floe.mjs (esbuild), dist/floe (pkg SEA, Node 22 inside), and the signed
# firmware bundle dist/floe-<version>-linux-x64.tar.gz. Offline; about 15 s.
set -euo pipefail
cd "$(dirname "$0")/.."
node image/bundle.mjs
node image/build-binary.mjs
node_modules/.bin/tsx image/firmware-bundle.ts

#!/usr/bin/env bash
# make demo: grows with the lifecycle, ingest and import work (issue: one binary and the demo).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "floe demo: $(node_modules/.bin/tsx appliance/cli/bin.ts --version)"
node_modules/.bin/tsx bench/journal-demo.ts

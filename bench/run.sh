#!/usr/bin/env bash
# make bench: every benchmark, one after another (they share two cores). Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
tsx=node_modules/.bin/tsx
echo "== journal write throughput"; $tsx bench/journal/write-throughput.ts "${FLOE_BENCH_GIB:-2}"
echo "== journal catalog memory"; $tsx bench/journal/catalog-memory.ts
for extra in bench/*/run.sh; do [ -x "$extra" ] && { echo "== $extra"; "$extra"; }; done
